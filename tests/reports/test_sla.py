"""The SLA compliance report for October 2026, worked out by hand.

Requests (times UTC; Shanghai = UTC + 8 h). Their deadlines are stored as the desk keeps
them (acknowledge +2 h, contact +4 h, on site +1 d, resolve +3 d from receipt, written
here rather than computed from the policy: October has the National Day holidays, and
what is under test is the counting, not the calendar, tests/desk/test_sla.py has that).
The report is computed at NOW = 11-01 00:00 (08:00 on November 1st in Shanghai).

Columns: dealer, received, status (closed at), acknowledged, contacted, first arrival,
jobs completed; the clocks' states acknowledge / contact / on site / resolve.

| req | org | received | status | ack | contact | arrived | done | states |
|---|---|---|---|---|---|---|---|---|
| Q1 | 1 | 10-05 01:00 | scheduled | 01:30 | 02:00 | 10-05 20:00 | 10-06 03:00 ¹ | met ×4 |
| Q2 | 1 | 10-10 01:00 | scheduled | 04:00 | 06:00 | 10-12 02:00 | 10-14 03:00 | breached ×4 |
| Q3 | 2 | 10-20 01:00 | cancelled (02:00) | — | — | — | — | stopped ×4 |
| Q4 | 2 | 10-31 12:00 | acknowledged | 13:00 | — | — | open job | met/breached/running ×2 |
| Q5 | 1 | 09-30 17:00 ² | closed (10-03 00:00) | — | — | — | — | breached ×3/stopped |
| Q9 | 2 | 10-15 01:00 | closed (09:00) | 01:10 | 01:20 | 10-15 06:00 | 10-15 08:00 | met ×4 |
| Q6 | 1 | 10-31 16:30 ³ | new | — | — | — | — | November's |
| Q7 | 1 | 09-30 15:00 ⁴ | new | — | — | — | — | September's |
| Q8 | 1 | 10-12 01:00 | new, deleted | — | — | — | — | not counted |

¹ and a cancelled job; ² 10-01 01:00 local; ³ 11-01 00:30 local; ⁴ 09-30 23:00 local.

Q4's contact was due 10-31 16:00: breached at NOW, still running an hour before. Q5 was
closed after three of its clocks were due (breached) and before the resolve deadline
(10-03 17:00: stopped).
"""

import re
import uuid
from datetime import date, timedelta

import pytest

from server.desk.models import Customer, Job, ServiceRequest
from server.extensions import db
from server.field.models import Visit
from server.reports import catalog, months, registry
from server.reports import sla as sla_report
from tests.reports.conftest import at

OCTOBER = date(2026, 10, 1)
SHANGHAI = "Asia/Shanghai"
NOW = at("11-01 00:00")


def run(month=OCTOBER, dealer_id=None, tz=SHANGHAI):
    return registry.run(catalog.get("sla"), month, tz, dealer_id)


@pytest.fixture
def now(monkeypatch):
    """The report is computed at NOW (change `now.at` to compute it at another time)."""

    class Clock:
        at = NOW

    clock = Clock()
    monkeypatch.setattr(sla_report, "utcnow", lambda: clock.at)
    return clock


class Requests:
    def __init__(self, world):
        self.world = world
        self.customer = Customer(name="赵敏", phone="13900000001", address="杭州市拱墅区2号")
        db.session.add(self.customer)
        db.session.flush()

    def request(
        self, org, received, status="new", closed=None, ack=None, contact=None, kind="repair", **kw
    ):
        start = at(received)
        request = ServiceRequest(
            customer_id=self.customer.id,
            dealer_id=getattr(self.world, org).id,
            kind=kind,
            channel="phone",
            received_at=start,
            status=status,
            acknowledge_due=start + timedelta(hours=2),
            contact_due=start + timedelta(hours=4),
            on_site_due=start + timedelta(days=1),
            repair_due=start + timedelta(days=3),
            acknowledged_at=at(ack) if ack else None,
            contacted_at=at(contact) if contact else None,
            closed_at=at(closed) if closed else None,
            **kw,
        )
        db.session.add(request)
        db.session.flush()
        return request

    def job(self, request, status, completed=None, arrived=None):
        job = Job(
            request_id=request.id,
            customer_id=self.customer.id,
            dealer_id=request.dealer_id,
            kind="repair",
            status=status,
            technician_id=self.world.users["tech1"].id,
            completed_at=at(completed) if completed else None,
        )
        db.session.add(job)
        db.session.flush()
        if arrived:
            visit = Visit(job_id=job.id, technician_id=job.technician_id, arrived_at=at(arrived))
            db.session.add(visit)
        return job

    def build(self):
        q1 = self.request("org1", "10-05 01:00", "scheduled", ack="10-05 01:30",
                          contact="10-05 02:00")  # fmt: skip
        self.job(q1, "completed", "10-06 03:00", arrived="10-05 20:00")
        self.job(q1, "cancelled")
        q2 = self.request("org1", "10-10 01:00", "scheduled", ack="10-10 04:00",
                          contact="10-10 06:00")  # fmt: skip
        self.job(q2, "completed", "10-14 03:00", arrived="10-12 02:00")
        self.request("org2", "10-20 01:00", "cancelled", closed="10-20 02:00")
        q4 = self.request("org2", "10-31 12:00", "acknowledged", ack="10-31 13:00")
        self.job(q4, "scheduled")
        self.request("org1", "09-30 17:00", "closed", closed="10-03 00:00")
        q9 = self.request("org2", "10-15 01:00", "closed", closed="10-15 09:00",
                          ack="10-15 01:10", contact="10-15 01:20")  # fmt: skip
        self.job(q9, "completed", "10-15 08:00", arrived="10-15 06:00")
        self.request("org1", "10-31 16:30")
        self.request("org1", "09-30 15:00")
        self.request("org1", "10-12 01:00", deleted_at=at("10-13 00:00"))
        db.session.commit()


