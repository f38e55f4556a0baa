"""The SLA clocks of service requests: deadlines kept on the request, and when each clock
was met. The one place that says what "met" means (docs/service-desk.md):

- acknowledge: `acknowledged_at` (the desk acknowledged the request);
- contact: `contacted_at` (the first appointment call, server/desk/appointments.py);
- on_site: the first visit's arrival on a live job of the request (no such clock for work
  done remotely, REMOTE_KINDS);
- resolve: when the last of its live, not-cancelled jobs was completed, once none is
  still open.

Stored: the deadlines (`acknowledge_due`, `contact_due`, `on_site_due`, `repair_due` for
resolve), so lists and reports can query them; `refresh_dues` recomputes them when what
they depend on changes. Derived on reading: the met times of on_site and resolve, and
every state. Raises nothing of its own; flushes, never commits.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.common.models import utcnow
from server.dealers import service as dealers
from server.desk import lifecycle, sla
from server.desk.models import REMOTE_KINDS, AppointmentCall, Job, ServiceRequest
from server.extensions import db
from server.field.models import Visit

COLUMN = {
    "acknowledge": "acknowledge_due",
    "contact": "contact_due",
    "on_site": "on_site_due",
    "resolve": "repair_due",
}
# Requests whose clocks no longer run.
STOPPED = ("closed", "cancelled")


def _latest_visit_end(request: ServiceRequest):
    return db.session.scalar(
        sa.select(AppointmentCall.visit_end)
        .where(AppointmentCall.request_id == request.id, AppointmentCall.deleted_at.is_(None))
        .order_by(AppointmentCall.called_at.desc())
        .limit(1)
    )


def clocks_of(request: ServiceRequest) -> tuple[str, ...]:
    """The clocks that run for this request, in order."""
    if request.kind in REMOTE_KINDS:
        return tuple(name for name in sla.CLOCKS if name != "on_site")
    return sla.CLOCKS


def _dues(request: ServiceRequest, policy: dict) -> dict:
    due = sla.due_times(
        policy, request.received_at, request.contacted_at, _latest_visit_end(request)
    )
    return {name: due[name] if name in clocks_of(request) else None for name in sla.CLOCKS}


def refresh_dues(request: ServiceRequest) -> None:
    """Recompute the stored deadlines: call after received_at, the dealer (so its policy)
    or an appointment call changed."""
    for name, due in _dues(request, dealers.policy_of(request.dealer_id)).items():
        setattr(request, COLUMN[name], due)
    db.session.flush()


def refresh_dealer(dealer_id) -> None:
    """The dealer's policy changed: its requests still running get new deadlines."""
    for request in db.session.scalars(
        sa.select(ServiceRequest).where(
            ServiceRequest.dealer_id == dealer_id,
            ServiceRequest.deleted_at.is_(None),
            ServiceRequest.status.not_in(STOPPED),
        )
    ):
        refresh_dues(request)


def met_times(requests: list[ServiceRequest]) -> dict:
    """{request id: {clock: met time or None}} for many requests in three queries."""
    ids = [r.id for r in requests]
    met = {
        r.id: {
            "acknowledge": r.acknowledged_at,
            "contact": r.contacted_at,
            "on_site": None,
            "resolve": None,
        }
        for r in requests
    }
    if not ids:
        return met
    live = sa.and_(Job.request_id.in_(ids), Job.deleted_at.is_(None))
    arrivals = db.session.execute(
        sa.select(Job.request_id, sa.func.min(Visit.arrived_at))
        .join(Visit, Visit.job_id == Job.id)
        .where(live, Visit.deleted_at.is_(None))
        .group_by(Job.request_id)
    )
    for request_id, arrived in arrivals:
        met[request_id]["on_site"] = arrived
    jobs = db.session.execute(
        sa.select(Job.request_id, Job.status, Job.completed_at).where(
            live, Job.status != lifecycle.CANCELLED
        )
    )
    done: dict = {}
    for request_id, status, completed_at in jobs:
        if status in lifecycle.OPEN or completed_at is None:
            done[request_id] = False
        elif done.get(request_id) is not False:
            done[request_id] = max(done.get(request_id) or completed_at, completed_at)
    for request_id, at in done.items():
        met[request_id]["resolve"] = at or None
    return met


def clock_states(request: ServiceRequest, now: datetime | None = None, met=None) -> list:
    """The request's four clocks (sla.Clock: name, due, met_at, state, near_breach, left)."""
    now = now or utcnow()
    policy = dealers.policy_of(request.dealer_id)
    met = met if met is not None else met_times([request])[request.id]
    names = clocks_of(request)
    due = {name: getattr(request, COLUMN[name]) for name in names}
    if any(value is None for value in due.values()):
        due = _dues(request, policy)  # a request from before deadlines were kept
    stopped = request.status in STOPPED
    return [sla.evaluate(n, due[n], met[n], now, policy, stopped, request.closed_at) for n in names]


def _local(value, zone):
    return value.astimezone(zone).isoformat() if value is not None else None


def document(request: ServiceRequest, now=None, met=None) -> dict:
    """The request's `sla` in the API: deadlines in the dealer's time zone, and each clock."""
    zone = ZoneInfo(dealers.policy_of(request.dealer_id)["timezone"])
    clocks = clock_states(request, now, met)
    doc = {f"{name}_by": None for name in sla.CLOCKS}  # None: the clock does not run
    doc.update({f"{c.name}_by": _local(c.due, zone) for c in clocks})
    doc["timezone"] = zone.key
    doc["clocks"] = [
        {
            "name": c.name,
            "due": _local(c.due, zone),
            "met_at": _local(c.met_at, zone),
            "state": c.state,
            "near_breach": c.near_breach,
            "minutes_left": None if c.left is None else int(c.left.total_seconds() // 60),
        }
        for c in clocks
    ]
    return doc


def prefetch(requests: list[ServiceRequest]) -> None:
    """Compute the met times of a page of requests at once (RequestSchema reads them)."""
    met = met_times(list(requests))
    for request in requests:
        request.__dict__["_sla_met"] = met[request.id]


def escalations(query: sa.Select, now: datetime | None = None) -> list[tuple]:
    """(request, clock) for every breached or near-breach clock of the running requests
    in `query`, the most overdue first: the escalation list."""
    now = now or utcnow()
    requests = db.session.scalars(
        query.where(ServiceRequest.status.not_in(STOPPED)).order_by(ServiceRequest.received_at)
    ).all()
    met = met_times(requests)
    found = []
    for request in requests:
        for clock in clock_states(request, now, met[request.id]):
            late = clock.state == "breached" and clock.met_at is None
            if late or clock.near_breach:
                found.append((request, clock))
    return sorted(found, key=lambda pair: pair[1].due or now)
