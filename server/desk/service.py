"""Desk rules: intake, units, jobs, dispatch. Raises server.exceptions; flushes, never commits.

Every change of a job's status, assignment or lock is a move of the lifecycle
(server/desk/lifecycle.py); this module adds what the desk checks around it (the rows a
job refers to exist and belong together) and the audit trail.
"""

from datetime import timedelta

import sqlalchemy as sa

from server.audit.service import record
from server.common.models import utcnow
from server.common.schemas import jsonable
from server.dealers.models import Dealer
from server.desk import clocks, lifecycle
from server.desk.models import Customer, Job, ServiceRequest, Unit
from server.exceptions import Conflict, Invalid
from server.extensions import db
from server.field.models import EVIDENCE, Note, Visit
from server.warranty import service as warranty

# Requests that are still being handled follow their unit to a new dealer.
OPEN_REQUEST_STATUSES = ("new", "acknowledged", "scheduled")
# A request logged late may give the real time it came in, but not a time to come.
FUTURE_SLACK = timedelta(minutes=10)


def _existing(model, row_id, field):
    row = db.session.get(model, row_id) if row_id is not None else None
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise Invalid(field, "unknown")
    return row


def _new_id_free(model, row_id):
    if row_id is not None and db.session.get(model, row_id) is not None:
        raise Conflict("A row with that id exists.")


def _set(row, changes: dict) -> dict:
    """Apply changes; return {field: [before, after]} for the audit log."""
    diff = {}
    for key, value in changes.items():
        before = getattr(row, key)
        if before != value:
            diff[key] = [jsonable(before), jsonable(value)]
            setattr(row, key, value)
    return diff


def _create(model, args: dict, audit: dict):
    _new_id_free(model, args.get("id"))
    row = model(**{k: v for k, v in args.items() if v is not None or k != "id"})
    db.session.add(row)
    db.session.flush()
    record("create", model.__tablename__.removesuffix("s"), row.id, audit(row))
    return row


def create_customer(args: dict) -> Customer:
    return _create(Customer, args, lambda row: {})


def update_customer(customer: Customer, args: dict) -> Customer:
    record("update", "customer", customer.id, _set(customer, args))
    db.session.flush()
    return customer


def _check_serial_free(serial: str, unit_id=None):
    taken = db.session.scalar(sa.select(Unit.id).where(Unit.serial == serial))
    if taken is not None and taken != unit_id:
        raise Conflict(
            "Another unit has that serial number.", errors={"serial": ["already registered"]}
        )


def create_unit(args: dict) -> Unit:
    _existing(Customer, args["customer_id"], "customer_id")
    _existing(Dealer, args["dealer_id"], "dealer_id")
    _check_serial_free(args["serial"])
    unit = _create(Unit, args, lambda row: {"serial": row.serial})
    warranty.refresh(unit)
    return unit


def update_unit(unit: Unit, args: dict) -> Unit:
    # Locks in the order every writer takes them: the unit's jobs (by id), then the unit;
    # a push completing one of those jobs holds the job and then dates the unit.
    db.session.scalars(
        sa.select(Job.id).where(Job.unit_id == unit.id).order_by(Job.id).with_for_update()
    ).all()
    unit = db.session.get(Unit, unit.id, with_for_update=True, populate_existing=True)
    if "customer_id" in args:
        _existing(Customer, args["customer_id"], "customer_id")
    if "dealer_id" in args:
        _existing(Dealer, args["dealer_id"], "dealer_id")
    if "serial" in args:
        _check_serial_free(args["serial"], unit.id)
    moved = "dealer_id" in args and args["dealer_id"] != unit.dealer_id
    record("update", "unit", unit.id, _set(unit, args))
    if moved:
        _follow_the_unit(unit)
    db.session.flush()
    # Dates, proof of purchase or the dealer (and so its policy) may have changed.
    warranty.refresh(unit)
    return unit


def _follow_the_unit(unit: Unit) -> None:
    """A unit sold on (or corrected) to another dealer takes its open work along: that
    dealer owns the warranty now. Finished jobs stay with the dealer they were done for."""
    for job in db.session.scalars(
        sa.select(Job).where(Job.unit_id == unit.id, Job.status.in_(lifecycle.OPEN))
    ):
        record("move_dealer", "job", job.id, _set(job, {"dealer_id": unit.dealer_id}))
    for request in db.session.scalars(
        sa.select(ServiceRequest).where(
            ServiceRequest.unit_id == unit.id, ServiceRequest.status.in_(OPEN_REQUEST_STATUSES)
        )
    ):
        _set(request, {"dealer_id": unit.dealer_id})
        clocks.refresh_dues(request)  # the new dealer's policy


def _dealer_of(args: dict) -> None:
    """Fill dealer_id from the unit; the unit must be the customer's."""
    _existing(Customer, args["customer_id"], "customer_id")
    if args.get("unit_id") is not None:
        unit = _existing(Unit, args["unit_id"], "unit_id")
        if unit.customer_id != args["customer_id"]:
            raise Invalid("unit_id", "belongs to another customer")
        if args.get("dealer_id") not in (None, unit.dealer_id):
            raise Invalid("dealer_id", "differs from the unit's dealer")
        args["dealer_id"] = unit.dealer_id
    else:
        _existing(Dealer, args["dealer_id"], "dealer_id")


