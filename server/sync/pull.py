"""Pull: a consistent snapshot first, then the change log from a cursor.

Cursor forms (opaque to clients): "s<M>:<job id>" while a snapshot is being paged
(M = the log position it started at), and "<seq>" once the device follows the log.
"""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from server.auth.models import OFFICE_ROLES
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.desk.models import Customer, Job, Unit
from server.errors import ProblemError
from server.extensions import db
from server.field.models import (
    ChecklistAnswer,
    FeeLine,
    Measurement,
    Note,
    PartUsed,
    Photo,
    Signature,
    Visit,
)
from server.sync.changes import TECH_VISIBLE_STATUSES
from server.sync.merge import jsonable
from server.sync.models import ChangeLog, SyncConflict, SyncState
from server.sync.rules import completion_rules
from server.sync.scope import scope_filter
from server.sync.service import SCHEMA_VERSION
from server.warranty.models import WarrantyRecord

EVIDENCE = (Visit, ChecklistAnswer, Measurement, Photo, Signature, PartUsed, FeeLine, Note)
MODELS = {
    m.__tablename__: m
    for m in (*EVIDENCE, Job, Customer, Unit, Dealer, WarrantyRecord, SyncConflict)
}
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


def _bad_cursor():
    return ProblemError(
        400,
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


def _load(model, ids):
    ids = list(ids)
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(sa.select(model).where(model.id.in_(ids)))}


def _job_bundles(page: Page, jobs, *, with_evidence: bool, seq=None, conflicts=True):
    """A job with what the device needs beside it: customer, unit, warranty, dealer."""
    if not jobs:
        return
    page.put_rows(_load(Customer, {j.customer_id for j in jobs}).values(), seq)
    unit_ids = {j.unit_id for j in jobs if j.unit_id}
    page.put_rows(_load(Unit, unit_ids).values(), seq)
    if unit_ids:
        page.put_rows(
            db.session.scalars(
                sa.select(WarrantyRecord).where(WarrantyRecord.unit_id.in_(unit_ids))
            ),
            seq,
        )
    page.put_rows(_load(Dealer, {j.dealer_id for j in jobs}).values(), seq)
    page.put_rows(jobs, seq)
    if with_evidence:
        ids = [j.id for j in jobs]
        for model in (*EVIDENCE, SyncConflict) if conflicts else EVIDENCE:
            page.put_rows(db.session.scalars(sa.select(model).where(model.job_id.in_(ids))), seq)


def _visible_jobs(user) -> sa.Select:
    query = sa.select(Job).where(Job.deleted_at.is_(None))
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        # Every job of the dealer's own, whatever its status: they review the evidence.
        return query.where(Job.dealer_id == user.dealer_id)
    return query.where(Job.technician_id == user.id, Job.status.in_(TECH_VISIBLE_STATUSES))


def _log_floor() -> int:
    return db.session.scalar(sa.select(SyncState.value).where(SyncState.name == "log_floor")) or 0


def _head() -> int:
    return db.session.scalar(sa.select(sa.func.max(ChangeLog.seq))) or 0


def _snapshot(user, start: int, after, limit: int) -> dict:
    query = _visible_jobs(user).order_by(Job.id).limit(limit)
    if after is not None:
        query = query.where(Job.id > after)
    jobs = db.session.scalars(query).all()
    page = Page()
    _job_bundles(page, jobs, with_evidence=True, conflicts=user.role != "dealer")
    if len(jobs) == limit:
        return {"changes": page.as_list(), "cursor": f"s{start}:{jobs[-1].id}", "has_more": True}
    more = db.session.scalar(sa.select(sa.literal(True)).where(ChangeLog.seq > start).limit(1))
    return {"changes": page.as_list(), "cursor": str(start), "has_more": bool(more)}


def _follow(user, cursor: int, limit: int) -> dict:
    log = db.session.execute(
        sa.select(
            ChangeLog.seq, ChangeLog.entity, ChangeLog.entity_id, ChangeLog.op, ChangeLog.job_id
        )
        .where(ChangeLog.seq > cursor, scope_filter(user))
        .order_by(ChangeLog.seq)
        .limit(limit)
    ).all()
    office = user.role in OFFICE_ROLES
    if office:
        visible = set()
    elif user.role == "dealer":
        # Deleted jobs too, so their tombstones reach the dealer's device.
        visible = set(db.session.scalars(sa.select(Job.id).where(Job.dealer_id == user.dealer_id)))
    else:
        visible = set(db.session.scalars(_visible_jobs(user).with_only_columns(Job.id)))
    wanted: dict[str, set] = {}
    for entry in log:
        if entry.op in ("upsert", "delete"):
            wanted.setdefault(entry.entity, set()).add(entry.entity_id)
    rows = {name: _load(MODELS[name], ids) for name, ids in wanted.items()}
    entering = [e.entity_id for e in log if e.op == "enter" and e.entity_id in visible]
    # Office devices see every row; scope events (enter/remove) are a technician's.
    entered = _load(Job, entering)
    page = Page()
    for e in log:
        if e.op == "remove":
            if e.entity_id not in visible:
                page.put("jobs", e.entity_id, "remove", seq=e.seq)
        elif e.op == "enter":
            if e.entity_id in entered:
                _job_bundles(page, [entered[e.entity_id]], with_evidence=True, seq=e.seq)
        elif not office and e.job_id is not None and e.job_id not in visible:
            continue  # a job that left this device; its removal was (or will be) sent
        elif not office and e.entity == "jobs" and e.op == "upsert" and e.entity_id in rows["jobs"]:
            _job_bundles(page, [rows["jobs"][e.entity_id]], with_evidence=False, seq=e.seq)
        else:
            page.put(e.entity, e.entity_id, e.op, rows[e.entity].get(e.entity_id), e.seq)
    cursor = log[-1].seq if log else cursor
    return {"changes": page.as_list(), "cursor": str(cursor), "has_more": len(log) == limit}


def pull(user, cursor: str | None, limit: int) -> dict:
    if user.role not in (*OFFICE_ROLES, "technician", "dealer"):
        raise ProblemError(403, "Your role does not sync.", slug="forbidden")
    reset = False
    if cursor is None or cursor == "":
        body, reset = _snapshot(user, _head(), None, limit), True
    elif cursor.startswith("s"):
        start, _, after = cursor[1:].partition(":")
        try:
            body = _snapshot(user, int(start), uuid.UUID(after), limit)
        except ValueError as exc:
            raise _bad_cursor() from exc
        if int(start) < _log_floor():
            body, reset = _snapshot(user, _head(), None, limit), True
    else:
        try:
            position = int(cursor)
        except ValueError as exc:
            raise _bad_cursor() from exc
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
    days = max(
        [d.policy["tombstone_retention_days"] for d in db.session.scalars(sa.select(Dealer))]
        or [90]
    )
    edge = db.session.scalar(
        sa.select(sa.func.max(ChangeLog.seq)).where(ChangeLog.at < now - timedelta(days=days))
    )
    if edge is None:
        return 0
    count = db.session.execute(sa.delete(ChangeLog).where(ChangeLog.seq <= edge)).rowcount
    state = db.session.get(SyncState, "log_floor")
    if state is None:
        db.session.add(SyncState(name="log_floor", value=edge))
    else:
        state.value = max(state.value, edge)
    db.session.commit()
    return count
