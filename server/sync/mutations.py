"""The named mutations a device may push. Each returns a result or raises Rejected."""

from zoneinfo import ZoneInfo

from server.common.models import utcnow
from server.dealers.models import Dealer
from server.dealers.policy import KPA_PER_KGF_CM2
from server.errors import ProblemError
from server.extensions import db
from server.field.models import (
    ChecklistAnswer,
    FeeLine,
    Measurement,
    Note,
    PartUsed,
    Photo,
    Signature,
    Visit,
)
from server.media.signatures import store_signature
from server.sync import changes
from server.sync import schemas as s
from server.sync.context import Context, FlushFirst, job_for, scope_conflict
from server.sync.merge import Rejected, merge, open_conflict
from server.sync.rules import missing_items

KPA_PER_UNIT = {
    "kPa": 1.0,
    "kgf/cm2": KPA_PER_KGF_CM2,
    "bar": 100.0,
    "MPa": 1000.0,
    "psi": 6.894757,
}
STARTABLE = ("new", "assigned", "scheduled")


def _evidence(ctx: Context, model, args: dict, **values) -> dict:
    job, clash = job_for(ctx, args["job_id"])
    # No look-up first: a resent create fails the insert, and the caller then tells a
    # duplicate from a real constraint failure (one round trip less per mutation).
    ctx.creating = (model, args["id"], job.id)
    if args.get("visit_id") is not None:
        visit = db.session.get(Visit, args["visit_id"])
        if visit is None or visit.job_id != job.id:
            raise Rejected(
                "invalid_args",
                "visit_id is not a visit of this job.",
                errors={"visit_id": ["unknown for this job"]},
            )
    # A Core insert: evidence is append-only, so the unit of work adds nothing but cost.
    now = utcnow()
    row = {
        "id": args["id"],
        "job_id": job.id,
        "visit_id": args.get("visit_id"),
        "created_by": ctx.user.id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        **values,
    }
    if ctx.in_savepoint:
        return _write_evidence(ctx, model, row, job, clash)
    if ctx.queue is not None:
        if clash is None:
            result = {"mutation_id": ctx.mutation_id, "status": "queued"}
            ctx.queue.append((result, model, row))
            return result
        if ctx.queue:
            raise FlushFirst
    if clash is None:
        # The common case touches no ORM object, so a plain SAVEPOINT is enough.
        with changes.plain_savepoint(db.session):
            db.session.execute(model.__table__.insert(), [row])
        changes.record(db.session, model.__tablename__, row["id"], job.id)
        return {"status": "applied"}
    with db.session.begin_nested():
        return _write_evidence(ctx, model, row, job, clash)


def _write_evidence(ctx, model, row, job, clash) -> dict:
    db.session.execute(model.__table__.insert(), [row])
    changes.record(db.session, model.__tablename__, row["id"], job.id)
    if clash is None:
        return {"status": "applied"}
    conflict = scope_conflict(ctx, job, clash)
    db.session.flush()
    return {
        "status": "conflict",
        "reason": clash,
        "conflicts": [str(conflict.id)],
        "detail": "kept; the job changed while you were offline",
    }


def start_visit(ctx, a):
    job, clash = job_for(ctx, a["job_id"])
    existing = db.session.get(Visit, a["id"])
    if existing is not None:
        if existing.job_id != job.id:
            raise Rejected("id_taken", "That id belongs to another job's visit.")
        return {"status": "duplicate", "detail": "already recorded"}
    db.session.add(
        Visit(id=a["id"], job_id=job.id, technician_id=ctx.user.id, arrived_at=a["arrived_at"])
    )
    if clash is None and job.status in STARTABLE:
        job.status = "in_progress"
    db.session.flush()
    if clash is not None:
        conflict = scope_conflict(ctx, job, clash)
        db.session.flush()
        return {"status": "conflict", "reason": clash, "conflicts": [str(conflict.id)]}
    return {"status": "applied"}


def update_job(ctx, a):
    job, clash = job_for(ctx, a["job_id"])
    return merge(ctx, job, "jobs", a["changes"], job.id, clash)


def update_visit(ctx, a):
    visit = db.session.get(Visit, a["id"])
    if visit is None or visit.deleted_at is not None:
        raise Rejected("unknown_visit", "No such visit.")
    job, clash = job_for(ctx, visit.job_id)
    return merge(ctx, visit, "visits", a["changes"], job.id, clash)


def answer_checklist(ctx, a):
    answer = {"value": a["value"]}
    if a.get("comment"):
        answer["comment"] = a["comment"]
    return _evidence(
        ctx, ChecklistAnswer, a, item=a["item"], answer=answer, answered_at=a["answered_at"]
    )