@pytest.fixture
def requests(app, world):
    with app.app_context():
        Requests(world).build()
        db.session.remove()


def row(clock, zh, en, met, breached, running, stopped, pct, requests=6):
    return {"clock": clock, "label_zh": zh, "label_en": en, "requests": requests, "met": met,
            "breached": breached, "running": running, "stopped": stopped,
            "compliance_pct": pct}  # fmt: skip


def test_each_clock_counts_the_desks_states_of_the_months_requests(ctx, requests, now):
    result = run()
    # Q1 Q2 Q3 Q4 Q5 Q9 (Q5 was received on October 1st in Shanghai; Q6 on November 1st).
    # acknowledge: met Q1 Q4 Q9, breached Q2 Q5, stopped Q3: 3 of 5 = 60.0 %.
    # contact: met Q1 Q9, breached Q2 Q4 Q5, stopped Q3: 2 of 5 = 40.0 %.
    # on site: met Q1 Q9, breached Q2 Q5, running Q4, stopped Q3: 2 of 4 = 50.0 %.
    # resolve: met Q1 (its cancelled job does not hold it open) Q9, breached Q2, running
    # Q4 (its job is open), stopped Q3 Q5: 2 of 3 = 66.7 %.
    assert result.rows == [
        row("acknowledge", "受理", "Acknowledge", 3, 2, 0, 1, 60.0),
        row("contact", "联系", "Contact", 2, 3, 0, 1, 40.0),
        row("on_site", "上门", "On site", 2, 2, 1, 1, 50.0),
        row("resolve", "完成", "Resolve", 2, 1, 1, 2, 66.7),
    ]
    # The requests once; the states over all 24 clocks: 9 of 9 + 8 = 52.9 %.
    assert result.total == row("total", "全部时钟", "All clocks", 9, 8, 2, 5, 52.9)


def test_a_consultation_runs_no_on_site_clock(ctx, requests, now, world):
    # Q10: a consultation by phone on 10-08, acknowledged at once, never called back: its
    # acknowledge clock met, contact and resolve breached, and no on-site clock at all.
    more = Requests(world)
    # (Its stored on-site deadline, written by the helper as for any request, is ignored.)
    more.request("org1", "10-08 01:00", "acknowledged", ack="10-08 01:05", kind="consultation")
    db.session.commit()
    result = run()
    assert result.rows == [
        row("acknowledge", "受理", "Acknowledge", 4, 2, 0, 1, 66.7, requests=7),
        row("contact", "联系", "Contact", 2, 4, 0, 1, 33.3, requests=7),
        row("on_site", "上门", "On site", 2, 2, 1, 1, 50.0, requests=6),
        row("resolve", "完成", "Resolve", 2, 2, 1, 2, 50.0, requests=7),
    ]
    assert result.total == row("total", "全部时钟", "All clocks", 10, 10, 2, 5, 50.0, requests=7)


def test_a_clock_not_yet_due_when_the_report_is_computed_is_running(ctx, requests, now):
    # An hour before Q4's contact deadline (10-31 16:00) it is still running: out of the
    # rate, 2 of 4 = 50.0 %.
    now.at = at("10-31 15:00")
    contact = run().rows[1]
    assert (contact["met"], contact["breached"], contact["running"]) == (2, 2, 1)
    assert contact["compliance_pct"] == 50.0


