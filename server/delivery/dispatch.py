"""Delivering one outbox event: claim it under a lease, POST it signed, record the answer.

Any number of workers may run this at once. The claim is one UPDATE whose subquery picks
the oldest due event with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never
wait for each other nor take the same row; the row then carries a lease (`lease_until`,
`claimed_by`) for the length of the HTTP request, and only the holder of the claim records
the outcome. A worker killed mid-request never records one: its lease runs out and the
next worker claims the event again (same `webhook-id`; receivers deduplicate by it).
SQLite has no row locks: there the same UPDATE runs under the database's single write
lock, which is safe, but one worker is all SQLite is meant for.

Commits here are the documented exception to "views commit": the claim must be visible to
every other worker before the request goes out, and the outcome is the worker's own.
"""

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
import sqlalchemy as sa

from server.common.models import utcnow
from server.delivery import addresses, signing
from server.delivery.models import DeliveryAttempt, OutboxEvent, WebhookEndpoint
from server.delivery.settings import DeliverySettings
from server.extensions import db

log = logging.getLogger(__name__)
USER_AGENT = "purifier-webhooks/1"
JITTER = 0.2  # each delay is shortened by up to this share, so retries never bunch up
RETRY_AFTER_CAP = 24 * 3600.0  # a receiver's Retry-After is honoured up to a day
EXCERPT = 500


@dataclass
class Claim:
    event_id: uuid.UUID
    token: str
    attempt_id: uuid.UUID


@dataclass
class Outcome:
    status_code: int | None = None
    error: str | None = None
    response: str | None = None
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _claimable(now: datetime):
    return sa.and_(
        OutboxEvent.status == "pending",
        OutboxEvent.next_attempt_at <= now,
        sa.or_(OutboxEvent.lease_until.is_(None), OutboxEvent.lease_until < now),
        # Events of a dealer without an endpoint wait until one is set.
        OutboxEvent.dealer_id.in_(sa.select(WebhookEndpoint.dealer_id)),
    )


def claim(settings: DeliverySettings) -> Claim | None:
    """Lease the oldest due event to this caller; None when nothing is due."""
    now = utcnow()
    token = uuid.uuid4().hex
    oldest = (
        sa.select(OutboxEvent.id)
        .where(_claimable(now))
        .order_by(OutboxEvent.next_attempt_at, OutboxEvent.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    result = db.session.execute(
        sa.update(OutboxEvent)
        # The outer conditions again: SQLite ignores FOR UPDATE, and its write lock makes
        # this re-check the one that counts there.
        .where(OutboxEvent.id == oldest, _claimable(now))
        .values(
            claimed_by=token,
            lease_until=now + timedelta(seconds=settings.lease),
            attempts=OutboxEvent.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return None
    event = db.session.scalar(
        sa.select(OutboxEvent)
        .where(OutboxEvent.claimed_by == token)
        .execution_options(populate_existing=True)
    )
    endpoint = db.session.get(WebhookEndpoint, event.dealer_id)
    # The endpoint may have been removed a moment ago: the attempt then fails, logged.
    url = endpoint.url if endpoint is not None else "(removed)"
    attempt = DeliveryAttempt(event_id=event.id, number=event.attempts, url=url, started_at=now)
    db.session.add(attempt)
    db.session.commit()
    return Claim(event.id, token, attempt.id)


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a receiver asked us to wait (`Retry-After`: seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def send(url: str, body: str, headers: dict, settings: DeliverySettings) -> Outcome:
    """POST once; never follows redirects (a 3xx is a failure, as Standard Webhooks says)."""
    http = addresses.session(settings.allow_private)
    try:
        response = http.post(
            url,
            data=body.encode(),
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=settings.timeout,
            allow_redirects=False,
            stream=True,
        )
        try:
            excerpt = response.raw.read(EXCERPT, decode_content=True)
        except Exception:
            excerpt = b""
        finally:
            response.close()
        return Outcome(
            status_code=response.status_code,
            response=excerpt.decode("utf-8", "replace")[:EXCERPT] or None,
            retry_after=retry_after(response.headers.get("Retry-After"), utcnow()),
        )
    except addresses.UnsafeAddress as exc:
        return Outcome(error=f"refused: {exc}"[:300])
    except requests.Timeout:
        return Outcome(error=f"timed out after {settings.timeout:g} s")
    except requests.RequestException as exc:
        return Outcome(error=f"{exc.__class__.__name__}: {exc}"[:300])
    finally:
        http.close()


def next_delay(failures: int, outcome: Outcome, settings: DeliverySettings) -> float | None:
    """Seconds until the next try after the `failures`-th failure; None: no more tries."""
    schedule = settings.retry_schedule
    if failures > len(schedule):
        return None
    # Jitter needs no unpredictability, only spread.
    delay = schedule[failures - 1] * (1 - JITTER * random.random())  # noqa: S311
    if outcome.retry_after is not None:
        # The receiver knows when it will be back (within reason: a day at most).
        delay = max(delay, min(outcome.retry_after, RETRY_AFTER_CAP))
    return delay


def attempt(found: Claim, settings: DeliverySettings) -> Outcome:
    """Sign and send a claimed event, then record what happened."""
    event = db.session.get(OutboxEvent, found.event_id)
    endpoint = db.session.get(WebhookEndpoint, event.dealer_id)
    record = db.session.get(DeliveryAttempt, found.attempt_id)
    now = utcnow()
    url, body, message_id = record.url, event.body, str(event.id)
    secrets = endpoint.signing_secrets(now) if endpoint else []
    # No transaction stays open while we wait for the receiver.
    db.session.rollback()
    started = time.monotonic()
    if secrets:
        outcome = send(url, body, signing.headers(message_id, body, secrets, now), settings)
    else:
        outcome = Outcome(error="the dealer's webhook was removed")
    duration_ms = round((time.monotonic() - started) * 1000)
    _record(found, outcome, duration_ms, settings)
    return outcome


def _record(found: Claim, outcome: Outcome, duration_ms: int, settings) -> None:
    now = utcnow()
    record = db.session.get(DeliveryAttempt, found.attempt_id)
    record.finished_at, record.duration_ms = now, duration_ms
    record.status_code, record.error = outcome.status_code, outcome.error
    record.response = outcome.response
    event = db.session.scalar(
        sa.select(OutboxEvent)
        .where(OutboxEvent.id == found.event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if event.claimed_by != found.token:
        # Our lease ran out and another worker claimed the event: its outcome counts.
        log.warning("event %s: lease lost before the answer came", event.id)
        db.session.commit()
        return
    event.claimed_by = event.lease_until = None
    if outcome.ok:
        event.status, event.delivered_at, event.last_error = "delivered", now, None
    else:
        event.failures += 1
        event.last_error = outcome.error or f"HTTP {outcome.status_code}"
        # A ping tests the endpoint now; retrying it for days would only confuse.
        ping = event.event_type == "ping"
        delay = None if ping else next_delay(event.failures, outcome, settings)
        if delay is None:
            event.status = "dead"
        else:
            event.next_attempt_at = now + timedelta(seconds=delay)
    db.session.commit()
    log.info(
        "event %s (%s) attempt %s: %s in %d ms → %s",
        event.id,
        event.event_type,
        event.attempts,
        outcome.status_code or outcome.error,
        duration_ms,
        event.status,
    )


def deliver_one(settings: DeliverySettings) -> bool:
    """Claim and deliver the oldest due event; False when none was due."""
    found = claim(settings)
    if found is None:
        return False
    attempt(found, settings)
    return True
