"""Many rows into one table in one statement: COPY on PostgreSQL, executemany elsewhere.

A push writes three kinds of rows per mutation (the record, its change-log row, its
idempotency record). As INSERTs, even pipelined, each row costs the server a parse,
plan and executor start; COPY streams them into the table in one command, which is
how PostgreSQL's own docs say to load many rows. Rows are plain sequences in the
order of `names`; values are adapted here the way the columns' SQLAlchemy types would.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json
from sqlalchemy.orm import Session

from server.common.models import UTCDateTime

_kinds: dict[str, dict[str, str | None]] = {}


def _column_kinds(table: sa.Table) -> dict[str, str | None]:
    """Which columns need converting: UTC times stored naive, JSON documents."""
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


def adapter(table: sa.Table, names: Sequence[str]):
    """A function turning a row of Python values into what psycopg sends for them."""
    kinds = _column_kinds(table)
    slots = [(i, kinds[name]) for i, name in enumerate(names) if kinds[name] is not None]
    if not slots:
        return list

    def adapt(row: Sequence) -> list:
        out = list(row)
        for i, kind in slots:
            value = out[i]
            if value is None:
                continue
            if kind == "time":
                if value.tzinfo is None:
                    raise ValueError("naive datetime: times are stored in UTC and must say so")
                out[i] = value.astimezone(UTC).replace(tzinfo=None)
            else:
                out[i] = Json(value)
        return out

    return adapt


def copy_sql(table: sa.Table, names: Sequence[str]) -> str:
    cols = ", ".join(f'"{n}"' for n in names)
    # Names come from our own table metadata, never from a request.
    return f'COPY "{table.name}" ({cols}) FROM STDIN'


def copy_rows(
    conn: psycopg.Connection, table: sa.Table, names: Sequence[str], rows: Iterable[Sequence]
) -> None:
    """COPY rows into `table` on a psycopg connection (psycopg's errors pass through)."""
    adapt = adapter(table, names)
    with conn.cursor() as cur, cur.copy(copy_sql(table, names)) as copy:
        for row in rows:
            copy.write_row(adapt(row))


def insert_rows(
    session: Session, table: sa.Table, names: Sequence[str], rows: Sequence[Sequence]
) -> None:
    """Insert rows in the session's transaction; a failure is SQLAlchemy's exception."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
        return
    try:
        copy_rows(conn.connection.driver_connection, table, names, rows)
    except psycopg.Error as exc:
        # The same exception classes as a Core insert would raise (IntegrityError, …),
        # so the error handlers and a retrying caller see no difference.
        raise sa.exc.DBAPIError.instance(copy_sql(table, names), None, exc, psycopg.Error) from exc