def test_one_dealers_sla_figures(ctx, requests, now, world):
    # org2: Q3 (stopped), Q4, Q9.
    rows = run(dealer_id=world.org2.id).rows
    assert [(r["clock"], r["met"], r["breached"], r["running"], r["stopped"],
             r["compliance_pct"]) for r in rows] == [
        ("acknowledge", 2, 0, 0, 1, 100.0),
        ("contact", 1, 1, 0, 1, 50.0),
        ("on_site", 1, 0, 1, 1, 100.0),
        ("resolve", 1, 0, 1, 1, 100.0),
    ]  # fmt: skip
    assert {r["requests"] for r in rows} == {3}


def test_the_month_is_the_one_the_request_was_received_in_locally(ctx, requests, now):
    # Q6 (10-31 16:30 UTC) is November's: its first two clocks breached by NOW, the rest
    # running. Q7 (09-30 15:00 UTC = 23:00 local) is September's, Q5 (17:00) is not.
    november = run(date(2026, 11, 1))
    assert [(r["requests"], r["breached"], r["running"]) for r in november.rows] == [
        (1, 1, 0), (1, 1, 0), (1, 0, 1), (1, 0, 1)
    ]  # fmt: skip
    assert run(date(2026, 9, 1)).total["requests"] == 1
    # In UTC, Q5 is September's and Q6 October's.
    assert run(tz="UTC").total["requests"] == 6
    assert run(date(2026, 9, 1), tz="UTC").total["requests"] == 2


def test_a_month_without_requests_has_no_rows(ctx, requests, now):
    result = run(date(2025, 1, 1))
    assert result.rows == []
    assert result.total["requests"] == 0 and result.total["compliance_pct"] is None


def test_a_request_taken_and_acknowledged_through_the_api_is_counted(app, client, world):
    """Through the desk's own intake and acknowledgement, so the report reads what the
    desk writes (real deadlines from the dealer's policy)."""
    headers = world.auth("dispatcher")
    taken = client.post(
        "/api/requests/intake",
        json={"channel": "phone", "kind": "repair", "serial": "SN-TEST-1"},
        headers=headers,
    )
    assert taken.status_code == 201, taken.get_json()
    request_id = taken.get_json()["id"]
    r = client.post(f"/api/requests/{request_id}/acknowledge", headers=headers)
    assert r.status_code == 200, r.get_json()
    with app.app_context():
        received = db.session.get(ServiceRequest, uuid.UUID(request_id)).received_at
        rows = run(months.this_month(SHANGHAI, received)).rows
        db.session.remove()
    # Acknowledged at once: met. Contact, on site and resolve are not due yet: running.
    assert [(r["clock"], r["met"], r["running"]) for r in rows] == [
        ("acknowledge", 1, 0), ("contact", 0, 1), ("on_site", 0, 1), ("resolve", 0, 1)
    ]  # fmt: skip
    assert rows[0]["compliance_pct"] == 100.0 and rows[1]["compliance_pct"] is None


def test_the_sla_page_csv_and_api_show_the_figures(client, world, requests, now):
    from tests.helpers import sign_in_page

    sign_in_page(client, "admin", "dispatcher")
    html = client.get("/admin/reports/sla?month=2026-10").get_data(as_text=True)
    assert "SLA compliance" in html and "<svg" in html
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", html)]
    assert ["on_site", "上门", "On site", "6", "2", "2", "1", "1", "50.0"] in cells
    csv = client.get("/admin/reports/sla.csv?month=2026-10").get_data()[3:].decode()
    assert csv.split("\r\n")[0] == (
        "时钟 Clock id,时钟名称 Clock (zh-CN),时钟（英文） Clock,请求数 Requests,"
        "按时达成 Met on time,超时 Breached,计时中 Still running,已停止 Stopped,"
        "达成率 Compliance (%)"
    )
    assert "resolve,完成,Resolve,6,2,1,1,2,66.7\r\n" in csv
    assert csv.endswith("total,全部时钟,All clocks,6,9,8,2,5,52.9\r\n")
    body = client.get(
        "/api/reports/sla",
        query_string={"month": "2026-10", "dealer_id": world.ids["org2"]},
        headers=world.auth("admin"),
    ).get_json()
    assert [r["compliance_pct"] for r in body["rows"]] == [100.0, 50.0, 100.0, 100.0]
    assert body["total"]["requests"] == 3 and body["total"]["met"] == 5


def test_a_busy_month_is_read_in_batches_with_the_same_figures(ctx, requests, now, monkeypatch):
    whole = run()
    monkeypatch.setattr(sla_report, "BATCH", 4)  # 6 requests: batches of 4 and 2
    assert run().rows == whole.rows and run().total == whole.total
