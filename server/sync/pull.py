"""Pull: a consistent snapshot first, then the change log from a cursor.

Cursor forms (opaque to clients): "s<M>:<job id>" while a snapshot is being paged
(M = the log position it started at), and "<M>" once the device follows the log. A log
position is (txid, seq) (server/sync/changes.py), written "<seq>" when txid is 0 (SQLite,
and every position handed out before txid existed) and "<txid>.<seq>" otherwise.
"""

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from server.access import rules
from server.access.sync import log_filter
from server.auth.models import OFFICE_ROLES
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.desk.models import Customer, Job, Unit
from server.exceptions import BadRequest
from server.extensions import db
from server.field.completion import completion_rules
from server.sync import retention
from server.sync.entities import BY_NAME, JOB_RECORDS
from server.sync.merge import jsonable
from server.sync.models import ChangeLog, SyncConflict, SyncState
from server.sync.service import SCHEMA_VERSION
from server.warranty.models import WarrantyRecord

CONFLICT_FIELDS = (
    "id",
    "job_id",
    "entity",
    "entity_id",
    "field",
    "reason",
    "server_value",
    "client_value",
    "client_id",
    "mutation_id",
    "status",
    "resolution",
    "resolved_value",
    "resolved_at",
    "created_at",
)


# A log position is one or two bigints; int() alone would take "+5", " 5", "5_0", other
# scripts' digits, and numbers no database column holds.
_POSITION = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,18}))?")
START = (0, 0)


def _position(text: str) -> tuple[int, int]:
    found = _POSITION.fullmatch(text)
    if not found:
        raise _bad_cursor()
    first, second = found.groups()
    return (0, int(first)) if second is None else (int(first), int(second))


def _text(position: tuple[int, int]) -> str:
    txid, seq = position
    return str(seq) if txid == 0 else f"{txid}.{seq}"


def _after(position: tuple[int, int]):
    return sa.tuple_(ChangeLog.txid, ChangeLog.seq) > sa.tuple_(*position)


# The oldest transaction running when this statement's snapshot was taken, leaving out
# those known to run in another database of the cluster (one that ended since may have
# been ours: kept, to be safe); with none, the next transaction id.
HORIZON = sa.literal_column(
    "(SELECT coalesce(min(x::text::bigint), "
    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint) "
    "FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
    "WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a "
    "WHERE a.backend_xid = xid(x) AND a.datname IS DISTINCT FROM current_database()))"
)


