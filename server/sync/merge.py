"""Field-level merge of {field: {from, to}} edits, and the conflicts it raises.

server == from → apply; server == to → nothing to do; otherwise the field's policy
decides: `technician` (what was observed on site) applies the device's value,
`office` (schedule, assignment, address) keeps the server's, `admin` holds it for a
person. Settled clashes are still recorded, as resolved conflicts, for the record.
"""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from marshmallow import ValidationError, fields, validate
from sqlalchemy.orm.attributes import set_committed_value

from server.common.models import utcnow
from server.extensions import db
from server.sync import changes as change_log
from server.sync import fastpath
from server.sync.models import SyncConflict
from server.sync.rules import FAULT_CATEGORIES


class Rejected(Exception):
    """A permanent, per-mutation failure: recorded with its reason, never retried."""

    def __init__(self, reason: str, detail: str, **extra):
        super().__init__(detail)
        self.reason, self.detail, self.extra = reason, detail, extra


def _text(n):
    return fields.String(allow_none=True, validate=validate.Length(max=n))


# field → (marshmallow field that checks the value, policy)
JOB_FIELDS = {
    "diagnosis": (_text(4000), "technician"),
    "fault_category": (
        fields.String(allow_none=True, validate=validate.OneOf(FAULT_CATEGORIES)),
        "technician",
    ),
    "description": (_text(4000), "admin"),
    "address": (_text(300), "office"),
    "window_start": (fields.AwareDateTime(allow_none=True), "office"),
    "window_end": (fields.AwareDateTime(allow_none=True), "office"),
}
VISIT_FIELDS = {
    "departed_at": (fields.AwareDateTime(allow_none=True), "technician"),
    "outcome": (_text(40), "technician"),
}
SPECS = {"jobs": JOB_FIELDS, "visits": VISIT_FIELDS}


def jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def load_value(spec: dict, field: str, raw):
    """The value a device sent, checked and typed like the column (raises ValidationError)."""
    if raw is None:
        return None
    return spec[field][0].deserialize(raw)


def _loose(spec, field, raw):
    # `from` is what the device saw; it is compared, never stored, so a bad one just differs.
    try:
        return load_value(spec, field, raw)
    except ValidationError:
        return raw


def open_conflict(ctx, *, entity, entity_id, job_id, field, reason, base, server, client):
    """An open conflict for an admin; one per (row, field, reason, user) while open."""
    existing = db.session.scalars(
        db.select(SyncConflict).filter_by(
            entity=entity,
            entity_id=entity_id,
            field=field,
            reason=reason,
            user_id=ctx.user.id,
            status="open",
        )
    ).first()
    if existing is not None:
        existing.client_value = jsonable(client)
        existing.server_value = jsonable(server)
        existing.mutation_id = ctx.mutation_id
        return existing
    return _conflict(ctx, entity, entity_id, job_id, field, reason, base, server, client)


def _conflict(ctx, entity, entity_id, job_id, field, reason, base, server, client, **resolved):
    row = SyncConflict(
        entity=entity,
        entity_id=entity_id,
        job_id=job_id,
        field=field,
        reason=reason,
        base=jsonable(base),
        server_value=jsonable(server),
        client_value=jsonable(client),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
        user_id=ctx.user.id,
        **resolved,
    )
    db.session.add(row)
    return row


def merge(ctx, row, entity: str, changes: dict, job_id, clash: str | None) -> dict:
    """Apply what can be applied; return {status, fields, conflicts}."""
    spec = SPECS[entity]
    unknown = sorted(set(changes) - set(spec))
    if unknown:
        raise Rejected(
            "invalid_args",
            "Fields that cannot be edited.",
            errors={f: ["not an editable field"] for f in unknown},
        )
    typed, errors = {}, {}
    for field, change in changes.items():
        try:
            typed[field] = load_value(spec, field, change["to"])
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise Rejected("invalid_args", "Some values are not valid.", errors=errors)

    # The common case, nothing clashes: one UPDATE in a plain savepoint, no unit of work.
    plan = {}
    for field, change in changes.items():
        server = getattr(row, field)
        if server == typed[field]:
            plan[field] = "unchanged"
        elif clash is None and server == _loose(spec, field, change["from_"]):
            plan[field] = "applied"
        else:
            break
    else:
        updates = {f: typed[f] for f, how in plan.items() if how == "applied"}
        if updates:
            write_fields(row, entity, updates, job_id)
        return {"status": "applied", "fields": plan, "conflicts": []}
    with db.session.begin_nested():
        return _merge_with_conflicts(ctx, row, entity, changes, typed, job_id, clash)


def write_fields(row, entity: str, updates: dict, job_id) -> None:
    """UPDATE the row's fields and version; then tell the ORM object what it now holds."""
    table = type(row).__table__
    now = utcnow()
    if fastpath.enabled():
        version = fastpath.update_fields(table, row.id, row.version, updates, now)
    else:
        stmt = (
            table.update()
            .where(table.c.id == row.id, table.c.version == row.version)
            .values(**updates, version=table.c.version + 1, updated_at=now)
            .returning(table.c.version)
        )
        with change_log.plain_savepoint(db.session):
            version = db.session.execute(stmt).scalar()
    if version is None:
        # The row changed under us (it is locked FOR UPDATE, so only a bug gets here).
        raise sa.exc.OperationalError("update", None, RuntimeError("row changed; retry"))
    for key, value in {**updates, "version": version, "updated_at": now}.items():
        set_committed_value(row, key, value)
    change_log.record(db.session, entity, row.id, job_id)


def _merge_with_conflicts(ctx, row, entity, changes, typed, job_id, clash) -> dict:
    spec = SPECS[entity]
    outcome, conflict_ids = {}, []
    for field, change in changes.items():
        to, base = typed[field], _loose(spec, field, change["from_"])
        server = getattr(row, field)
        if server == to:
            outcome[field] = "unchanged"
        elif clash is not None:
            # Locked, cancelled or reassigned: nothing changes silently.
            c = open_conflict(
                ctx,
                entity=entity,
                entity_id=row.id,
                job_id=job_id,
                field=field,
                reason=clash,
                base=base,
                server=server,
                client=to,
            )
            conflict_ids.append(c)
            outcome[field] = "held"
        elif server == base:
            setattr(row, field, to)
            outcome[field] = "applied"
        else:
            policy = spec[field][1]
            if policy == "admin":
                c = open_conflict(
                    ctx,
                    entity=entity,
                    entity_id=row.id,
                    job_id=job_id,
                    field=field,
                    reason="concurrent_edit",
                    base=base,
                    server=server,
                    client=to,
                )
                conflict_ids.append(c)
                outcome[field] = "held"
                continue
            won = "policy_client" if policy == "technician" else "policy_server"
            if policy == "technician":
                setattr(row, field, to)
            _conflict(
                ctx,
                entity,
                row.id,
                job_id,
                field,
                "concurrent_edit",
                base,
                server,
                to,
                status="resolved",
                resolution=won,
                resolved_at=utcnow(),
                resolved_value=jsonable(to if policy == "technician" else server),
            )
            outcome[field] = "client_won" if policy == "technician" else "server_won"
    db.session.flush()
    statuses = set(outcome.values())
    status = (
        "conflict"
        if "held" in statuses
        else "merged"
        if statuses & {"client_won", "server_won"}
        else "applied"
    )
    return {"status": status, "fields": outcome, "conflicts": [str(c.id) for c in conflict_ids]}
