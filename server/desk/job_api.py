"""Office API for jobs: find, create, edit, and move them through the lifecycle."""

from flask import g
from flask_smorest import Blueprint

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common import tx
from server.common.paging import paginate
from server.common.schemas import page_of
from server.desk import schemas, service
from server.desk.models import Job

bp = Blueprint("jobs", __name__, url_prefix="/api", description="Jobs and their lifecycle")

ANY = ("admin", "dispatcher", "technician", "dealer")


# --- jobs --------------------------------------------------------------------


@bp.get("/jobs")
@requires(*ANY)
@bp.arguments(schemas.JobQuerySchema, location="query")
@bp.response(200, page_of(schemas.JobSchema))
def list_jobs(args):
    query = access.jobs(g.user)
    if "status" in args:
        query = query.where(Job.status.in_(args["status"]))
    for key in ("kind", "technician_id", "dealer_id", "customer_id", "unit_id"):
        if key in args:
            query = query.where(getattr(Job, key) == args[key])
    if "window_from" in args:
        query = query.where(Job.window_end > args["window_from"])
    if "window_to" in args:
        query = query.where(Job.window_start < args["window_to"])
    return paginate(query, args, Job.window_start, Job.created_at, Job.id)


@bp.post("/jobs")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.JobCreateSchema)
@bp.response(201, schemas.JobSchema)
def create_job(args):
    return tx.done(service.create_job(args))


@bp.get("/jobs/<uuid:row_id>")
@requires(*ANY)
@bp.response(200, schemas.JobSchema)
def get_job(row_id):
    return access.get(Job, row_id, g.user)


@bp.patch("/jobs/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.JobUpdateSchema)
@bp.response(200, schemas.JobSchema)
def update_job(args, row_id):
    job = access.get(Job, row_id, g.user, for_update=True)
    return tx.done(service.update_job(job, args, g.user))


@bp.post("/jobs/<uuid:row_id>/assign")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.AssignSchema)
@bp.response(200, schemas.JobSchema)
def assign_job(args, row_id):
    """Assign to a technician (null unassigns)."""
    job = access.get(Job, row_id, g.user, for_update=True)
    return tx.done(service.assign(job, args["technician_id"], g.user))


@bp.post("/jobs/<uuid:row_id>/schedule")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.WindowSchema)
@bp.response(200, schemas.JobSchema)
def schedule_job(args, row_id):
    """Set the time window agreed with the customer."""
    job = access.get(Job, row_id, g.user, for_update=True)
    return tx.done(service.schedule(job, args["window_start"], args["window_end"], g.user))


@bp.post("/jobs/<uuid:row_id>/cancel")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.CancelSchema)
@bp.response(200, schemas.JobSchema)
def cancel_job(args, row_id):
    job = access.get(Job, row_id, g.user, for_update=True)
    return tx.done(service.cancel(job, args["reason"], g.user))


@bp.post("/jobs/<uuid:row_id>/approve")
@requires("admin", "dealer")
@bp.response(200, schemas.JobSchema)
def approve_job(row_id):
    """The dealer accepts a completed job's evidence: the job is locked from then on."""
    return tx.done(service.approve(access.get(Job, row_id, g.user, for_update=True), g.user))


@bp.post("/jobs/<uuid:row_id>/request-evidence")
@requires("admin", "dispatcher", "dealer")
@bp.arguments(schemas.CancelSchema)
@bp.response(200, schemas.JobSchema)
def request_evidence(args, row_id):
    """Ask for more evidence before accepting: the job goes back to its technician with
    `reason` as a note; completing it again makes the package's next version."""
    job = access.get(Job, row_id, g.user, for_update=True)
    return tx.done(service.request_evidence(job, args["reason"], g.user))


@bp.post("/jobs/<uuid:row_id>/close")
@requires("admin")
@bp.response(200, schemas.JobSchema)
def close_job(row_id):
    """Close a completed job (it is locked: later device edits become conflicts)."""
    return tx.done(service.close(access.get(Job, row_id, g.user, for_update=True), g.user))


@bp.post("/jobs/<uuid:row_id>/unlock")
@requires("admin")
@bp.response(200, schemas.JobSchema)
def unlock_job(row_id):
    """Lift the lock of an approved or closed job (audited); a closed job is completed again."""
    return tx.done(service.unlock(access.get(Job, row_id, g.user, for_update=True), g.user))


@bp.delete("/jobs/<uuid:row_id>")
@requires("admin")
@bp.response(204)
def delete_job(row_id):
    """Soft-delete a job made in error (a tombstone for devices); never one holding work."""
    service.delete(access.get(Job, row_id, g.user, for_update=True), g.user)
    tx.commit()


@bp.post("/jobs/<uuid:row_id>/restore")
@requires("admin")
@bp.response(200, schemas.JobSchema)
def restore_job(row_id):
    """Bring a deleted job back."""
    return tx.done(
        service.restore(access.get(Job, row_id, g.user, with_deleted=True, for_update=True), g.user)
    )
