"""Intake, acknowledgement, appointment calls and the escalation list (docs/service-desk.md)."""

from flask import g
from flask_smorest import Blueprint

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common import tx
from server.desk import appointments, clocks, intake
from server.desk import intake_schemas as schemas
from server.desk.models import ServiceRequest
from server.desk.schemas import RequestSchema

bp = Blueprint("intake", __name__, url_prefix="/api/requests", description="Intake and SLA clocks")


@bp.post("/intake")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.IntakeSchema)
@bp.response(201, RequestSchema)
def take(args):
    """Record a request from any channel; its customer and unit are found by phone number
    or serial, and created when new."""
    request = intake.intake(args)
    tx.commit()
    return request


@bp.post("/<uuid:row_id>/acknowledge")
@requires(*OFFICE_ROLES)
@bp.response(200, RequestSchema)
def acknowledge(row_id):
    request = access.get(ServiceRequest, row_id, g.user, for_update=True)
    intake.acknowledge(request, g.user)
    tx.commit()
    return request


@bp.post("/<uuid:row_id>/appointment-calls")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.AppointmentCallArgs)
@bp.response(201, schemas.AppointmentCallSchema)
def record_call(args, row_id):
    """The call that agrees the visit (before dispatch); it meets the contact clock."""
    request = access.get(ServiceRequest, row_id, g.user, for_update=True)
    call = appointments.record_call(request, args, g.user)
    tx.commit()
    return call


@bp.get("/<uuid:row_id>/appointment-calls")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, schemas.AppointmentCallSchema(many=True))
def list_calls(row_id):
    return appointments.calls_of(access.get(ServiceRequest, row_id, g.user))


@bp.get("/escalations")
@requires("admin", "dispatcher", "dealer")
@bp.arguments(schemas.EscalationQuerySchema, location="query")
@bp.response(200, schemas.EscalationSchema(many=True))
def escalations(args):
    """Clocks breached and still not met, and clocks near breach, most overdue first."""
    query = access.requests(g.user)
    if "dealer_id" in args:
        query = query.where(ServiceRequest.dealer_id == args["dealer_id"])
    found = clocks.escalations(query)
    clocks.prefetch([request for request, _ in found])
    return [
        {
            "request": request,
            "clock": clock.name,
            "state": clock.state,
            "due": clock.due,
            "near_breach": clock.near_breach,
        }
        for request, clock in found
    ]
