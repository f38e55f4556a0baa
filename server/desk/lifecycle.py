"""The job lifecycle: every status, and who may move a job from which status to which.

`MOVES` is the whole table; each move below checks it before it changes anything, and
every path that changes a job's status, assignment or lock goes through a move here:
the office API, pushed mutations, conflict resolution and admin tools. So a conflict
resolution can never do what the direct action may not. A locked job (dealer-approved or
closed) allows only the moves marked `on_locked`, and those only for an admin. Moves
flush nothing and commit nothing; the caller's transaction holds them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from server.auth.models import OFFICE_ROLES, User
from server.common.models import utcnow
from server.exceptions import Conflict, Forbidden, Invalid
from server.extensions import db

NEW, ASSIGNED, SCHEDULED = "new", "assigned", "scheduled"
IN_PROGRESS, COMPLETED, CANCELLED, CLOSED = "in_progress", "completed", "cancelled", "closed"
STATUSES = (NEW, ASSIGNED, SCHEDULED, IN_PROGRESS, COMPLETED, CANCELLED, CLOSED)
NOT_STARTED = (NEW, ASSIGNED, SCHEDULED)
# Work may still happen: visits, evidence, edits, completion.
OPEN = (*NOT_STARTED, IN_PROGRESS)
# The statuses the assigned technician's device holds a job in (cancelled and closed jobs
# leave it); access.rules.on_device adds the rest of the rule: not locked.
ON_DEVICE = (*OPEN, COMPLETED)
ENDED = (CANCELLED, CLOSED)
# A device's clock may run a little ahead of the server's; completion times beyond it are lies.
CLOCK_SKEW = timedelta(minutes=10)

# Who: office roles by name; ASSIGNEE is the job's own technician, OWNER the job's dealer.
ASSIGNEE, OWNER, ADMIN = "assignee", "owner", "admin"
OFFICE = tuple(OFFICE_ROLES)


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str | None  # None: the status stays (or follows from the job, see the move)
    who: tuple[str, ...]
    requires: str
    on_locked: bool = False  # allowed on a locked job, and then only for an admin


MOVES = {
    "edit": Move(OPEN, None, OFFICE, "address, description or kind"),
    "assign": Move(OPEN, None, OFFICE, "an active technician; not started: assigned/scheduled"),
    "unassign": Move(NOT_STARTED, NEW, OFFICE, "not started yet"),
    "schedule": Move(OPEN, None, OFFICE, "window_start < window_end; assigned becomes scheduled"),
    "record": Move(OPEN, None, (ASSIGNEE, *OFFICE), "visits and evidence; append-only"),
    "consent": Move(OPEN, None, (OWNER,), "the dealer's own consent to a charge (field/fees.py)"),
    "start": Move(OPEN, IN_PROGRESS, (ASSIGNEE, *OFFICE), "a visit (in_progress stays)"),
    "complete": Move(
        OPEN, COMPLETED, (ASSIGNEE, *OFFICE), "completion rules met; completed_at not ahead"
    ),
    "cancel": Move(OPEN, CANCELLED, OFFICE, "a reason"),
    "reopen": Move(
        (COMPLETED, *ENDED), IN_PROGRESS, OFFICE, "work arrived for it (a conflict resolution)"
    ),
    "settle": Move(
        STATUSES, None, OFFICE, "a field value chosen in a conflict resolution", on_locked=True
    ),
    "approve": Move((COMPLETED,), None, (OWNER, ADMIN), "completed; sets locked_at"),
    "request_evidence": Move(
        (COMPLETED,), IN_PROGRESS, (OWNER, *OFFICE), "what is missing: a task for the technician"
    ),
    "close": Move((COMPLETED,), CLOSED, (ADMIN,), "completed; sets locked_at", on_locked=True),
    "unlock": Move(STATUSES, None, (ADMIN,), "a closed job becomes completed", on_locked=True),
    "relock": Move(STATUSES, None, (ADMIN,), "a lock time", on_locked=True),
    "delete": Move((*NOT_STARTED, CANCELLED), None, (ADMIN,), "no visit or evidence recorded"),
    "restore": Move(STATUSES, None, (ADMIN,), "deleted", on_locked=True),
}


def _allowed(who: tuple[str, ...], job, actor: User) -> bool:
    return (
        actor.role in who
        or (ASSIGNEE in who and actor.role == "technician" and job.technician_id == actor.id)
        or (OWNER in who and actor.role == "dealer" and job.dealer_id == actor.dealer_id)
    )


def check(job, name: str, actor: User) -> Move:
    """Refuse the move unless the job's status, lock and the actor allow it."""
    move = MOVES[name]
    if job.deleted_at is not None and name != "restore":
        raise Conflict("The job was deleted.", slug="job-deleted")
    if job.locked_at is not None:
        if not move.on_locked:
            raise Conflict(
                "The job is locked (approved or closed); an admin must unlock it first.",
                slug="job-locked",
            )
        if actor.role != "admin":
            raise Forbidden("Only an admin may change a locked job.", slug="locked-job-needs-admin")
    if not _allowed(move.who, job, actor):
        raise Forbidden(f"Your role may not {name} this job.", slug="forbidden")
    if job.status not in move.sources:
        raise Conflict(f"A {job.status} job cannot {name}.", slug="job-status")
    return move