def _final():
    """Rows no transaction still running can precede (server/sync/changes.py)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return sa.true()  # SQLite: one writer at a time, every committed row is final
    return ChangeLog.txid < HORIZON


def _bad_cursor():
    return BadRequest(
        "The cursor is not one this server gave out.",
        slug="bad-cursor",
        errors={"cursor": ["unknown form"]},
    )


def serialize(row) -> dict:
    if isinstance(row, Dealer):
        policy = row.policy
        return {
            "id": str(row.id),
            "name": row.name,
            "contact_phone": row.contact_phone,
            "policy": policy,
            "rules": completion_rules(policy),
        }
    if isinstance(row, SyncConflict):
        return {k: jsonable(getattr(row, k)) for k in CONFLICT_FIELDS}
    return {
        attr.key: jsonable(getattr(row, attr.key)) for attr in sa.inspect(type(row)).column_attrs
    }


class Page:
    """Changes for one response, one entry per row (the latest state wins)."""

    def __init__(self):
        self.entries: dict[tuple, dict] = {}

    def put(self, entity, row_id, op, row=None, seq=None):
        key = (entity, row_id)
        self.entries.pop(key, None)  # move to the end: order follows the last change
        if op == "upsert" and (row is None or getattr(row, "deleted_at", None) is not None):
            op = "delete"
        self.entries[key] = {
            "seq": seq,
            "entity": entity,
            "id": str(row_id),
            "op": op,
            "data": serialize(row) if op == "upsert" else None,
        }

    def put_rows(self, rows, seq=None):
        for row in rows:
            self.put(row.__tablename__, row.id, "upsert", row, seq)

    def as_list(self):
        return list(self.entries.values())


def _load(model, ids, visible: sa.Select | None = None) -> dict:
    ids = list(ids)
    if not ids:
        return {}
    query = (visible if visible is not None else sa.select(model)).where(model.id.in_(ids))
    return {r.id: r for r in db.session.scalars(query)}


def _job_bundles(page: Page, user, jobs, *, with_records: bool, seq=None):
    """Jobs with what the device needs beside them, each only as far as `user` may see it."""
    if not jobs:
        return
    customers = _load(Customer, {j.customer_id for j in jobs}, rules.customers(user))
    page.put_rows(customers.values(), seq)
    units = _load(Unit, {j.unit_id for j in jobs if j.unit_id}, rules.units(user))
    page.put_rows(units.values(), seq)
    if units:
        warranty = rules.warranty_records(user).where(WarrantyRecord.unit_id.in_(list(units)))
        page.put_rows(db.session.scalars(warranty), seq)
    page.put_rows(_load(Dealer, {j.dealer_id for j in jobs}, rules.dealers(user)).values(), seq)
    page.put_rows(jobs, seq)
    if with_records:
        ids = [j.id for j in jobs]
        models = (*JOB_RECORDS, SyncConflict) if rules.sees_conflicts(user) else JOB_RECORDS
        for model in models:
            page.put_rows(db.session.scalars(sa.select(model).where(model.job_id.in_(ids))), seq)


FLOOR = ("log_floor_txid", "log_floor")


def _log_floor() -> tuple[int, int]:
    values = dict(
        db.session.execute(
            sa.select(SyncState.name, SyncState.value).where(SyncState.name.in_(FLOOR))
        ).all()
    )
    return (values.get(FLOOR[0], 0), values.get(FLOOR[1], 0))


def _last(query: sa.Select) -> tuple[int, int] | None:
    row = db.session.execute(
        query.with_only_columns(ChangeLog.txid, ChangeLog.seq)
        .order_by(ChangeLog.txid.desc(), ChangeLog.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.txid, row.seq)


def _head() -> tuple[int, int]:
    return _last(sa.select(ChangeLog).where(_final())) or START


def _snapshot(user, start: tuple[int, int], after, limit: int) -> dict:
    query = rules.jobs(user).order_by(Job.id).limit(limit)
    if after is not None:
        query = query.where(Job.id > after)
    jobs = db.session.scalars(query).all()
    page = Page()
    _job_bundles(page, user, jobs, with_records=True)
    if len(jobs) == limit:
        cursor = f"s{_text(start)}:{jobs[-1].id}"
        return {"changes": page.as_list(), "cursor": cursor, "has_more": True}
    more = db.session.scalar(sa.select(sa.literal(True)).where(_after(start), _final()).limit(1))
    return {"changes": page.as_list(), "cursor": _text(start), "has_more": bool(more)}


def _follow(user, cursor: tuple[int, int], limit: int) -> dict:
    log = db.session.execute(
        sa.select(
            ChangeLog.txid,
            ChangeLog.seq,
            ChangeLog.entity,
            ChangeLog.entity_id,
            ChangeLog.op,
            ChangeLog.job_id,
        )
        .where(_after(cursor), _final(), log_filter(user))
        .order_by(ChangeLog.txid, ChangeLog.seq)
        .limit(limit)
    ).all()
    # Office devices see every row and get tombstones; scope events (enter / remove)
    # belong to technicians' and dealers' devices.
    office = user.role in OFFICE_ROLES
    visible = set()
    if not office:
        # Only the jobs this page names: a device may hold thousands, a page names a few.
        named = {e.job_id for e in log if e.job_id is not None}
        named |= {e.entity_id for e in log if e.op in ("enter", "remove")}
        if named:
            visible = set(db.session.scalars(rules.job_ids(user).where(Job.id.in_(named))))
    wanted: dict[str, set] = {}
    for entry in log:
        if entry.op in ("upsert", "delete"):
            wanted.setdefault(entry.entity, set()).add(entry.entity_id)
    rows = {name: _load(BY_NAME[name], ids) for name, ids in wanted.items()}
    entered = _load(Job, [e.entity_id for e in log if e.op == "enter" and e.entity_id in visible])
    page = Page()
    for e in log:
        if e.op == "remove":
            if e.entity_id not in visible:
                page.put("jobs", e.entity_id, "remove", seq=e.seq)
        elif e.op == "enter":
            if e.entity_id in entered:
                _job_bundles(page, user, [entered[e.entity_id]], with_records=True, seq=e.seq)
        elif not office and e.job_id is not None and e.job_id not in visible:
            continue  # a job that left this device; its removal was (or will be) sent
        elif not office and e.entity == "jobs" and e.op == "upsert" and e.entity_id in rows["jobs"]:
            _job_bundles(page, user, [rows["jobs"][e.entity_id]], with_records=False, seq=e.seq)
        else:
            page.put(e.entity, e.entity_id, e.op, rows[e.entity].get(e.entity_id), e.seq)
    cursor = (log[-1].txid, log[-1].seq) if log else cursor
    return {"changes": page.as_list(), "cursor": _text(cursor), "has_more": len(log) == limit}


def pull(user, cursor: str | None, limit: int) -> dict:
    reset = False
    if cursor is None or cursor == "":
        body, reset = _snapshot(user, _head(), None, limit), True
    elif cursor.startswith("s"):
        text, _, after = cursor[1:].partition(":")
        start = _position(text)
        try:
            after = uuid.UUID(after)
        except ValueError as exc:
            raise _bad_cursor() from exc
        body = _snapshot(user, start, after, limit)
        if start < _log_floor():
            body, reset = _snapshot(user, _head(), None, limit), True
    else:
        position = _position(cursor)
        if position < _log_floor():
            # Tombstones this device never saw have expired: start again from a snapshot.
            body, reset = _snapshot(user, _head(), None, limit), True
        else:
            body = _follow(user, position, limit)
    return {
        "schema_version": SCHEMA_VERSION,
        "reset": reset,
        "server_time": jsonable(utcnow()),
        **body,
    }


def prune(now=None) -> int:
    """Drop log entries older than the longest tombstone retention any dealer needs."""
    now = now or utcnow()
    days = retention.retention_days()
    edge = _last(sa.select(ChangeLog).where(ChangeLog.at < now - timedelta(days=days), _final()))
    if edge is None:
        return 0
    count = db.session.execute(
        sa.delete(ChangeLog).where(sa.tuple_(ChangeLog.txid, ChangeLog.seq) <= sa.tuple_(*edge))
    ).rowcount
    floor = max(_log_floor(), edge)
    for name, value in zip(FLOOR, floor, strict=True):
        state = db.session.get(SyncState, name)
        if state is None:
            db.session.add(SyncState(name=name, value=value))
        else:
            state.value = value
    db.session.commit()
    return count
