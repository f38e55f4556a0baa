"""The customer-message outbox: texts written in the transaction that decided them, handed
to a pluggable sender by the worker (`flask --app wsgi worker`).

A sender is any object with `send(message) -> None` that raises when the text did not go
out. `CARE_SENDER` names it: "log" (the default, `LogSender`: the text goes to the app's
log) or "package.module:Class" (an SMS or WeChat gateway). A failed send is retried after
`RETRY_MINUTES[attempt]` minutes; past the last, the message is dead (shown in the console).
"""

import importlib
import logging
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from server.care.models import CareMessage
from server.exceptions import Conflict
from server.extensions import db

log = logging.getLogger("server.care.sender")
RETRY_MINUTES = (1, 5, 30, 120, 720)


class LogSender:
    """Writes each message to the app's log: the default until a gateway is configured."""

    def send(self, message: CareMessage) -> None:
        log.info(
            "care message %s to %s (%s): %s", message.id, message.phone, message.kind, message.body
        )


def sender_from(name: str | None):
    """The sender a `CARE_SENDER` setting names; ValueError for anything else."""
    if not name or name == "log":
        return LogSender()
    module, _, attr = name.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)()
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        raise ValueError(f"CARE_SENDER: cannot load {name!r}") from exc


def by_key(key: str) -> CareMessage | None:
    return db.session.scalar(sa.select(CareMessage).where(CareMessage.key == key))


def enqueue(key: str, kind: str, customer, body: str, *, unit_id=None) -> CareMessage:
    """Write a message in the caller's transaction; the same key again returns the one
    already written (a retried request or a second scan never sends twice)."""
    existing = by_key(key)
    if existing is not None:
        return existing
    # ON CONFLICT DO NOTHING: two workers scanning at once must not both write it.
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    db.session.execute(
        insert(CareMessage)
        .values(
            id=uuid.uuid4(),
            key=key,
            kind=kind,
            customer_id=customer.id,
            unit_id=unit_id,
            phone=customer.phone,
            body=body,
            status="pending",
            attempts=0,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return by_key(key)


def send_due(sender, now: datetime, *, limit: int = 20) -> int:
    """Hand due pending messages to `sender`, each committed on its own; the count tried.

    Rows are locked while sent (SKIP LOCKED on PostgreSQL), so two workers never send the
    same message; a message is marked sent only after `send` returned.
    """
    query = (
        sa.select(CareMessage)
        .where(CareMessage.status == "pending", CareMessage.next_attempt_at <= now)
        .order_by(CareMessage.next_attempt_at, CareMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    tried = 0
    while tried < limit:
        message = db.session.scalar(query)
        if message is None:
            break
        tried += 1
        message.attempts += 1
        try:
            sender.send(message)
        except Exception as exc:  # any sender failure is a retry, never a crashed worker
            log.warning("care message %s not sent: %s", message.id, exc)
            message.last_error = f"{type(exc).__name__}: {exc}"[:300]
            if message.attempts > len(RETRY_MINUTES):
                message.status = "dead"
            else:
                delay = RETRY_MINUTES[message.attempts - 1]
                message.next_attempt_at = now + timedelta(minutes=delay)
        else:
            message.status, message.sent_at, message.last_error = "sent", now, None
        db.session.commit()
    return tried


def retry(message: CareMessage, now: datetime) -> CareMessage:
    """A dead message goes back to the sender once more (the office, from the console)."""
    if message.status != "dead":
        raise Conflict("Only a message the sender gave up on is retried.", slug="message-status")
    message.status, message.next_attempt_at = "pending", now
    # One more round: the next failure makes it dead again.
    message.attempts = len(RETRY_MINUTES)
    db.session.flush()
    return message