def edit(job, changes: dict, actor: User) -> None:
    check(job, "edit", actor)
    _set(job, changes)


def assign(job, technician_id, actor: User) -> None:
    if technician_id is None:
        return unassign(job, actor)
    check(job, "assign", actor)
    technician = db.session.get(User, technician_id)
    if technician is None or technician.role != "technician" or not technician.active:
        raise Invalid("technician_id", "not an active technician")
    job.technician_id = technician.id
    if job.status in NOT_STARTED:
        job.status = SCHEDULED if job.window_start else ASSIGNED


def unassign(job, actor: User) -> None:
    check(job, "unassign", actor)
    job.technician_id, job.status = None, NEW


def schedule(job, window_start, window_end, actor: User) -> None:
    check(job, "schedule", actor)
    _window(window_start, window_end)
    job.window_start, job.window_end = window_start, window_end
    if job.status == ASSIGNED:
        job.status = SCHEDULED


def start(job, actor: User) -> None:
    check(job, "start", actor)
    job.status = IN_PROGRESS


def complete(job, completed_at: datetime, actor: User, missing_rules: Callable) -> None:
    """`missing_rules()` lists what the completion rules still lack (field.completion)."""
    check(job, "complete", actor)
    if completed_at > utcnow() + CLOCK_SKEW:
        raise Invalid("completed_at", "lies in the future")
    missing = missing_rules()
    if missing:
        raise Invalid.fields(
            {"completion": [m["label"]["en"] for m in missing]},
            "The job is missing required evidence.",
            slug="incomplete",
            missing=missing,
        )
    job.status, job.completed_at = COMPLETED, completed_at


def cancel(job, reason: str, actor: User) -> None:
    check(job, "cancel", actor)
    job.status, job.cancelled_at, job.cancel_reason = CANCELLED, utcnow(), reason


def reopen(job, actor: User) -> None:
    check(job, "reopen", actor)
    job.status, job.cancelled_at, job.cancel_reason = IN_PROGRESS, None, None
    job.completed_at = None


def settle(job, row, field: str, value, actor: User) -> None:
    """Write a field of the job (or of one of its visits) as a conflict resolution chose."""
    check(job, "settle", actor)
    if row is job and field in ("window_start", "window_end"):
        bounds = {"window_start": job.window_start, "window_end": job.window_end, field: value}
        _window(bounds["window_start"], bounds["window_end"], field)
    setattr(row, field, value)


def approve(job, actor: User) -> None:
    check(job, "approve", actor)
    job.locked_at = utcnow()


def request_evidence(job, actor: User) -> None:
    """The dealer (or the office) wants more before accepting: the job goes back to work;
    completing it again makes the package's next version."""
    check(job, "request_evidence", actor)
    job.status, job.completed_at = IN_PROGRESS, None


def close(job, actor: User) -> None:
    check(job, "close", actor)
    job.status, job.locked_at = CLOSED, job.locked_at or utcnow()


def unlock(job, actor: User) -> None:
    check(job, "unlock", actor)
    if job.status == CLOSED:
        job.status = COMPLETED  # a closed job is a locked one; unlocked, it is done work again
    job.locked_at = None


def relock(job, at: datetime, actor: User) -> None:
    check(job, "relock", actor)
    job.locked_at = at


def delete(job, actor: User, has_work: bool) -> None:
    """Soft delete (a tombstone for devices); never a job that holds a technician's work."""
    check(job, "delete", actor)
    if has_work:
        raise Conflict(
            "The job holds visits or evidence; cancel it instead.", slug="job-has-evidence"
        )
    job.deleted_at = utcnow()


def restore(job, actor: User) -> None:
    check(job, "restore", actor)
    if job.deleted_at is None:
        raise Conflict("The job is not deleted.", slug="job-status")
    job.deleted_at = None


def _window(start, end, field: str = "window_end") -> None:
    if start is not None and end is not None and start >= end:
        raise Invalid(field, "window_start must be before window_end")


def _set(row, changes: dict) -> None:
    for key, value in changes.items():
        setattr(row, key, value)
