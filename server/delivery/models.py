"""The outbox, the dealers' webhook endpoints and the log of every delivery attempt."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import Choice, Timestamps, UTCDateTime, utcnow
from server.extensions import db

# pending: waits for its next attempt (or a dealer's endpoint); delivered: a 2xx came back;
# dead: the retry schedule ran out (shown for manual redelivery).
EVENT_STATUSES = ("pending", "delivered", "dead")


class WebhookEndpoint(Timestamps, db.Model):
    """Where a dealer receives its events, and the secrets that sign them (one per dealer).

    Secrets are kept as given: signing needs them (an HMAC key cannot be hashed away). After
    a rotation the previous secret still signs until `previous_secret_expires_at`, so the
    dealer's receiver can switch over without dropping a delivery.
    """

    __tablename__ = "webhook_endpoints"

    dealer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("dealers.id"), primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    secret: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    secret_set_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    previous_secret: Mapped[str | None] = mapped_column(sa.String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets valid at `now`: the current one, and the previous one in its grace."""
        secrets = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            secrets.append(self.previous_secret)
        return secrets


class OutboxEvent(Timestamps, db.Model):
    """An event for a dealer, written in the transaction of the change it reports.

    `id` is the `webhook-id` of every attempt (receivers deduplicate by it); `key` makes
    `enqueue` idempotent; `body` is the exact JSON text sent, so every retry sends the
    same bytes. A claim is a lease: `claimed_by` names it, `lease_until` ends it.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        # The workers' claim: due pending events, oldest first.
        sa.Index("ix_outbox_events_status_next_attempt_at", "status", "next_attempt_at"),
        # A dealer's delivery log, newest first.
        sa.Index("ix_outbox_events_dealer_id_created_at", "dealer_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    dealer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("dealers.id"), nullable=False)
    event_type: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[str] = mapped_column(
        Choice(*EVENT_STATUSES, name="outbox_status"), nullable=False, default="pending"
    )
    # Every attempt ever made (the log numbers them); `failures` counts those of the
    # current round and picks the next delay from the schedule (a redelivery resets it).
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    failures: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))

    # The attempts, for the delivery log (its list loads them in one query per page).
    log = relationship("DeliveryAttempt", order_by="DeliveryAttempt.number", viewonly=True)


class DeliveryAttempt(db.Model):
    """One HTTP attempt of one event: written when claimed, completed when answered.

    An attempt with no `finished_at` whose event is no longer leased to it was cut short
    (its worker stopped or was killed); the event was retried by another.
    """

    __tablename__ = "delivery_attempts"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("outbox_events.id"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    url: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None] = mapped_column(sa.Integer)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.String(300))
    # The start of the receiver's answer, for a dealer debugging its endpoint.
    response: Mapped[str | None] = mapped_column(sa.String(500))
