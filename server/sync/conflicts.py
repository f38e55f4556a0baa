"""Admins settle conflicts: keep the server's value, take the device's, or enter a merge.

A resolution is an ordinary change made through the same moves as the direct action
(server/desk/lifecycle.py, server/field/service.py): it can never do what the office
API may not, e.g. assign a job to someone who is not an active technician, or complete
a job without its completion rules and its `completed_at`.
"""

import uuid

import sqlalchemy as sa
from marshmallow import ValidationError

from server.audit.service import record
from server.common.models import utcnow
from server.common.schemas import Time, jsonable
from server.desk import lifecycle
from server.desk.models import Job
from server.exceptions import Conflict, Invalid, NotFound
from server.extensions import db
from server.field import edits
from server.field import service as field_service
from server.field.models import Visit
from server.sync.models import SyncConflict

ENTITIES = {"jobs": Job, "visits": Visit}


def get(conflict_id) -> SyncConflict:
    row = db.session.get(SyncConflict, conflict_id)
    if row is None:
        raise NotFound.of("conflict")
    return row


def query(status=None, job_id=None) -> sa.Select:
    q = sa.select(SyncConflict)
    if status:
        q = q.where(SyncConflict.status == status)
    if job_id:
        q = q.where(SyncConflict.job_id == job_id)
    return q


def _bad_value(detail: str, messages) -> Invalid:
    """A 422 about the admin's merged `value`."""
    return Invalid("value", messages, detail=detail)


def _time_or_null(raw):
    try:
        return None if raw is None else Time().deserialize(raw)
    except ValidationError as exc:
        raise _bad_value("Not a time with an offset, nor null.", exc.messages) from exc


def _typed(conflict: SyncConflict, raw):
    if edits.editable(conflict.entity, conflict.field):
        try:
            return edits.load_value(conflict.entity, conflict.field, raw)
        except ValidationError as exc:
            raise _bad_value("The value is not valid for this field.", exc.messages) from exc
    if conflict.field == "status":
        if raw not in lifecycle.STATUSES:
            raise _bad_value("Not a job status.", ["unknown status"])
        return raw
    if conflict.field in ("locked_at", "deleted_at"):
        return _time_or_null(raw)
    if conflict.field == "no_show":
        if raw != conflict.client_value:
            raise _bad_value("A held no-show is applied as pushed, or not at all.", ["no merge"])
        return raw
    if conflict.field == "technician_id":
        try:
            return uuid.UUID(str(raw))
        except ValueError as exc:
            raise _bad_value("Not a user id.", ["not a UUID"]) from exc
    raise _bad_value("This conflict takes no value.", ["not settable"])


def _move_status(conflict: SyncConflict, job: Job, target: str, admin) -> None:
    """Bring the job to `target` by the lifecycle's moves: reopen, then complete."""
    if target == job.status:
        return
    if target not in (lifecycle.IN_PROGRESS, lifecycle.COMPLETED):
        raise _bad_value(
            "A conflict can only re-open the job, or complete it.", ["in_progress or completed"]
        )
    if job.status in (lifecycle.COMPLETED, *lifecycle.ENDED):
        lifecycle.reopen(job, admin)
    if target == lifecycle.COMPLETED:
        completed_at = (conflict.held_args or {}).get("completed_at")
        if completed_at is None:
            raise _bad_value(
                "Only a held completion carries the completed_at that completing needs.",
                ["no completed_at held"],
            )
        field_service.complete_job(job, _time_or_null(completed_at), admin)


def _apply(conflict: SyncConflict, job: Job, row, chosen, admin) -> None:
    field = conflict.field
    if edits.editable(conflict.entity, field):
        fault = job.fault_category
        lifecycle.settle(job, row, field, chosen, admin)
        if job.fault_category != fault:
            field_service.fault_changed(job, admin)
    elif field == "technician_id":
        lifecycle.assign(job, chosen, admin)
    elif field == "status":
        _move_status(conflict, job, chosen, admin)
    elif field == "locked_at":
        # The device's side is "not locked": `client` unlocks the job so the technician's
        # held work can land; `merged` sets the admin's lock time (or null).
        if chosen is None:
            lifecycle.unlock(job, admin)
        else:
            lifecycle.relock(job, chosen, admin)
    elif field == "no_show":
        held = dict(conflict.held_args)
        held["at"] = _time_or_null(held["at"])
        held["visit_id"] = held.get("visit_id") and uuid.UUID(held["visit_id"])
        held["id"] = uuid.UUID(held["id"])
        held["amount_fen"] = conflict.client_value["amount_fen"]
        field_service.settle_no_show(job, held, admin)
    elif field == "deleted_at":
        if chosen is not None:
            raise _bad_value("A deleted job is restored (null) or kept as it is.", ["only null"])
        lifecycle.restore(job, admin)


def resolve(conflict: SyncConflict, choice: str, value, admin) -> SyncConflict:
    if conflict.status != "open":
        raise Conflict("This conflict is already resolved.", slug="conflict-resolved")
    # The job's row lock first: a push or an office edit of it waits until this commits.
    job = db.session.get(Job, conflict.job_id, with_for_update=True, populate_existing=True)
    model = ENTITIES.get(conflict.entity)
    row = db.session.get(model, conflict.entity_id) if model and job else None
    if row is None or job is None:
        raise Conflict("The row in conflict no longer exists.", slug="conflict-gone")
    # Writing to a locked (dealer-approved or closed) job is an override only an admin may make.
    override = job.locked_at is not None and choice != "server"
    if choice == "server":
        chosen = getattr(row, conflict.field, None)
    else:
        chosen = _typed(conflict, conflict.client_value if choice == "client" else value)
        _apply(conflict, job, row, chosen, admin)
    conflict.status = "resolved"
    conflict.resolution = choice
    conflict.resolved_value = jsonable(chosen)
    conflict.resolved_by = admin.id
    conflict.resolved_at = utcnow()
    db.session.flush()
    record(
        "resolve_conflict",
        "sync_conflict",
        conflict.id,
        {
            "entity": conflict.entity,
            "entity_id": str(conflict.entity_id),
            "field": conflict.field,
            "choice": choice,
            "value": jsonable(chosen),
            "server_value": conflict.server_value,
            "client_value": conflict.client_value,
            "locked_override": override,
        },
        actor=admin,
    )
    return conflict
