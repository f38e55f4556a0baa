"""A dealer's webhook endpoint and delivery log. Raises server.exceptions; flushes, never
commits. Who may act on which dealer is decided before (access.rules.get of the Dealer)."""

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from server.audit.service import record
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.delivery import addresses, signing
from server.delivery.models import OutboxEvent, WebhookEndpoint
from server.delivery.outbox import enqueue
from server.delivery.settings import DeliverySettings
from server.exceptions import Conflict, Invalid, NotFound
from server.extensions import db


def get_endpoint(dealer: Dealer) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, dealer.id)
    if endpoint is None:
        raise NotFound("This dealer has no webhook.", slug="no-webhook")
    return endpoint


def set_endpoint(
    dealer: Dealer, url: str, secret: str | None, settings: DeliverySettings
) -> tuple[WebhookEndpoint, str | None]:
    """Set where the dealer's events go. A new secret rotates: the previous one keeps
    signing for the grace period (only the latest previous one: two secrets at most).
    Without a secret the current one stays; a first endpoint without one gets a generated
    secret, returned here once (the second value) and never shown again."""
    try:
        addresses.check_url(url, settings.allow_private)
    except addresses.UnsafeAddress as exc:
        raise Invalid("url", str(exc), slug="unsafe-webhook-url") from exc
    if secret is not None and (problem := signing.secret_problem(secret)):
        raise Invalid("secret", problem)
    now = utcnow()
    endpoint = db.session.get(WebhookEndpoint, dealer.id, with_for_update=True)
    generated = None
    if endpoint is None:
        generated = None if secret else signing.generate_secret()
        endpoint = WebhookEndpoint(
            dealer_id=dealer.id, url=url, secret=secret or generated, secret_set_at=now
        )
        db.session.add(endpoint)
        rotated = False
    else:
        rotated = secret is not None and secret != endpoint.secret
        endpoint.url = url
        if rotated:
            endpoint.previous_secret = endpoint.secret
            endpoint.previous_secret_expires_at = now + timedelta(seconds=settings.rotation_grace)
            endpoint.secret, endpoint.secret_set_at = secret, now
    db.session.flush()
    # Never the secret itself: the audit trail is read by more people than the dealer.
    record("set_webhook", "dealer", dealer.id, {"url": url, "secret_rotated": rotated})
    return endpoint, generated


def remove_endpoint(dealer: Dealer) -> None:
    """Stop delivering; events written meanwhile wait in the outbox for a new endpoint."""
    db.session.delete(get_endpoint(dealer))
    db.session.flush()
    record("remove_webhook", "dealer", dealer.id)


def ping(dealer: Dealer) -> OutboxEvent:
    """A `ping` event through the outbox and the worker, like every other event (tried once)."""
    get_endpoint(dealer)
    event_id = uuid.uuid4()
    now = utcnow()
    payload = {
        "type": "ping",
        "timestamp": now.isoformat(),
        "data": {"dealer_id": str(dealer.id), "event_id": str(event_id)},
    }
    return enqueue(dealer.id, "ping", payload, key=f"ping:{event_id}")


def deliveries(dealer: Dealer, status: str | None = None) -> sa.Select:
    """The dealer's events, newest first (with each attempt), for the delivery log."""
    query = (
        sa.select(OutboxEvent)
        .where(OutboxEvent.dealer_id == dealer.id)
        .options(selectinload(OutboxEvent.log))
    )
    if status is not None:
        query = query.where(OutboxEvent.status == status)
    return query


def redeliver(dealer: Dealer, event_id) -> OutboxEvent:
    """Send the event again now, with the same `webhook-id`, and a fresh retry schedule.

    An attempt in flight keeps its lease: the event is sent again only after it answers
    (if it answered 2xx, that was the delivery asked for)."""
    event = db.session.scalar(
        sa.select(OutboxEvent)
        .where(OutboxEvent.id == event_id, OutboxEvent.dealer_id == dealer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if event is None:
        raise NotFound.of("delivery")
    if db.session.get(WebhookEndpoint, dealer.id) is None:
        raise Conflict("Set a webhook before redelivering.", slug="no-webhook")
    event.status, event.failures, event.next_attempt_at = "pending", 0, utcnow()
    db.session.flush()
    record("redeliver", "outbox_event", event.id, {"dealer_id": str(dealer.id)})
    return event
