"""How a pushed mutation reaches the field service: scope, clash, write, and its answer.

The rules of the work itself (what evidence holds, when a job may complete) are the
field service's; this module adds what belongs to the transport: whether the job is the
pusher's (held as a conflict when it moved on), telling a resend from a new record, and
the write path (a savepoint per mutation; on PostgreSQL one pipeline for a push's evidence
and clash-free job edits, fastpath.py).
"""

import sqlalchemy as sa

from server.desk import lifecycle
from server.extensions import db
from server.field import service as field
from server.field.models import Visit
from server.sync import changes, fastpath
from server.sync.context import FlushFirst, job_for, scope_conflict
from server.sync.held import Rejected, open_conflict
from server.sync.merge import merge


def _conflict_answer(clash: str, conflict, **extra) -> dict:
    return {"status": "conflict", "reason": clash, "conflicts": [str(conflict.id)], **extra}


def evidence(ctx, args: dict, *, kind: str) -> dict:
    """Append one record; kept even when its job moved on (then a conflict is raised)."""
    job, clash = job_for(ctx, args["job_id"])
    model, row = field.evidence_row(kind, job, ctx.user, args)
    if kind == "no_show" and clash is not None:
        return _hold_no_show(ctx, job, clash, row, args)
    # No look-up first: a resent create fails the insert, and the caller then tells a
    # duplicate from a real constraint failure (one round trip less per mutation).
    ctx.creating = (model, row["id"], job.id)
    if kind == "photo":
        # Bytes that arrived before their record may need another size for this purpose;
        # checked for the whole push after it commits, off the hot path.
        ctx.photos.append((row["sha256"], row["purpose"], job.dealer_id))
    if ctx.in_savepoint:
        result = _write(ctx, model, row, job, clash)
        field.after_evidence(kind, args)
        return result
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
        return _write(ctx, model, row, job, clash)


def _hold_no_show(ctx, job, clash, row, args) -> dict:
    """A no-show charges the customer and ends a visit: on a job that moved on, both wait
    for an admin (who may apply them as pushed), instead of being applied."""
    conflict = open_conflict(
        ctx,
        entity="jobs",
        entity_id=job.id,
        job_id=job.id,
        field="no_show",
        reason=clash,
        base=None,
        server=None,
        client={"amount_fen": row["amount_fen"], "payer": row["payer"]},
        held_args={k: args.get(k) for k in ("id", "visit_id", "at")},
    )
    db.session.flush()
    return _conflict_answer(clash, conflict, detail="held; the job changed while you were offline")


def _write(ctx, model, row, job, clash) -> dict:
    # A Core insert: evidence is append-only, so the unit of work adds nothing but cost.
    db.session.execute(model.__table__.insert(), [row])
    changes.record(db.session, model.__tablename__, row["id"], job.id)
    if clash is None:
        return {"status": "applied"}
    conflict = scope_conflict(ctx, job, clash)
    db.session.flush()
    return _conflict_answer(clash, conflict, detail="kept; the job changed while you were offline")


def visit(ctx, args: dict) -> dict:
    job, clash = job_for(ctx, args["job_id"])
    _visit, created = field.start_visit(
        job, ctx.user, args["id"], args["arrived_at"], start_job=clash is None
    )
    if not created:
        return {"status": "duplicate", "detail": "already recorded"}
    if clash is not None:
        conflict = scope_conflict(ctx, job, clash)
        db.session.flush()
        return _conflict_answer(clash, conflict)
    return {"status": "applied"}


def edit_job(ctx, args: dict) -> dict:
    job, clash = job_for(ctx, args["job_id"])
    fault = job.fault_category
    result = merge(ctx, job, "jobs", args["changes"], job.id, clash)
    if job.fault_category != fault:
        if ctx.queue:
            fastpath.drain(ctx.queue)  # the decision below goes through the unit of work
        field.fault_changed(job, ctx.user)
    return result


def edit_visit(ctx, args: dict) -> dict:
    job_id = db.session.scalar(
        sa.select(Visit.job_id).where(Visit.id == args["id"], Visit.deleted_at.is_(None))
    )
    if job_id is None:
        raise Rejected("unknown_visit", "No such visit.")
    job, clash = job_for(ctx, job_id)
    # Read after the job's lock: an office edit that committed meanwhile is seen.
    row = db.session.get(Visit, args["id"], populate_existing=True)
    return merge(ctx, row, "visits", args["changes"], job.id, clash)


def complete(ctx, args: dict) -> dict:
    job, clash = job_for(ctx, args["job_id"])
    if job.status == lifecycle.COMPLETED and clash in (None, lifecycle.COMPLETED):
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
            client=lifecycle.COMPLETED,
            held_args={"completed_at": args["completed_at"]},
        )
        db.session.flush()
        return _conflict_answer(clash, conflict)
    field.complete_job(job, args["completed_at"], ctx.user)
    return {"status": "applied"}
