"""Desk rules: intake, units, jobs, dispatch. Raises ProblemError; commits nothing."""

import sqlalchemy as sa

from server.audit.service import record
from server.auth.models import User
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.desk.models import Customer, Job, ServiceRequest, Unit
from server.errors import ProblemError
from server.extensions import db

OPEN_JOB_STATUSES = ("new", "assigned", "scheduled", "in_progress")


def invalid(field: str, message: str) -> ProblemError:
    return ProblemError(
        422, f"{field}: {message}", slug="validation-error", errors={field: [message]}
    )


def _existing(model, row_id, field):
    row = db.session.get(model, row_id) if row_id is not None else None
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise invalid(field, "unknown")
    return row


def _new_id_free(model, row_id):
    if row_id is not None and db.session.get(model, row_id) is not None:
        raise ProblemError(409, "A row with that id exists.", slug="conflict")


def _set(row, changes: dict) -> dict:
    """Apply changes; return {field: [before, after]} for the audit log."""
    diff = {}
    for key, value in changes.items():
        before = getattr(row, key)
        if before != value:
            diff[key] = [_plain(before), _plain(value)]
            setattr(row, key, value)
    return diff


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def create_customer(args: dict) -> Customer:
    _new_id_free(Customer, args.get("id"))
    customer = Customer(**{k: v for k, v in args.items() if v is not None or k != "id"})
    db.session.add(customer)
    db.session.flush()
    record("create", "customer", customer.id)
    return customer


def update_customer(customer: Customer, args: dict) -> Customer:
    record("update", "customer", customer.id, _set(customer, args))
    return customer


def _check_serial_free(serial: str, unit_id=None):
    taken = db.session.scalar(sa.select(Unit.id).where(Unit.serial == serial))
    if taken is not None and taken != unit_id:
        raise ProblemError(
            409,
            "Another unit has that serial number.",
            slug="conflict",
            errors={"serial": ["already registered"]},
        )


def create_unit(args: dict) -> Unit:
    _new_id_free(Unit, args.get("id"))
    _existing(Customer, args["customer_id"], "customer_id")
    _existing(Dealer, args["dealer_id"], "dealer_id")
    _check_serial_free(args["serial"])
    unit = Unit(**{k: v for k, v in args.items() if v is not None or k != "id"})
    db.session.add(unit)
    db.session.flush()
    record("create", "unit", unit.id, {"serial": unit.serial})
    return unit


def update_unit(unit: Unit, args: dict) -> Unit:
    if "customer_id" in args:
        _existing(Customer, args["customer_id"], "customer_id")
    if "dealer_id" in args:
        _existing(Dealer, args["dealer_id"], "dealer_id")
    if "serial" in args:
        _check_serial_free(args["serial"], unit.id)
    record("update", "unit", unit.id, _set(unit, args))
    return unit


def _dealer_of(args: dict) -> None:
    """Fill dealer_id from the unit; the unit must be the customer's."""
    _existing(Customer, args["customer_id"], "customer_id")
    if args.get("unit_id") is not None:
        unit = _existing(Unit, args["unit_id"], "unit_id")
        if unit.customer_id != args["customer_id"]:
            raise invalid("unit_id", "belongs to another customer")
        if args.get("dealer_id") not in (None, unit.dealer_id):
            raise invalid("dealer_id", "differs from the unit's dealer")
        args["dealer_id"] = unit.dealer_id
    else:
        _existing(Dealer, args["dealer_id"], "dealer_id")


def create_request(args: dict) -> ServiceRequest:
    _new_id_free(ServiceRequest, args.get("id"))
    _dealer_of(args)
    if args.get("received_at") is None:
        args["received_at"] = utcnow()
    request = ServiceRequest(**{k: v for k, v in args.items() if v is not None or k != "id"})
    db.session.add(request)
    db.session.flush()
    record("create", "service_request", request.id, {"kind": request.kind})
    return request


def update_request(request: ServiceRequest, args: dict) -> ServiceRequest:
    if args.get("unit_id") is not None:
        unit = _existing(Unit, args["unit_id"], "unit_id")
        if unit.customer_id != request.customer_id:
            raise invalid("unit_id", "belongs to another customer")
    if args.get("status") == "acknowledged" and request.acknowledged_at is None:
        request.acknowledged_at = utcnow()
    record("update", "service_request", request.id, _set(request, args))
    return request


def create_job(args: dict) -> Job:
    _new_id_free(Job, args.get("id"))
    _dealer_of(args)
    if args.get("request_id") is not None:
        req = _existing(ServiceRequest, args["request_id"], "request_id")
        if req.customer_id != args["customer_id"]:
            raise invalid("request_id", "belongs to another customer")
    if args.get("address") is None:
        args["address"] = db.session.get(Customer, args["customer_id"]).address
    job = Job(**{k: v for k, v in args.items() if v is not None or k != "id"})
    db.session.add(job)
    db.session.flush()
    record("create", "job", job.id, {"kind": job.kind})
    return job


def _must_be_open(job: Job) -> None:
    if job.status not in OPEN_JOB_STATUSES:
        raise ProblemError(
            409, f"The job is {job.status}; it can no longer change.", slug="job-closed"
        )


def update_job(job: Job, args: dict) -> Job:
    _must_be_open(job)
    record("update", "job", job.id, _set(job, args))
    return job


def assign(job: Job, technician_id) -> Job:
    _must_be_open(job)
    if technician_id is not None:
        tech = db.session.get(User, technician_id)
        if tech is None or tech.role != "technician" or not tech.active:
            raise invalid("technician_id", "not an active technician")
    diff = _set(job, {"technician_id": technician_id})
    if job.status in ("new", "assigned", "scheduled"):
        if technician_id is None:
            job.status = "new"
        else:
            job.status = "scheduled" if job.window_start else "assigned"
    record("assign", "job", job.id, diff)
    return job


def schedule(job: Job, window_start, window_end) -> Job:
    _must_be_open(job)
    diff = _set(job, {"window_start": window_start, "window_end": window_end})
    if job.status == "assigned":
        job.status = "scheduled"
    record("schedule", "job", job.id, diff)
    return job


def cancel(job: Job, reason: str) -> Job:
    _must_be_open(job)
    job.status = "cancelled"
    job.cancelled_at = utcnow()
    job.cancel_reason = reason
    record("cancel", "job", job.id, {"reason": reason})
    return job
