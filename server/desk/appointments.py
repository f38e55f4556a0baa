"""The appointment call, recorded before dispatch: the visit time agreed, the no-show fee
told, site conditions, extra work quoted and agreed, the address confirmed, a distance
beyond the service radius with its surcharge agreed, missing accessories cleared with the
seller. Raises server.exceptions; flushes, never commits.

A surcharge or quote the customer agrees to on the call is a FeeAgreement (way "call",
party customer) on the request's job, recorded through server/field/service.py like any
other, so the fee rules (server/field/fees.py) have one record to read.
"""

import sqlalchemy as sa

from server.audit.service import record
from server.common.models import utcnow
from server.dealers.service import policy_of
from server.desk import clocks, lifecycle, service
from server.desk.models import AppointmentCall, Job, ServiceRequest
from server.exceptions import Conflict, Invalid
from server.extensions import db
from server.field import service as field


def _job(request: ServiceRequest, job_id):
    """The job agreements are recorded on: the one given, or the request's only open job."""
    if job_id is not None:
        job = db.session.get(Job, job_id)
        if job is None or job.deleted_at is not None or job.request_id != request.id:
            raise Invalid("job_id", "not a job of this request")
        return job
    open_jobs = db.session.scalars(
        sa.select(Job).where(
            Job.request_id == request.id,
            Job.deleted_at.is_(None),
            Job.status.in_(lifecycle.OPEN),
        )
    ).all()
    return open_jobs[0] if len(open_jobs) == 1 else None


def _agree(request, job, actor, kind: str, amount_fen, note: str):
    """Record what the customer agreed to on the call; None for nothing to agree."""
    if not amount_fen:
        return None
    if job is None:
        raise Invalid(
            "job_id",
            "a charge is agreed for a job: create the request's job first (or name it)",
        )
    agreement = field.add_evidence(
        "fee_agreement",
        job,
        actor,
        {
            "kind": kind,
            "amount_fen": amount_fen,
            "party": "customer",
            "party_name": request.customer.name,
            "way": "call",
            "note": note[:500],
        },
    )
    return agreement.id


def _check(args: dict, policy: dict) -> None:
    if not args["no_show_fee_told"]:
        raise Invalid("no_show_fee_told", "tell the customer the no-show fee before agreeing")
    radius = policy["service_radius_km"]
    distance, surcharge = args.get("distance_km"), args.get("travel_surcharge_fen")
    if surcharge and (distance is None or distance <= radius):
        raise Invalid("travel_surcharge_fen", f"only beyond the {radius:g} km service radius")
    if distance is not None and distance > radius and surcharge is None:
        raise Invalid(
            "travel_surcharge_fen",
            f"beyond the {radius:g} km service radius: the agreed surcharge (0 if waived)",
        )
    if args.get("extra_work_fen") and not args.get("extra_work"):
        raise Invalid("extra_work", "say what extra work was quoted")


def record_call(request: ServiceRequest, args: dict, actor) -> AppointmentCall:
    """Record one call. The first meets the contact clock; the visit agreed (a later call
    may move it) and the confirmation time reset the on-site deadline."""
    if request.status in clocks.STOPPED:
        raise Conflict(f"The request is {request.status}.", slug="request-closed")
    called_at = args.get("called_at") or utcnow()
    if called_at < request.received_at:
        raise Invalid("called_at", "before the request was received")
    if called_at > utcnow() + service.FUTURE_SLACK:
        raise Invalid("called_at", "is in the future")
    policy = policy_of(request.dealer_id)
    _check(args, policy)
    job = _job(request, args.get("job_id"))
    travel = _agree(
        request,
        job,
        actor,
        "travel",
        args.get("travel_surcharge_fen"),
        f"约定电话 · appointment call: {args.get('distance_km')} km",
    )
    extra = _agree(
        request, job, actor, "extra_work", args.get("extra_work_fen"), args.get("extra_work") or ""
    )
    call = AppointmentCall(
        request_id=request.id,
        job_id=job.id if job else None,
        called_at=called_at,
        called_by=actor.id,
        visit_start=args["visit_start"],
        visit_end=args["visit_end"],
        no_show_fen=policy["fees"]["no_show_fen"],
        site_conditions=args.get("site_conditions"),
        address=args.get("address") or request.customer.address,
        distance_km=args.get("distance_km"),
        travel_agreement_id=travel,
        extra_work=args.get("extra_work"),
        extra_work_agreement_id=extra,
        accessories_missing=args.get("accessories_missing"),
        accessories_cleared=args.get("accessories_cleared", False),
        notes=args.get("notes"),
    )
    db.session.add(call)
    if request.contacted_at is None or called_at < request.contacted_at:
        request.contacted_at = called_at
    if request.acknowledged_at is None:
        request.acknowledged_at = called_at  # talking to the customer acknowledges too
    if request.status in ("new", "acknowledged"):
        request.status = "scheduled"
    db.session.flush()
    clocks.refresh_dues(request)
    record("appointment_call", "service_request", request.id, {"call": str(call.id)})
    return call


def calls_of(request: ServiceRequest) -> list[AppointmentCall]:
    return db.session.scalars(
        sa.select(AppointmentCall)
        .where(AppointmentCall.request_id == request.id, AppointmentCall.deleted_at.is_(None))
        .order_by(AppointmentCall.called_at)
    ).all()
