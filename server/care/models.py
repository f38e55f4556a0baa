"""Surveys, complaints with their notes, and the customer-message outbox."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import Choice, ClientRow, Timestamps, UTCDateTime, utcnow
from server.extensions import db

COMPLAINT_STATUSES = ("open", "in_progress", "closed")
# Where a complaint came from: a low survey rating, or the office (a call, a message …).
COMPLAINT_SOURCES = ("survey", "office")
MESSAGE_KINDS = ("survey_link", "filter_reminder")
# pending: waits for the sender; sent: the sender took it; dead: it failed too often.
MESSAGE_STATUSES = ("pending", "sent", "dead")


class Survey(Timestamps, db.Model):
    """One satisfaction survey per completed job. The link names it (signed); a survey
    answers once (`answered_at`), and its link works until `expires_at`."""

    __tablename__ = "surveys"
    __table_args__ = (
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        # The reports' monthly roll-up reads answered surveys by time.
        sa.Index("ix_surveys_answered_at", "answered_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("jobs.id"), nullable=False, unique=True)
    rating: Mapped[int | None] = mapped_column(sa.Integer)
    comments: Mapped[str | None] = mapped_column(sa.String(1000))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    job = relationship("Job")


class Complaint(ClientRow, db.Model):
    """A complaint, tracked from open to closed (server/care/complaints.py: MOVES)."""

    __tablename__ = "complaints"
    __table_args__ = (sa.Index("ix_complaints_status_due_at", "status", "due_at"),)

    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id"), nullable=False, index=True
    )
    # The dealer whose unit or job it is about (a dealer reads its own complaints).
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # A complaint opened by a low rating names its survey: at most one per survey.
    survey_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("surveys.id"), unique=True)
    source: Mapped[str] = mapped_column(
        Choice(*COMPLAINT_SOURCES, name="complaint_source"), nullable=False
    )
    summary: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    details: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(
        Choice(*COMPLAINT_STATUSES, name="complaint_status"), nullable=False, default="open"
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(sa.Text)

    owner = relationship("User")
    customer = relationship("Customer")
    notes = relationship(
        "ComplaintNote", order_by="ComplaintNote.created_at", viewonly=True, lazy="selectin"
    )


class ComplaintNote(Timestamps, db.Model):
    __tablename__ = "complaint_notes"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("complaints.id"), nullable=False, index=True
    )
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))

    author = relationship("User")


class CareMessage(Timestamps, db.Model):
    """A text for a customer (a survey link, a filter reminder), written in the transaction
    that decided it; the worker hands it to the configured sender (server/care/messages.py).
    `key` makes writing it idempotent (one reminder per unit and due date)."""

    __tablename__ = "care_messages"
    __table_args__ = (
        sa.Index("ix_care_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(
        Choice(*MESSAGE_KINDS, name="care_message_kind"), nullable=False
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id"), nullable=False, index=True
    )
    unit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("units.id"))
    phone: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[str] = mapped_column(
        Choice(*MESSAGE_STATUSES, name="care_message_status"), nullable=False, default="pending"
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
