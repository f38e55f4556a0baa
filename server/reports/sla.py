"""SLA compliance per clock: the service requests received in the month, and how each of
their four clocks stands now.

The states are the desk's, never re-derived here: `server/desk/clocks.py`
(`met_times`, `clock_states`) says when a clock was met and whether it is met, breached,
running or stopped (docs/service-desk.md "SLA clocks"). The report counts them per clock:

- requests: live requests received in the month (its bounds in the service time zone);
- met, breached, running, stopped: their clocks in each state when the report is computed
  (`now`), so a clock of a request received on the 31st that is not yet due is running;
- compliance = met ÷ (met + breached). Running clocks are left out (not decided yet) and
  so are stopped ones (the request was closed or cancelled before the clock was due: it
  was neither kept nor missed). A month's figures are final once no clock of its requests
  is running.
"""

import sqlalchemy as sa

from server.common.models import utcnow
from server.desk import clocks
from server.desk.models import ServiceRequest
from server.desk.sla import CLOCKS, STATES
from server.reports import months
from server.reports.registry import Column, Report, percent, register

CLOCK_LABELS = {
    "acknowledge": ("受理", "Acknowledge"),
    "contact": ("联系", "Contact"),
    "on_site": ("上门", "On site"),
    "resolve": ("完成", "Resolve"),
}
# The states (server/desk/sla.py's STATES) as columns, the decided ones first.
STATE_LABELS = {
    "met": ("按时达成", "Met on time"),
    "breached": ("超时", "Breached"),
    "running": ("计时中", "Still running"),
    "stopped": ("已停止", "Stopped"),
}
assert set(STATE_LABELS) == set(STATES)
# met_times takes a list of requests and queries by their ids: a bounded batch keeps a
# busy month under a driver's limit on parameters.
BATCH = 500


def received(start, end, dealer_id=None) -> sa.Select:
    """Live requests received in [start, end) (one dealer's if given)."""
    query = sa.select(ServiceRequest).where(
        ServiceRequest.deleted_at.is_(None),
        ServiceRequest.received_at >= start,
        ServiceRequest.received_at < end,
    )
    if dealer_id is not None:
        query = query.where(ServiceRequest.dealer_id == dealer_id)
    return query.order_by(ServiceRequest.received_at, ServiceRequest.id)


def state_counts(requests, now) -> dict:
    """{clock: {state: count, "requests": how many run it}} of `requests` at `now`, by the
    desk's clock states (work done remotely runs no on-site clock)."""
    counts = {name: dict.fromkeys((*STATES, "requests"), 0) for name in CLOCKS}
    for i in range(0, len(requests), BATCH):
        batch = requests[i : i + BATCH]
        met = clocks.met_times(batch)
        for request in batch:
            for clock in clocks.clock_states(request, now, met[request.id]):
                counts[clock.name][clock.state] += 1
                counts[clock.name]["requests"] += 1
    return counts


def _rows(session, month, dealer_id=None, *, tz):
    start, end = months.bounds(month, tz)
    requests = session.scalars(received(start, end, dealer_id)).all()
    if not requests:
        return []
    counts = state_counts(requests, utcnow())
    rows = []
    for name in CLOCKS:
        zh, en = CLOCK_LABELS[name]
        by_state = dict(counts[name])
        running_it = by_state.pop("requests")
        decided = by_state["met"] + by_state["breached"]
        rows.append(
            {
                "clock": name,
                "label_zh": zh,
                "label_en": en,
                "requests": running_it,
                **by_state,
                "compliance_pct": percent(by_state["met"], decided),
            }
        )
    return rows


def _total(rows):
    # Every request runs the acknowledge clock: the requests once, the states over every clock.
    total = {"clock": "total", "label_zh": "全部时钟", "label_en": "All clocks"}
    total["requests"] = max((r["requests"] for r in rows), default=0)
    total.update({state: sum(r[state] for r in rows) for state in STATES})
    total["compliance_pct"] = percent(total["met"], total["met"] + total["breached"])
    return total


REPORT = register(
    Report(
        id="sla",
        zh="SLA 达成率",
        en="SLA compliance",
        columns=(
            Column("clock", "时钟", "Clock id", kind="text"),
            Column("label_zh", "时钟名称", "Clock (zh-CN)", kind="text"),
            Column("label_en", "时钟（英文）", "Clock", kind="text"),
            Column("requests", "请求数", "Requests"),
            *(Column(state, *labels) for state, labels in STATE_LABELS.items()),
            Column("compliance_pct", "达成率", "Compliance", "%", "float"),
        ),
        rows=_rows,
        chart="compliance_pct",
        label="label_zh",
        total=_total,
        about_zh=(
            "当月收到的服务请求，按时钟（受理、联系、上门、完成）统计报表生成时的状态；"
            "达成率 = 按时达成 ÷（按时达成 + 超时），计时中与已停止（请求在到期前关闭或取消）"
            "的不计入。合计行：请求数，以及全部时钟的状态之和。"
        ),
        about_en=(
            "Service requests received in the month, each clock (acknowledge, contact, on "
            "site, resolve) in its state when the report is computed; compliance = met ÷ "
            "(met + breached), leaving out clocks still running and stopped ones (the request "
            "was closed or cancelled before the clock was due). Total row: the requests, and "
            "the states summed over all their clocks."
        ),
    )
)
