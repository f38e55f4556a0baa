"""Who may act on which job, and what a running mutation carries along."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from server.auth.models import OFFICE_ROLES, User
from server.desk.models import Job
from server.extensions import db
from server.field.models import Visit
from server.sync.merge import Rejected, open_conflict
from server.sync.models import ChangeLog


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
    # (sha256, purpose, dealer_id) of photo records, shared by the push's mutations.
    photos: list = field(default_factory=list)


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


def scope_conflict(ctx, job, clash):
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
