"""The transactional outbox: an event exists exactly when the change it reports committed.

`enqueue` writes the event in the caller's transaction (flush, never commit): a rollback
takes the event with it, a commit makes it durable together with the change, and the
worker (server/delivery/worker.py) delivers it afterwards, however often it must retry.
"""

import json
import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from server.delivery.models import OutboxEvent
from server.exceptions import Invalid
from server.extensions import db


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def body_of(payload: dict) -> str:
    """The JSON text sent: compact, UTF-8 as is, keys in the payload's own order."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_jsonable)


def by_key(key: str) -> OutboxEvent | None:
    return db.session.scalar(sa.select(OutboxEvent).where(OutboxEvent.key == key))


def enqueue(dealer_id, event_type: str, payload: dict, *, key: str) -> OutboxEvent:
    """Write an event for `dealer_id` in the caller's transaction; the caller commits.

    The webhook body is `payload` as JSON. `key` names the change the event reports
    (e.g. "evidence:<package id>"): enqueueing the same key again, in this transaction or
    any later one, returns the event already written (its payload unchanged), so a retried
    request never sends two events. The event waits in the outbox while the dealer has no
    webhook endpoint, and is delivered once one is set.
    """
    if not event_type or len(event_type) > 80:
        raise Invalid("event_type", "1 to 80 characters")
    if not key or len(key) > 200:
        raise Invalid("key", "1 to 200 characters")
    if not isinstance(payload, dict):
        raise Invalid("payload", "must be a JSON object")
    existing = by_key(key)
    if existing is not None:
        return existing
    # INSERT … ON CONFLICT DO NOTHING, not a savepoint: another transaction may write the
    # same key at the same moment (PostgreSQL waits for it, then does nothing; we then read
    # its event), and SQLite's driver would commit a savepoint opened before any write.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(OutboxEvent)
        .values(
            id=uuid.uuid4(),
            dealer_id=dealer_id,
            event_type=event_type,
            key=key,
            body=body_of(payload),
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return by_key(key)