def add_measurement(ctx, a):
    kpa = round(a["value"] * KPA_PER_UNIT[a["unit"]], 3)
    return _evidence(
        ctx,
        Measurement,
        a,
        kind=a["kind"],
        value_kpa=kpa,
        original_value=a["value"],
        original_unit=a["unit"],
        measured_at=a["measured_at"],
    )


def add_photo(ctx, a):
    job, _clash = job_for(ctx, a["job_id"])
    # Bytes that arrived before their record may need another size for this purpose;
    # checked for the whole push after it commits, off the hot path.
    ctx.photos.append((a["sha256"], a["purpose"], job.dealer_id))
    return _evidence(
        ctx,
        Photo,
        a,
        purpose=a["purpose"],
        sha256=a["sha256"],
        taken_at=a["taken_at"],
        caption=a.get("caption"),
    )


def add_signature(ctx, a):
    job_for(ctx, a["job_id"])  # scope first: nothing is rendered for a job out of reach
    # The PNG kept as evidence is rendered here from the strokes, never taken from the
    # device; a client's png_sha256 is ignored.
    try:
        png = store_signature(a["strokes"], uploaded_by=ctx.user.id)
    except ProblemError as exc:
        raise Rejected(
            "invalid_args", exc.detail, errors=exc.errors or {"strokes": [exc.detail]}
        ) from exc
    keys = (
        "purpose",
        "signer_name",
        "statement_text",
        "statement_sha256",
        "strokes",
        "signed_at",
        "device",
    )
    return _evidence(ctx, Signature, a, png_sha256=png.sha256, **{k: a.get(k) for k in keys})


def add_part(ctx, a):
    return _evidence(
        ctx,
        PartUsed,
        a,
        part_code=a["part_code"],
        name=a["name"],
        quantity=a["quantity"],
        unit_price_fen=a["unit_price_fen"],
    )


def add_fee(ctx, a):
    return _evidence(
        ctx,
        FeeLine,
        a,
        kind=a["kind"],
        description=a["description"],
        amount_fen=a["amount_fen"],
        payer=a["payer"],
    )


def record_customer_absent(ctx, a):
    job, _ = job_for(ctx, a["job_id"])
    policy = db.session.get(Dealer, job.dealer_id).policy
    result = _evidence(
        ctx,
        FeeLine,
        a,
        kind="no_show",
        payer="customer",
        amount_fen=policy["fees"]["no_show_fen"],
        description="客户不在，空跑费 / customer absent: no-show fee",
    )
    if result["status"] != "duplicate" and a.get("visit_id") is not None:
        visit = db.session.get(Visit, a["visit_id"])
        visit.outcome, visit.departed_at = "customer_absent", visit.departed_at or a["at"]
    return result


def add_note(ctx, a):
    return _evidence(ctx, Note, a, body=a["body"])


def complete_job(ctx, a):
    job, clash = job_for(ctx, a["job_id"])
    if job.status == "completed" and clash is None:
        return {"status": "duplicate", "detail": "already completed"}
    if clash is not None:
        conflict = open_conflict(
            ctx,
            entity="jobs",
            entity_id=job.id,
            job_id=job.id,
            field="status",
            reason=clash,
            base=None,
            server=job.status,
            client="completed",
        )
        db.session.flush()
        return {"status": "conflict", "reason": clash, "conflicts": [str(conflict.id)]}
    dealer = db.session.get(Dealer, job.dealer_id)
    policy = dealer.policy
    missing = missing_items(job, policy)
    if missing:
        raise Rejected("incomplete", "The job is missing required evidence.", missing=missing)
    job.status, job.completed_at = "completed", a["completed_at"]
    if job.kind == "installation" and job.unit is not None and job.unit.installed_on is None:
        job.unit.installed_on = a["completed_at"].astimezone(ZoneInfo(policy["timezone"])).date()
    db.session.flush()
    return {"status": "applied"}


# These open their own savepoint: a plain one when no ORM object is touched.
OWN_SAVEPOINT = {
    "update_job",
    "update_visit",
    "answer_checklist",
    "add_measurement",
    "add_photo",
    "add_part",
    "add_fee",
    "add_note",
}

MUTATIONS = {
    "start_visit": (s.StartVisitArgs(), start_visit),
    "update_job": (s.UpdateJobArgs(), update_job),
    "update_visit": (s.UpdateVisitArgs(), update_visit),
    "answer_checklist": (s.AnswerChecklistArgs(), answer_checklist),
    "add_measurement": (s.AddMeasurementArgs(), add_measurement),
    "add_photo": (s.AddPhotoArgs(), add_photo),
    "add_signature": (s.AddSignatureArgs(), add_signature),
    "add_part": (s.AddPartArgs(), add_part),
    "add_fee": (s.AddFeeArgs(), add_fee),
    "record_customer_absent": (s.RecordCustomerAbsentArgs(), record_customer_absent),
    "add_note": (s.AddNoteArgs(), add_note),
    "complete_job": (s.CompleteJobArgs(), complete_job),
}
