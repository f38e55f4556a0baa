"""The named mutations a device may push. Each returns a result or raises Rejected."""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.auth.models import OFFICE_ROLES, User
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.dealers.policy import KPA_PER_KGF_CM2
from server.desk.models import Job
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
from server.sync import changes
from server.sync import schemas as s
from server.sync.merge import Rejected, merge, open_conflict
from server.sync.models import ChangeLog
from server.sync.rules import missing_items

KPA_PER_UNIT = {
    "kPa": 1.0,
    "kgf/cm2": KPA_PER_KGF_CM2,
    "bar": 100.0,
    "MPa": 1000.0,
    "psi": 6.894757,
}
STARTABLE = ("new", "assigned", "scheduled")


@dataclass
class Context:
    user: User
    client_id: object
    mutation_id: int
    # Jobs already loaded in this push: the session's identity map holds rows weakly.
    jobs: dict = field(default_factory=dict)
    # What the running mutation tried to create, to tell a duplicate from a clash.
    creating: tuple | None = None
    # True when the caller already opened this mutation's savepoint.
    in_savepoint: bool = True
    # PostgreSQL: evidence inserts wait here to be sent as one pipeline (fastpath.py).
    queue: list | None = None


class FlushFirst(Exception):
    """Queued inserts must be written before this mutation may run."""


def _had_job(user: User, job: Job) -> bool:
    """Was this job ever on the user's device (assigned to them at some point)?"""
    return db.session.scalar(
        sa.select(sa.literal(True))
        .where(ChangeLog.job_id == job.id, ChangeLog.audience_id == user.id)
        .limit(1)
    ) or db.session.scalar(
        sa.select(sa.literal(True)).where(Visit.job_id == job.id, Visit.technician_id == user.id)
    )


def job_for(ctx: Context, job_id) -> tuple[Job, str | None]:
    """The job and the reason work on it clashes (locked / cancelled / reassigned), if any."""
    job = ctx.jobs.get(job_id)
    if job is None:
        # Locked until commit: the merge compares against what it will overwrite.
        job = ctx.jobs[job_id] = db.session.get(Job, job_id, with_for_update=True)
    if job is None or job.deleted_at is not None:
        raise Rejected("unknown_job", "No such job.")
    mine = job.technician_id == ctx.user.id or ctx.user.role in OFFICE_ROLES
    if not mine and not _had_job(ctx.user, job):
        raise Rejected("out_of_scope", "This job is not assigned to you.")
    if job.locked_at is not None:
        return job, "locked"
    if job.status in ("cancelled", "closed"):
        return job, job.status
    if not mine:
        return job, "reassigned"
    return job, None


def _scope_conflict(ctx, job, clash):
    """Work on a job that moved away is kept; an admin decides what happens to the job."""
    if clash in ("cancelled", "closed"):
        field, server, client = "status", job.status, "in_progress"
    elif clash == "reassigned":
        field, server, client = "technician_id", job.technician_id, ctx.user.id
    else:
        field, server, client = "locked_at", job.locked_at, None
    return open_conflict(
        ctx,
        entity="jobs",
        entity_id=job.id,
        job_id=job.id,
        field=field,
        reason=clash,
        base=None,
        server=server,
        client=client,
    )


def already_created(ctx: Context) -> dict | None:
    """After a failed insert: was it a resend of a row we hold (a duplicate)?"""
    if ctx.creating is None:
        return None
    model, row_id, job_id = ctx.creating
    existing = db.session.get(model, row_id)
    if existing is None:
        return None
    if existing.job_id != job_id:
        raise Rejected("id_taken", "That id belongs to another job's record.")
    return {"status": "duplicate", "detail": "already recorded"}


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
    conflict = _scope_conflict(ctx, job, clash)
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
        conflict = _scope_conflict(ctx, job, clash)
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
    keys = (
        "purpose",
        "signer_name",
        "statement_text",
        "statement_sha256",
        "strokes",
        "png_sha256",
        "signed_at",
        "device",
    )
    return _evidence(ctx, Signature, a, **{k: a.get(k) for k in keys})


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
    "add_signature",
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
