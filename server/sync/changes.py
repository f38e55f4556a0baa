"""Capture changes to synced rows into change_log, so no reader ever skips one.

Hooks on every SQLAlchemy session, so office edits through the REST API land in
the same log as pushed mutations without any view knowing about it. Change rows are
written in `before_commit`, after the last flush.

Why no reader skips a row, without a global lock. `seq` comes from a sequence, so a
transaction may take seq 100 and commit after another committed seq 101: a reader
that moved its cursor past 101 would never see 100. On PostgreSQL each row also
carries its writing transaction's id (`txid`, pg_current_xact_id()); a reader reads in
(txid, seq) order and only rows whose txid is below the oldest transaction still
running (pg_snapshot_xmin(pg_current_snapshot())). Every transaction that has not
committed yet has an id at or above that horizon, so a row that becomes visible later
always sorts after every position a reader was handed: the reader stops below the
oldest in-progress writer instead of writers queueing behind one lock (event stores
and outbox relays read their logs the same way). A long transaction delays what
readers see; it never hides a row from them. SQLite allows one writer at a time:
txid stays 0 and seq order is commit order.
"""

from contextlib import contextmanager, suppress

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.access.rules import audiences
from server.common.models import utcnow
from server.sync import bulk
from server.sync.models import ChangeLog

# PostgreSQL: the writing transaction's id as a bigint (xid8 has no cast to it).
TXID = "SELECT pg_current_xact_id()::text::bigint"
LOG_COLUMNS = ("entity", "entity_id", "op", "job_id", "audience_id", "at", "txid")
PENDING = "sync_pending"
MARKS = "sync_marks"
# The job columns that decide whose devices hold it (access.rules.audiences).
SCOPE_COLUMNS = ("technician_id", "dealer_id", "status", "locked_at", "deleted_at")

_tracked: dict[type, str] = {}


def track(*models) -> None:
    for model in models:
        _tracked[model] = model.__tablename__


def _job_id_of(obj):
    if obj.__tablename__ == "jobs":
        return obj.id
    return getattr(obj, "job_id", None)


def _holders(state: dict) -> set:
    return audiences(
        technician_id=state["technician_id"],
        dealer_id=state["dealer_id"],
        status=state["status"],
        locked=state["locked_at"] is not None,
        deleted=state["deleted_at"] is not None,
    )


def _job_scope_events(pending: dict, job, is_new: bool) -> None:
    """Emit enter/remove events when a job arrives on or leaves a device."""
    insp = sa.inspect(job)
    now = {name: getattr(job, name) for name in SCOPE_COLUMNS}
    if is_new:
        before = set()
    else:
        # Rebuild the old state from attribute history (unchanged values are current).
        old = {}
        for name in SCOPE_COLUMNS:
            hist = insp.attrs[name].history
            old[name] = hist.deleted[0] if hist.deleted else now[name]
        before = _holders(old)
    after = _holders(now)
    for audience in before - after:
        pending[("jobs", job.id, "remove", audience)] = job.id
    for audience in after - before:
        pending[("jobs", job.id, "enter", audience)] = job.id


def _after_flush(session: Session, _context) -> None:
    pending = session.info.setdefault(PENDING, {})
    for collection, kind in ((session.new, "new"), (session.dirty, "dirty")):
        for obj in collection:
            entity = _tracked.get(type(obj))
            if entity is None or (kind == "dirty" and not session.is_modified(obj)):
                continue
            op = "delete" if getattr(obj, "deleted_at", None) is not None else "upsert"
            pending.pop((entity, obj.id, "upsert", None), None)
            pending.pop((entity, obj.id, "delete", None), None)
            pending[(entity, obj.id, op, None)] = _job_id_of(obj)
            if entity == "jobs":
                _job_scope_events(pending, obj, kind == "new")
    for obj in session.deleted:
        entity = _tracked.get(type(obj))
        if entity is not None:
            pending.pop((entity, obj.id, "upsert", None), None)
            pending[(entity, obj.id, "delete", None)] = _job_id_of(obj)


@contextmanager
def plain_savepoint(session: Session):
    """SAVEPOINT … RELEASE around Core statements that touch no ORM object.

    session.begin_nested() costs ~0.2 ms of Python per use; on the push hot path a
    mutation that is one INSERT needs only the database's savepoint. Callers record
    their change only after the block succeeds, so there is nothing to undo here.
    """
    conn = session.connection()
    conn.exec_driver_sql("SAVEPOINT sync_mutation")
    try:
        yield
    except BaseException:
        with suppress(sa.exc.DBAPIError):
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT sync_mutation")
        raise
    conn.exec_driver_sql("RELEASE SAVEPOINT sync_mutation")


def record(session: Session, entity: str, entity_id, job_id=None, op="upsert") -> None:
    """Log a change made without the unit of work (a Core insert on a hot path)."""
    session.info.setdefault(PENDING, {})[(entity, entity_id, op, None)] = job_id


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # releasing a savepoint; the log is written once, at the real commit
    session.flush()
    pending = session.info.get(PENDING)
    if not pending:
        return
    txid = 0
    if session.get_bind().dialect.name == "postgresql":
        # COPY cannot call a function per row: ask for the id once, then stream the rows.
        txid = session.connection().exec_driver_sql(TXID).scalar_one()
    now = utcnow()
    rows = [
        (entity, entity_id, op, job_id, audience, now, txid)
        for (entity, entity_id, op, audience), job_id in pending.items()
    ]
    bulk.insert_rows(session, ChangeLog.__table__, LOG_COLUMNS, rows)
    pending.clear()


def _after_transaction_create(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.setdefault(MARKS, {})[id(transaction)] = dict(session.info.get(PENDING, {}))


def _after_soft_rollback(session: Session, previous) -> None:
    # A rolled-back savepoint takes its changes with it.
    marks = session.info.get(MARKS, {})
    if previous.nested and id(previous) in marks:
        session.info[PENDING] = dict(marks[id(previous)])


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.nested:
        session.info.get(MARKS, {}).pop(id(transaction), None)
    elif transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(MARKS, None)


def install() -> None:
    """Track the synced models and listen on every ORM session (idempotent)."""
    from server.sync.entities import SYNCED

    track(*SYNCED)
    for name, fn in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_transaction_create", _after_transaction_create),
        ("after_soft_rollback", _after_soft_rollback),
        ("after_transaction_end", _after_transaction_end),
    ):
        if not sa.event.contains(Session, name, fn):
            sa.event.listen(Session, name, fn)
