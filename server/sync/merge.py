"""Field-level merge of {field: {from, to}} edits, and the conflicts it raises.

server == from → apply; server == to → nothing to do; otherwise the field's policy
decides: `technician` (what was observed on site) applies the device's value,
`office` (schedule, assignment, address) keeps the server's, `admin` holds it for a
person. Settled clashes are still recorded, as resolved conflicts, for the record.
"""

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.orm.attributes import set_committed_value

from server.common.models import utcnow
from server.common.schemas import jsonable
from server.extensions import db
from server.field import edits
from server.sync import changes as change_log
from server.sync import fastpath
from server.sync.held import Rejected, open_conflict, record_conflict


def merge(ctx, row, entity: str, changes: dict, job_id, clash: str | None) -> dict:
    """Apply what can be applied; return {status, fields, conflicts}."""
    unknown = sorted(f for f in changes if not edits.editable(entity, f))
    if unknown:
        raise Rejected(
            "invalid_args",
            "Fields that cannot be edited.",
            errors={f: ["not an editable field"] for f in unknown},
        )
    typed, errors = {}, {}
    for field, change in changes.items():
        try:
            typed[field] = edits.load_value(entity, field, change["to"])
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise Rejected("invalid_args", "Some values are not valid.", errors=errors)
    if _window_broken(entity, typed):
        raise Rejected(
            "invalid_args",
            "The window would end before it starts.",
            errors={"window_end": ["must be after window_start"]},
        )

    # The common case, nothing clashes: one UPDATE in a plain savepoint, no unit of work.
    plan = {}
    for field, change in changes.items():
        server = getattr(row, field)
        if server == typed[field]:
            plan[field] = "unchanged"
        elif clash is None and server == edits.loose_value(entity, field, change["from_"]):
            plan[field] = "applied"
        else:
            break
    else:
        updates = {f: typed[f] for f, how in plan.items() if how == "applied"}
        if not _window_broken(entity, {**_window_of(row, entity), **updates}):
            if updates:
                # A job is locked for the push: its edit may wait in the pipeline queue. A
                # visit is read fresh before each edit (sync/apply.py), so it may not.
                write_fields(row, entity, updates, job_id, ctx.queue if entity == "jobs" else None)
            return {"status": "applied", "fields": plan, "conflicts": []}
    if ctx.queue:
        fastpath.drain(ctx.queue)  # the unit of work below must see queued edits written
    with db.session.begin_nested():
        return _merge_with_conflicts(ctx, row, entity, changes, typed, job_id, clash)


WINDOW = ("window_start", "window_end")


def _window_of(row, entity: str) -> dict:
    return {f: getattr(row, f) for f in WINDOW} if entity == "jobs" else {}


def _window_broken(entity: str, values: dict) -> bool:
    """Would these window bounds end the visit window before it starts?"""
    start, end = values.get("window_start"), values.get("window_end")
    return entity == "jobs" and start is not None and end is not None and start >= end


def write_fields(row, entity: str, updates: dict, job_id, queue: list | None = None) -> None:
    """UPDATE the row's fields and version; then tell the ORM object what it now holds."""
    table = type(row).__table__
    now = utcnow()
    if queue is not None:
        version = fastpath.queue_update(queue, table, row.id, row.version, updates, now)
    elif fastpath.enabled():
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


def _hold_window(ctx, row, changes, typed, before, outcome, job_id) -> list:
    held = []
    for field in WINDOW:
        if outcome.get(field) not in ("applied", "client_won"):
            continue
        setattr(row, field, before[field])
        held.append(
            open_conflict(
                ctx,
                entity="jobs",
                entity_id=row.id,
                job_id=job_id,
                field=field,
                reason="concurrent_edit",
                base=edits.loose_value("jobs", field, changes[field]["from_"]),
                server=before[field],
                client=typed[field],
            )
        )
        outcome[field] = "held"
    return held


def _merge_with_conflicts(ctx, row, entity, changes, typed, job_id, clash) -> dict:
    outcome, conflict_ids = {}, []
    before = _window_of(row, entity)
    for field, change in changes.items():
        to, base = typed[field], edits.loose_value(entity, field, change["from_"])
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
            policy = edits.policy(entity, field)
            if policy == edits.ADMIN:
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
            technician_wins = policy == edits.TECHNICIAN
            won = "policy_client" if technician_wins else "policy_server"
            if technician_wins:
                setattr(row, field, to)
            record_conflict(
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
                resolved_value=jsonable(to if technician_wins else server),
            )
            outcome[field] = "client_won" if technician_wins else "server_won"
    if _window_broken(entity, _window_of(row, entity)):
        # The office moved the other bound meanwhile: the device's bound is held for an
        # admin rather than refused, and the mutation's other fields stand.
        conflict_ids += _hold_window(ctx, row, changes, typed, before, outcome, job_id)
    db.session.flush()
    statuses = set(outcome.values())
    status = (
        "conflict"
        if "held" in statuses
        else "merged"
        if statuses & {"client_won", "server_won"}
        else "applied"
    )
    result = {"status": status, "fields": outcome, "conflicts": [str(c.id) for c in conflict_ids]}
    if clash is not None:
        result["reason"] = clash  # the whole edit was held: the job moved on
    return result
