"""Admins settle conflicts: keep the server's value, take the device's, or enter a merge."""

import uuid

import sqlalchemy as sa
from marshmallow import ValidationError, fields

from server.audit.service import record
from server.common.models import utcnow
from server.desk.models import Job
from server.errors import ProblemError
from server.extensions import db
from server.field.models import Visit
from server.sync.merge import SPECS, jsonable, load_value
from server.sync.models import SyncConflict

ENTITIES = {"jobs": Job, "visits": Visit}


def get(conflict_id) -> SyncConflict:
    row = db.session.get(SyncConflict, conflict_id)
    if row is None:
        raise ProblemError(404, "No such conflict.", slug="not-found")
    return row


def query(status=None, job_id=None) -> sa.Select:
    q = sa.select(SyncConflict)
    if status:
        q = q.where(SyncConflict.status == status)
    if job_id:
        q = q.where(SyncConflict.job_id == job_id)
    return q


def _apply_scope_resolution(job: Job, field: str, value) -> None:
    """Undo a reassignment or cancellation in the technician's favour."""
    if field == "technician_id":
        job.technician_id = value
        if job.status in ("new", "assigned", "scheduled"):
            job.status = "scheduled" if job.window_start else "assigned"
    elif field == "status":
        job.status, job.cancelled_at, job.cancel_reason = value, None, None


def _bad_value(detail: str, messages) -> ProblemError:
    """A 422 about the admin's merged `value`."""
    return ProblemError(422, detail, slug="validation-error", errors={"value": messages})


def _typed(conflict: SyncConflict, raw):
    spec = SPECS.get(conflict.entity, {})
    if conflict.field in spec:
        try:
            return load_value(spec, conflict.field, raw)
        except ValidationError as exc:
            raise _bad_value("The value is not valid for this field.", exc.messages) from exc
    if conflict.field == "status":
        if raw not in ("in_progress", "completed", "cancelled", "closed"):
            raise _bad_value("Not a job status.", ["unknown status"])
        return raw
    if conflict.field == "locked_at":
        try:
            return None if raw is None else fields.AwareDateTime().deserialize(raw)
        except ValidationError as exc:
            raise _bad_value("Not a time with an offset, nor null.", exc.messages) from exc
    if conflict.field == "technician_id":
        try:
            return uuid.UUID(str(raw))
        except ValueError as exc:
            raise _bad_value("Not a user id.", ["not a UUID"]) from exc
    return raw


def resolve(conflict: SyncConflict, choice: str, value, admin) -> SyncConflict:
    if conflict.status != "open":
        raise ProblemError(409, "This conflict is already resolved.", slug="conflict-resolved")
    model = ENTITIES.get(conflict.entity)
    row = db.session.get(model, conflict.entity_id) if model else None
    if row is None:
        raise ProblemError(409, "The row in conflict no longer exists.", slug="conflict-gone")
    field = conflict.field
    # Writing to a locked (dealer-approved or closed) job is an override only an admin may make.
    override = conflict.reason == "locked" and choice != "server"
    if override and admin.role != "admin":
        raise ProblemError(
            403, "Only an admin may change a locked job.", slug="locked-job-needs-admin"
        )
    if choice == "server":
        chosen = getattr(row, field, None)
    else:
        raw = conflict.client_value if choice == "client" else value
        chosen = _typed(conflict, raw)
        if field in SPECS.get(conflict.entity, {}):
            setattr(row, field, chosen)
        elif field in ("technician_id", "status"):
            _apply_scope_resolution(row, field, chosen)
        elif field == "locked_at":
            # The device's side is "not locked": `client` unlocks the job so the
            # technician's held work can land; `merged` sets the admin's lock time (or null).
            row.locked_at = chosen
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
            "field": field,
            "choice": choice,
            "value": jsonable(chosen),
            "server_value": conflict.server_value,
            "client_value": conflict.client_value,
            "locked_override": override,
        },
        actor=admin,
    )
    return conflict
