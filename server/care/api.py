"""Office API: survey links, complaints, the filter reminders due (docs/care.md)."""

import sqlalchemy as sa
from flask import current_app, g
from flask_smorest import Blueprint

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.care import complaints, reminders, schemas, surveys
from server.care.models import Complaint
from server.common import tx
from server.common.models import utcnow
from server.common.paging import paginate
from server.common.schemas import page_of
from server.desk.models import Job, Unit
from server.exceptions import NotFound

bp = Blueprint("care", __name__, url_prefix="/api", description="Surveys, complaints, reminders")
READERS = (*OFFICE_ROLES, "dealer")


# --- surveys -----------------------------------------------------------------


@bp.post("/jobs/<uuid:job_id>/survey")
@requires(*OFFICE_ROLES)
@bp.response(200, schemas.SurveyLinkSchema)
def issue_survey(job_id):
    """Send (or resend, with a fresh expiry) the survey link of a completed job."""
    job = access.get(Job, job_id, g.user, for_update=True)
    config = current_app.config
    survey, url = surveys.issue(job, utcnow(), config["SECRET_KEY"], config["PUBLIC_BASE_URL"])
    tx.commit()
    return {"survey": survey, "url": url}


@bp.get("/jobs/<uuid:job_id>/survey")
@requires(*READERS)
@bp.response(200, schemas.SurveySchema)
def get_survey(job_id):
    """The job's survey (a dealer: of its own jobs); 404 while it has none."""
    survey = surveys.of_job(access.get(Job, job_id, g.user))
    if survey is None:
        raise NotFound.of("survey")
    return survey


# --- complaints --------------------------------------------------------------


@bp.get("/complaints")
@requires(*READERS)
@bp.arguments(schemas.ComplaintQuerySchema, location="query")
@bp.response(200, page_of(schemas.ComplaintSchema))
def list_complaints(args):
    query = access.complaints(g.user)
    for key in ("status", "dealer_id", "owner_id", "customer_id"):
        if key in args:
            query = query.where(getattr(Complaint, key) == args[key])
    if "overdue" in args:
        late = complaints.overdue(utcnow())
        query = query.where(late if args["overdue"] else sa.not_(late))
    return paginate(query, args, Complaint.due_at, Complaint.id)


@bp.post("/complaints")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.ComplaintCreateSchema)
@bp.response(201, schemas.ComplaintSchema)
def create_complaint(args):
    return tx.done(complaints.open_complaint(args, g.user, utcnow()))


@bp.get("/complaints/<uuid:row_id>")
@requires(*READERS)
@bp.response(200, schemas.ComplaintSchema)
def get_complaint(row_id):
    return access.get(Complaint, row_id, g.user)


@bp.patch("/complaints/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.ComplaintUpdateSchema)
@bp.response(200, schemas.ComplaintSchema)
def update_complaint(args, row_id):
    complaint = access.get(Complaint, row_id, g.user, for_update=True)
    return tx.done(complaints.update(complaint, args, g.user))


@bp.post("/complaints/<uuid:row_id>/notes")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.ComplaintNoteSchema)
@bp.response(201, schemas.ComplaintSchema)
def add_note(args, row_id):
    complaint = access.get(Complaint, row_id, g.user, for_update=True)
    complaints.add_note(complaint, args["body"], g.user)
    return tx.done(complaint)


@bp.post("/complaints/<uuid:row_id>/start")
@requires(*OFFICE_ROLES)
@bp.response(200, schemas.ComplaintSchema)
def start_complaint(row_id):
    complaint = access.get(Complaint, row_id, g.user, for_update=True)
    return tx.done(complaints.move(complaint, "start", g.user, utcnow(), text=None))


@bp.post("/complaints/<uuid:row_id>/close")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.CloseSchema)
@bp.response(200, schemas.ComplaintSchema)
def close_complaint(args, row_id):
    complaint = access.get(Complaint, row_id, g.user, for_update=True)
    return tx.done(complaints.move(complaint, "close", g.user, utcnow(), text=args["resolution"]))


@bp.post("/complaints/<uuid:row_id>/reopen")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.ReopenSchema)
@bp.response(200, schemas.ComplaintSchema)
def reopen_complaint(args, row_id):
    complaint = access.get(Complaint, row_id, g.user, for_update=True)
    return tx.done(complaints.move(complaint, "reopen", g.user, utcnow(), text=args["reason"]))


@bp.delete("/complaints/<uuid:row_id>")
@requires("admin")
@bp.response(204)
def delete_complaint(row_id):
    """Soft-delete a complaint recorded in error (audited)."""
    complaints.delete(access.get(Complaint, row_id, g.user, for_update=True), g.user, utcnow())
    tx.commit()


# --- filter reminders --------------------------------------------------------


def due_item(due: reminders.Due, sent: set) -> dict:
    return {
        "unit_id": due.unit.id,
        "serial": due.unit.serial,
        "model": due.unit.model,
        "dealer_id": due.unit.dealer_id,
        "customer_id": due.customer.id,
        "customer_name": due.customer.name,
        "phone": due.customer.phone,
        "last_change_on": due.last_change_on,
        "last_change_by": due.last_change_by,
        "water_quality": due.water_quality,
        "tds_in": due.tds_in,
        "interval_months": due.interval_months,
        "due_on": due.due_on,
        "days_left": due.days_left,
        "reminded": due.key in sent,
    }


def due_page(user, args: dict) -> dict:
    """The units due within `within_days` (overdue first), one page; shared with the console."""
    units = access.units(user)
    if "dealer_id" in args:
        units = units.where(Unit.dealer_id == args["dealer_id"])
    found = reminders.due_within(units, utcnow(), args["within_days"])
    page, size = args["page"], args["page_size"]
    shown = found[(page - 1) * size : page * size]
    sent = reminders.reminded([d.key for d in shown])
    items = [due_item(d, sent) for d in shown]
    return {"items": items, "page": page, "page_size": size, "total": len(found)}


@bp.get("/reminders/due")
@requires(*READERS)
@bp.arguments(schemas.DueQuerySchema, location="query")
@bp.response(200, schemas.DuePageSchema)
def reminders_due(args):
    """Units whose filters are due within `within_days` days (default 30), overdue included."""
    return due_page(g.user, args)
