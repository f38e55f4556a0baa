"""PostgreSQL hot path: a push's evidence inserts and job field edits, written in bulk.

A push's evidence inserts and the UPDATEs of its clash-free job edits wait in a queue.
drain() writes it inside one group savepoint (no savepoint per row), without
SQLAlchemy's per-statement overhead: one pipelined round trip asks which of the queued
ids exist already and sends the UPDATEs, then the new rows go in with one COPY per
table (sync/bulk.py). A resent create is an id that exists: "no row written", answered
as a duplicate (or id_taken when the id is another job's). An edit's outcome is known
before it is sent: the job is locked for the push and its version is tracked, so the
UPDATE … WHERE version = v cannot miss. Anything unexpected (a constraint, or a racing
push that wrote the same id after the lookup) rolls the queue back to its group
savepoint: a queue of inserts alone is replayed the careful way, one at a time, each in
its own savepoint with ON CONFLICT DO NOTHING; a queue with edits (whose merges were
decided on the values queued before them) raises Redo, and the push is done again
without the queue (service.push). Either way one refused row never takes another
mutation with it.
"""

import psycopg
import sqlalchemy as sa

from server.extensions import db
from server.sync import bulk, changes


def enabled() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


class Redo(Exception):
    """The database refused part of a queue holding edits: do the push again, unqueued."""


def _pipeline(conn: psycopg.Connection, queue: list) -> list[bool]:
    """Write the queue; for each entry, whether it wrote its row."""
    # Queue positions of the inserts, by table.
    inserts: dict[sa.Table, list[int]] = {}
    for i, (result, model, _row) in enumerate(queue):
        if result is not None:
            inserts.setdefault(model.__table__, []).append(i)
    lookups, updates = {}, []
    with conn.pipeline():
        conn.execute("SAVEPOINT sync_group")
        for table, positions in inserts.items():
            cur = conn.cursor()
            ids = [queue[i][2]["id"] for i in positions]
            # Our own table name; the ids travel as one array parameter.
            cur.execute(f'SELECT "id" FROM "{table.name}" WHERE "id" = ANY(%s)', [ids])  # noqa: S608
            lookups[table] = cur
        for i, (result, _table, statement) in enumerate(queue):
            if result is None:  # a queued edit: (None, table, (sql, params))
                cur = conn.cursor()
                cur.execute(*statement)
                updates.append((i, cur))
    written = [False] * len(queue)
    for i, cur in updates:
        written[i] = cur.fetchone() is not None
    copies: dict[tuple, list] = {}
    for table, positions in inserts.items():
        taken = {found for (found,) in lookups[table].fetchall()}
        for i in positions:
            row = queue[i][2]
            if row["id"] in taken:
                continue  # exists, or created earlier in this queue: not written again
            taken.add(row["id"])
            written[i] = True
            copies.setdefault((table, tuple(row)), []).append(tuple(row.values()))
    for (table, names), rows in copies.items():
        bulk.copy_rows(conn, table, names, rows)
    conn.execute("RELEASE SAVEPOINT sync_group")
    return written


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
    values = bulk.adapter(table, (*names, "updated_at"))([*updates.values(), now])
    return sql, [*values, row_id, version]


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