def create_request(args: dict) -> ServiceRequest:
    """A request with its SLA deadlines; `received_at` defaults to now."""
    _dealer_of(args)
    if args.get("received_at") is None:
        args["received_at"] = utcnow()
    elif args["received_at"] > utcnow() + FUTURE_SLACK:
        raise Invalid("received_at", "is in the future")
    request = _create(ServiceRequest, args, lambda row: {"kind": row.kind})
    clocks.refresh_dues(request)
    return request


def update_request(request: ServiceRequest, args: dict) -> ServiceRequest:
    if args.get("unit_id") is not None:
        unit = _existing(Unit, args["unit_id"], "unit_id")
        if unit.customer_id != request.customer_id:
            raise Invalid("unit_id", "belongs to another customer")
    if args.get("status") == "acknowledged" and request.acknowledged_at is None:
        request.acknowledged_at = utcnow()
    if "status" in args:
        # Clocks stop when the request ends, and run again if it is reopened.
        ends = args["status"] in clocks.STOPPED
        if ends and request.status not in clocks.STOPPED:
            request.closed_at = utcnow()
        elif not ends:
            request.closed_at = None
    record("update", "service_request", request.id, _set(request, args))
    db.session.flush()
    return request


def create_job(args: dict) -> Job:
    _dealer_of(args)
    if args.get("request_id") is not None:
        req = _existing(ServiceRequest, args["request_id"], "request_id")
        if req.customer_id != args["customer_id"]:
            raise Invalid("request_id", "belongs to another customer")
    if args.get("address") is None:
        args["address"] = db.session.get(Customer, args["customer_id"]).address
    return _create(Job, args, lambda row: {"kind": row.kind})


def _audited(action: str, job: Job, move, *args, note=None) -> Job:
    """Run one lifecycle move and write what it changed (and `note`) to the audit log."""
    watched = ("status", "technician_id", "window_start", "window_end", "locked_at", "deleted_at")
    before = {k: getattr(job, k) for k in watched}
    move(job, *args)
    diff = {
        k: [jsonable(before[k]), jsonable(getattr(job, k))]
        for k in watched
        if getattr(job, k) != before[k]
    }
    record(action, "job", job.id, {**diff, **(note or {})})
    db.session.flush()
    return job


def update_job(job: Job, args: dict, actor) -> Job:
    lifecycle.check(job, "edit", actor)
    record("update", "job", job.id, _set(job, args))
    db.session.flush()
    return job


def assign(job: Job, technician_id, actor) -> Job:
    return _audited("assign", job, lifecycle.assign, technician_id, actor)


def schedule(job: Job, window_start, window_end, actor) -> Job:
    return _audited("schedule", job, lifecycle.schedule, window_start, window_end, actor)


def cancel(job: Job, reason: str, actor) -> Job:
    return _audited("cancel", job, lifecycle.cancel, reason, actor, note={"reason": reason})


def approve(job: Job, actor) -> Job:
    return _audited("approve", job, lifecycle.approve, actor)


def request_evidence(job: Job, reason: str, actor) -> Job:
    """Back to the technician with what is missing, as a note on the job (it reaches their
    device with the job on the next pull)."""
    _audited("request_evidence", job, lifecycle.request_evidence, actor, note={"reason": reason})
    db.session.add(
        Note(job_id=job.id, body=f"【需补充 · More evidence wanted】{reason}", created_by=actor.id)
    )
    db.session.flush()
    return job


def close(job: Job, actor) -> Job:
    return _audited("close", job, lifecycle.close, actor)


def unlock(job: Job, actor) -> Job:
    return _audited("unlock", job, lifecycle.unlock, actor)


def has_work(job: Job) -> bool:
    """Has anyone recorded a visit or evidence on the job?"""
    return any(
        db.session.scalar(sa.select(sa.literal(True)).where(model.job_id == job.id).limit(1))
        for model in (Visit, *EVIDENCE)
    )


def delete(job: Job, actor) -> Job:
    return _audited("delete", job, lifecycle.delete, actor, has_work(job))


def restore(job: Job, actor) -> Job:
    return _audited("restore", job, lifecycle.restore, actor)


# A row still referenced by a live row is in use and cannot be deleted.
REFERENCES = {
    Customer: ((Unit, "customer_id"), (Job, "customer_id"), (ServiceRequest, "customer_id")),
    Unit: ((Job, "unit_id"), (ServiceRequest, "unit_id")),
    ServiceRequest: ((Job, "request_id"),),
}


def delete_row(row) -> None:
    """Soft-delete a customer, unit or request made in error; audited."""
    for model, column in REFERENCES[type(row)]:
        used = db.session.scalar(
            sa.select(sa.literal(True))
            .where(getattr(model, column) == row.id, model.deleted_at.is_(None))
            .limit(1)
        )
        if used:
            name = model.__tablename__.removesuffix("s").replace("_", " ")
            raise Conflict(f"A {name} still refers to it; delete that first.", slug="in-use")
    row.deleted_at = utcnow()
    record("delete", type(row).__tablename__.removesuffix("s"), row.id)
    db.session.flush()
    if isinstance(row, Unit):
        warranty.refresh(row)  # its record becomes a tombstone for devices too
