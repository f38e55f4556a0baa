"""What a running mutation carries along, and whether its job is the pusher's to change."""

from dataclasses import dataclass, field

import sqlalchemy as sa

from server.access.sync import push_standing, pushable
from server.auth.models import User
from server.desk import lifecycle
from server.desk.models import Job
from server.extensions import db
from server.sync.held import Rejected, open_conflict


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


def lock_jobs(user: User, jobs: dict, job_ids) -> None:
    """Lock every job a push will touch, up front and in id order, so two pushes (or a
    push and an office edit, which lock the same way) never wait on each other in a
    circle. A wait longer than the lock timeout is a 503 the device retries. Jobs out of
    the pusher's reach are not locked: a push cannot hold up other people's work."""
    ids = sorted({i for i in job_ids if i not in jobs})
    if ids:
        query = (
            sa.select(Job).where(Job.id.in_(ids), pushable(user)).order_by(Job.id).with_for_update()
        )
        for job in db.session.scalars(query.execution_options(populate_existing=True)):
            jobs[job.id] = job


def job_for(ctx: Context, job_id) -> tuple[Job, str | None]:
    """The job, and why work on it clashes (deleted, locked, cancelled, closed, completed,
    reassigned).

    Work on a job that was once on the pusher's device is kept even when the job has
    moved on (or was completed: a completed job is not open); a job that never was
    theirs is out of scope, and one that does not exist is unknown.
    """
    job = ctx.jobs.get(job_id)
    if job is None:
        # Not locked up front (not named by the batch, or out of reach): decide first.
        job = db.session.get(Job, job_id)
    if job is None:
        raise Rejected("unknown_job", "No such job.")
    standing = push_standing(ctx.user, job)
    if standing is None:
        if job.deleted_at is not None:
            raise Rejected("unknown_job", "No such job.")
        raise Rejected("out_of_scope", "This job is not assigned to you.")
    if job_id not in ctx.jobs:
        # Locked until commit: the merge compares against what it will overwrite.
        job = db.session.get(Job, job_id, with_for_update=True, populate_existing=True)
        ctx.jobs[job_id] = job
    if job.deleted_at is not None:
        return job, "deleted"
    if job.locked_at is not None:
        return job, "locked"
    if job.status in (*lifecycle.ENDED, lifecycle.COMPLETED):
        return job, job.status
    if standing == "had":
        return job, "reassigned"
    return job, None


def scope_conflict(ctx, job, clash):
    """Work on a job that moved away is kept; an admin decides what happens to the job."""
    if clash in (*lifecycle.ENDED, lifecycle.COMPLETED):
        field, server, client = "status", job.status, lifecycle.IN_PROGRESS
    elif clash == "reassigned":
        field, server, client = "technician_id", job.technician_id, ctx.user.id
    elif clash == "deleted":
        field, server, client = "deleted_at", job.deleted_at, None
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
