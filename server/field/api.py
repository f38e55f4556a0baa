"""Office API for field work: visits and evidence of a job, under the same rules as a push.

Readers are those who may read the job (access.rules); writers are the office, through
the field-service functions the sync mutations use, so the sync path is not the only
way in. Evidence is append-only: a wrong record is retracted (a tombstone, audited) and
a right one added.
"""

from flask import g
from flask_smorest import Blueprint
from marshmallow import fields, validate

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common import tx
from server.common.paging import paginate
from server.common.schemas import PageQuerySchema, PartialSchema, StrictSchema, Text, Time, page_of
from server.desk.models import Job
from server.desk.schemas import JobSchema
from server.field import schemas, service
from server.field.models import Visit

bp = Blueprint("field", __name__, url_prefix="/api/jobs", description="Visits and evidence")

ANY = ("admin", "dispatcher", "technician", "dealer")


def _office(schema: type) -> type:
    """The office may leave the record's id to the server."""
    return type(f"Office{schema.__name__}", (schema,), {"id": fields.UUID(load_default=None)})


class VisitCorrectionSchema(PartialSchema):
    departed_at = Time(allow_none=True)
    outcome = fields.String(allow_none=True, validate=validate.Length(max=40))


class RetractSchema(StrictSchema):
    reason = Text(1000, required=True)


def _job(job_id, lock: bool = False) -> Job:
    """The job in the user's scope; `lock` for a write (its records change under its lock)."""
    return access.get(Job, job_id, g.user, for_update=lock)


# --- visits ------------------------------------------------------------------------


@bp.get("/<uuid:job_id>/visits")
@requires(*ANY)
@bp.arguments(PageQuerySchema, location="query")
@bp.response(200, page_of(schemas.VisitSchema))
def list_visits(args, job_id):
    query = access.of_jobs(Visit, g.user).where(Visit.job_id == _job(job_id).id)
    return paginate(query, args, Visit.arrived_at, Visit.id)


@bp.post("/<uuid:job_id>/visits")
@requires(*OFFICE_ROLES)
@bp.arguments(_office(schemas.VisitArgs))
@bp.response(201, schemas.VisitSchema)
def add_visit(args, job_id):
    """Record a visit the office learned of (a call from site); the job starts."""
    return tx.done(service.add_visit(_job(job_id, True), g.user, args["id"], args["arrived_at"]))


@bp.patch("/<uuid:job_id>/visits/<uuid:visit_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(VisitCorrectionSchema)
@bp.response(200, schemas.VisitSchema)
def correct_visit(args, job_id, visit_id):
    """Correct a visit's departure or outcome (open jobs only); audited."""
    job = _job(job_id, True)
    visit = access.get_of_job(Visit, visit_id, job, g.user, for_update=True)
    return tx.done(service.correct_visit(job, visit, args, g.user))


# --- evidence ----------------------------------------------------------------------

# URL collection → (evidence kind, its arguments, its answer)
COLLECTIONS = {
    "checklist-answers": (
        "checklist_answer",
        schemas.ChecklistAnswerArgs,
        schemas.ChecklistAnswerSchema,
    ),
    "measurements": ("measurement", schemas.MeasurementArgs, schemas.MeasurementSchema),
    "photos": ("photo", schemas.PhotoArgs, schemas.PhotoSchema),
    "signatures": ("signature", schemas.SignatureArgs, schemas.SignatureSchema),
    "parts": ("part", schemas.PartArgs, schemas.PartSchema),
    "fees": ("fee", schemas.FeeArgs, schemas.FeeSchema),
    "fee-agreements": ("fee_agreement", schemas.FeeAgreementArgs, schemas.FeeAgreementSchema),
    "notes": ("note", schemas.NoteArgs, schemas.NoteSchema),
}


# Who may add records besides the office: a dealer records its own consent to a charge.
ALSO_WRITE = {"fee_agreement": ("dealer",)}


def _routes(collection: str, kind: str, args_schema: type, answer: type) -> None:
    model = service.KINDS[kind][0]
    name = collection.replace("-", "_")

    @bp.get(f"/<uuid:job_id>/{collection}", endpoint=f"list_{name}")
    @requires(*ANY)
    @bp.arguments(PageQuerySchema, location="query")
    @bp.response(200, page_of(answer))
    def list_records(args, job_id):
        query = access.of_jobs(model, g.user).where(model.job_id == _job(job_id).id)
        return paginate(query, args, model.created_at, model.id)

    @bp.post(f"/<uuid:job_id>/{collection}", endpoint=f"add_{name}")
    @requires(*OFFICE_ROLES, *ALSO_WRITE.get(kind, ()))
    @bp.arguments(_office(args_schema))
    @bp.response(201, answer)
    def add_record(args, job_id):
        return tx.done(service.add_evidence(kind, _job(job_id, True), g.user, args))

    @bp.delete(f"/<uuid:job_id>/{collection}/<uuid:record_id>", endpoint=f"retract_{name}")
    @requires(*OFFICE_ROLES)
    @bp.arguments(RetractSchema)
    @bp.response(204)
    def retract_record(args, job_id, record_id):
        """Retract a record made in error (open jobs only): a tombstone, audited."""
        job = _job(job_id, True)
        row = access.get_of_job(model, record_id, job, g.user, for_update=True)
        service.retract(job, row, args["reason"], g.user)
        tx.commit()

    list_records.__doc__ = f"The job's {collection.replace('-', ' ')} (tombstones left out)."
    add_record.__doc__ = f"Add to the job's {collection.replace('-', ' ')}, as a device would."


for _collection, (_kind, _args, _answer) in COLLECTIONS.items():
    _routes(_collection, _kind, _args, _answer)


@bp.post("/<uuid:job_id>/no-show")
@requires(*OFFICE_ROLES)
@bp.arguments(_office(schemas.NoShowArgs))
@bp.response(201, schemas.FeeSchema)
def record_no_show(args, job_id):
    """The customer was not home: the dealer policy's no-show fee, paid by the customer."""
    return tx.done(service.add_evidence("no_show", _job(job_id, True), g.user, args))


@bp.post("/<uuid:job_id>/complete")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.CompleteArgs)
@bp.response(200, JobSchema)
def complete_job(args, job_id):
    """Complete under the completion rules a device meets; 422 `incomplete` lists the rest."""
    job = _job(job_id, True)
    service.complete_job(job, args["completed_at"], g.user)
    return tx.done(job)
