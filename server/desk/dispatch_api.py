"""Office API for dispatch: the day's board, suggestions for a job, technician profiles.

Assigning and reassigning use the jobs API (`POST /api/jobs/<id>/assign`), so they are
the lifecycle's `assign` move like every other way in.
"""

from flask import g
from flask_smorest import Blueprint

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common import tx
from server.common.zone import service_zone
from server.desk import dispatch, technicians
from server.desk import dispatch_schemas as schemas
from server.desk.models import Job

bp = Blueprint("dispatch", __name__, url_prefix="/api", description="Dispatch board")


@bp.get("/dispatch/board")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.DayQuerySchema, location="query")
@bp.response(200, schemas.BoardSchema)
def board(args):
    """A local day's technicians with their jobs by window and load, and the jobs to
    dispatch by then (default: today in the service time zone)."""
    zone = service_zone()
    return dispatch.board(g.user, args.get("day") or dispatch.today(zone), zone)


@bp.get("/jobs/<uuid:row_id>/suggestions")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.DayQuerySchema, location="query")
@bp.response(200, schemas.SuggestionsSchema)
def suggestions(args, row_id):
    """Active technicians ranked for the job: skill for its kind, its district, the load
    of the job's day (`day` only for a job without a window)."""
    job = access.get(Job, row_id, g.user)
    zone = service_zone()
    day = dispatch.suggestion_day(job, zone, args.get("day"))
    ranked = dispatch.suggest(g.user, job, day, zone)
    return {"job_id": job.id, "day": day, "timezone": zone.key, "suggestions": ranked}


@bp.get("/technicians")
@requires(*OFFICE_ROLES)
@bp.response(200, schemas.TechnicianSchema(many=True))
def list_technicians():
    known = technicians.profiles()
    return [technicians.view(t, known.get(t.id)) for t in technicians.technicians()]


@bp.get("/technicians/<uuid:user_id>")
@requires(*OFFICE_ROLES)
@bp.response(200, schemas.TechnicianSchema)
def get_technician(user_id):
    return technicians.profile_of(technicians.technician(user_id))


@bp.patch("/technicians/<uuid:user_id>")
@requires("admin")
@bp.arguments(schemas.TechnicianProfileSchema)
@bp.response(200, schemas.TechnicianSchema)
def update_technician(args, user_id):
    """Set the districts a technician serves and the job kinds they do (each list given
    replaces the stored one)."""
    profile = technicians.update(technicians.technician(user_id), args)
    tx.commit()
    return profile
