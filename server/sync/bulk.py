"""Many rows into one table in one statement: COPY on PostgreSQL, executemany elsewhere.

A push writes three kinds of rows per mutation (the record, its change-log row, its
idempotency record). As INSERTs, even pipelined, each row costs the server a parse,
plan and executor start; COPY streams them into the table in one command, which is
how PostgreSQL's own docs say to load many rows. Rows are plain sequences in the
order of `names`; values are adapted here the way the columns' SQLAlchemy types would.
"""

from collections.abc import Iterable, Sequence
from functools import cache, partial

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Json
from sqlalchemy.orm import Session

from server.common.models import UTCDateTime


@cache
def adapter(table: sa.Table, names: tuple[str, ...]):
    """A function turning a row of Python values into what psycopg sends for them.

    Only two kinds of column need it: UTC times, converted by the column type's own
    bind step (common.models.UTCDateTime, which refuses a naive time), and JSON
    documents. Cached: a push asks for the same few shapes over and over.
    """
    slots = []
    for i, name in enumerate(names):
        kind = table.columns[name].type
        if isinstance(kind, UTCDateTime):
            slots.append((i, partial(kind.process_bind_param, dialect=None)))
        elif isinstance(kind, sa.JSON):
            slots.append((i, Json))
    if not slots:
        return list

    def adapt(row: Sequence) -> list:
        out = list(row)
        for i, convert in slots:
            if out[i] is not None:
                out[i] = convert(out[i])
        return out

    return adapt


def copy_sql(table: sa.Table, names: Sequence[str]) -> str:
    cols = ", ".join(f'"{n}"' for n in names)
    # Names come from our own table metadata, never from a request.
    return f'COPY "{table.name}" ({cols}) FROM STDIN'


def copy_rows(
    conn: psycopg.Connection, table: sa.Table, names: tuple[str, ...], rows: Iterable[Sequence]
) -> None:
    """COPY rows into `table` on a psycopg connection (psycopg's errors pass through)."""
    adapt = adapter(table, names)
    with conn.cursor() as cur, cur.copy(copy_sql(table, names)) as copy:
        for row in rows:
            copy.write_row(adapt(row))


def insert_rows(
    session: Session, table: sa.Table, names: tuple[str, ...], rows: Sequence[Sequence]
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
