"""PostgreSQL hot path: evidence inserts and job field edits sent as one pipeline.

A push's evidence inserts and the UPDATEs of its clash-free job edits wait in a queue
and go to the server in one round trip inside one group savepoint (no savepoint per
row), without SQLAlchemy's per-statement overhead. `ON CONFLICT (id) DO NOTHING` turns a
resent create into "no row returned" instead of an error. An edit's outcome is known
before it is sent: the job is locked for the push and its version is tracked, so the
UPDATE … WHERE version = v cannot miss. Anything unexpected rolls the queue back to its
group savepoint: a queue of inserts alone is replayed the careful way, one at a time,
each in its own savepoint; a queue with edits (whose merges were decided on the values
queued before them) raises Redo, and the push is done again without the queue
(service.push). Either way one refused row never takes another mutation with it.
"""

from datetime import UTC

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json

from server.common.models import UTCDateTime
from server.extensions import db
from server.sync import changes

_sql: dict[tuple, str] = {}
_kinds: dict[str, dict] = {}


def enabled() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _column_kinds(table: sa.Table) -> dict:
    if table.name not in _kinds:
        _kinds[table.name] = {
            c.name: "time"
            if isinstance(c.type, UTCDateTime)
            else "json"
            if isinstance(c.type, sa.JSON)
            else None
            for c in table.columns
        }
    return _kinds[table.name]


def _adapt(table: sa.Table, row: dict) -> list:
    kinds = _column_kinds(table)
    out = []
    for name, value in row.items():
        kind = kinds[name]
        if value is not None and kind == "time":
            value = value.astimezone(UTC).replace(tzinfo=None)
        elif value is not None and kind == "json":
            value = Json(value)
        out.append(value)
    return out


def _insert_sql(table: sa.Table, names: tuple) -> str:
    key = (table.name, names)
    if key not in _sql:
        cols = ", ".join(f'"{n}"' for n in names)
        marks = ", ".join(["%s"] * len(names))
        # Names come from our own table metadata, never from a request.
        _sql[key] = (
            f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks}) '  # noqa: S608
            "ON CONFLICT (id) DO NOTHING RETURNING id"
        )
    return _sql[key]


class Redo(Exception):
    """The database refused part of a queue holding edits: do the push again, unqueued."""


def _pipeline(conn: psycopg.Connection, queue: list) -> list[bool]:
    # One savepoint for the run, none per row: if any insert fails, the run goes back to
    # the group savepoint and drain() replays it one by one (each in its own savepoint),
    # so a refusal still costs only its own mutation. The common case, nothing refused,
    # pays no subtransaction per row.
    cursors = []
    with conn.pipeline():
        conn.execute("SAVEPOINT sync_group")
        for result, model, row in queue:
            cur = conn.cursor()
            if result is None:  # a queued edit: (None, table, (sql, params))
                cur.execute(*row)
            else:
                table = model.__table__
                cur.execute(_insert_sql(table, tuple(row)), _adapt(table, row))
            cursors.append(cur)
        conn.execute("RELEASE SAVEPOINT sync_group")
    return [cur.fetchone() is not None for cur in cursors]


def _one_by_one(queue: list) -> list[bool | None]:
    """The careful replay: each insert alone; None marks one the database refused."""
    done = []
    for _result, model, row in queue:
        try:
            with changes.plain_savepoint(db.session):
                done.append(_insert_alone(model, row))
        except (sa.exc.IntegrityError, sa.exc.DataError):
            done.append(None)
    return done


def _insert_alone(model, row) -> bool:
    stmt = (
        sa.dialects.postgresql.insert(model.__table__)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(model.__table__.c.id)
    )
    return db.session.execute(stmt).first() is not None


def drain(queue: list) -> None:
    """Write queued evidence inserts; fill in each queued result in place."""
    if not queue:
        return
    conn = db.session.connection().connection.driver_connection
    try:
        inserted = _pipeline(conn, queue)
    except psycopg.OperationalError as exc:
        # Transient: the whole push fails with 503 (the handler knows SQLAlchemy's type).
        raise sa.exc.OperationalError("pipelined evidence inserts", None, exc) from exc
    except psycopg.Error as exc:
        conn.execute("ROLLBACK TO SAVEPOINT sync_group")
        conn.execute("RELEASE SAVEPOINT sync_group")
        if any(result is None for result, _model, _row in queue):
            queue.clear()
            raise Redo from exc
        inserted = _one_by_one(queue)
    for (result, model, row), ok in zip(queue, inserted, strict=True):
        if result is None:
            if not ok:
                # The job is locked for the push: only a bug gets here. Retried as a 503.
                queue.clear()
                raise sa.exc.OperationalError("update", None, RuntimeError("row changed; retry"))
            continue
        if ok:
            changes.record(db.session, model.__tablename__, row["id"], row["job_id"])
            result.update(status="applied")
            continue
        existing = None if ok is None else db.session.get(model, row["id"])
        if existing is not None and existing.job_id == row["job_id"]:
            result.update(status="duplicate", detail="already recorded")
        elif existing is not None:
            result.update(
                status="rejected",
                reason="id_taken",
                detail="That id belongs to another job's record.",
            )
        else:
            result.update(status="rejected", reason="constraint", detail="The database refused it.")
    queue.clear()


def _update(table: sa.Table, row_id, version: int, updates: dict, now) -> tuple[str, list]:
    names = tuple(updates)
    sets = ", ".join(f'"{n}" = %s' for n in names)
    sql = (
        f'UPDATE "{table.name}" SET {sets}, "version" = "version" + 1, '  # noqa: S608 - our names
        '"updated_at" = %s WHERE "id" = %s AND "version" = %s RETURNING "version"'
    )
    return sql, [*_adapt(table, {**updates, "updated_at": now}), row_id, version]


def queue_update(queue: list, table: sa.Table, row_id, version: int, updates: dict, now) -> int:
    """Queue the UPDATE of a row locked for this push; its new version, known now."""
    queue.append((None, table, _update(table, row_id, version, updates, now)))
    return version + 1


def update_fields(table: sa.Table, row_id, version: int, updates: dict, now) -> int | None:
    """SAVEPOINT / UPDATE … RETURNING version / RELEASE in one round trip; None if stale."""
    sql, params = _update(table, row_id, version, updates, now)
    conn = db.session.connection().connection.driver_connection
    try:
        with conn.pipeline():
            conn.execute("SAVEPOINT sync_mutation")
            cur = conn.cursor()
            cur.execute(sql, params)
            conn.execute("RELEASE SAVEPOINT sync_mutation")
    except psycopg.OperationalError as exc:
        raise sa.exc.OperationalError(sql, None, exc) from exc
    except psycopg.Error as exc:
        conn.execute("ROLLBACK TO SAVEPOINT sync_mutation")
        conn.execute("RELEASE SAVEPOINT sync_mutation")
        raise sa.exc.IntegrityError(sql, None, exc) from exc
    found = cur.fetchone()
    return found[0] if found else None
