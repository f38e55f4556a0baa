"""What a technician captures on site. Append-only evidence under client UUIDs."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from server.common.models import Choice, ClientRow, UTCDateTime
from server.extensions import db
from server.field.vocab import (
    AGREEMENT_KINDS,
    AGREEMENT_PARTIES,
    AGREEMENT_WAYS,
    BASE_UNITS,
    FEE_KINDS,
    PAYERS,
    SIGNATURE_PURPOSES,
    UNITS,
)


class JobEvidence(ClientRow):
    """Belongs to a job and (optionally) the visit it was captured on."""

    job_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("jobs.id"), nullable=False, index=True)

    @declared_attr
    def visit_id(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(sa.ForeignKey("visits.id"))

    @declared_attr
    def created_by(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(sa.ForeignKey("users.id"))


class Visit(ClientRow, db.Model):
    __tablename__ = "visits"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("jobs.id"), nullable=False, index=True)
    technician_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(sa.String(40))


class ChecklistAnswer(JobEvidence, db.Model):
    __tablename__ = "checklist_answers"

    item: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    answer: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Measurement(JobEvidence, db.Model):
    __tablename__ = "measurements"

    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    # In the kind's base unit (field.vocab): kPa for pressure, mg/L for dissolved solids.
    value: Mapped[float] = mapped_column(sa.Float, nullable=False)
    unit: Mapped[str] = mapped_column(Choice(*BASE_UNITS, name="base_unit"), nullable=False)
    # What the technician read off the gauge, in the unit the customer knows.
    original_value: Mapped[float] = mapped_column(sa.Float, nullable=False)
    original_unit: Mapped[str] = mapped_column(
        Choice(*UNITS, name="measurement_unit"), nullable=False
    )
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class Photo(JobEvidence, db.Model):
    __tablename__ = "photos"

    purpose: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    caption: Mapped[str | None] = mapped_column(sa.String(300))


class Signature(JobEvidence, db.Model):
    __tablename__ = "signatures"

    purpose: Mapped[str] = mapped_column(
        Choice(*SIGNATURE_PURPOSES, name="signature_purpose"), nullable=False
    )
    signer_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    statement_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    statement_sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    # signature_pad point groups: [{points: [{x, y, time, pressure}], ...}]
    strokes: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    # Indexed: media access checks find the record that makes bytes readable.
    png_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    device: Mapped[str | None] = mapped_column(sa.String(120))


class PartUsed(JobEvidence, db.Model):
    __tablename__ = "parts_used"
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="positive_quantity"),)

    part_code: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    quantity: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    unit_price_fen: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class FeeLine(JobEvidence, db.Model):
    __tablename__ = "fee_lines"
    __table_args__ = (sa.CheckConstraint("amount_fen >= 0", name="nonnegative_amount"),)

    kind: Mapped[str] = mapped_column(Choice(*FEE_KINDS, name="fee_kind"), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    amount_fen: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    payer: Mapped[str] = mapped_column(Choice(*PAYERS, name="fee_payer"), nullable=False)


class FeeAgreement(JobEvidence, db.Model):
    """A charge agreed before the work (server/field/fees.py): up to `amount_fen` of `kind`
    may then be charged to the customer on this job."""

    __tablename__ = "fee_agreements"
    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="positive_amount"),)

    kind: Mapped[str] = mapped_column(
        Choice(*AGREEMENT_KINDS, name="agreement_kind"), nullable=False
    )
    amount_fen: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    party: Mapped[str] = mapped_column(
        Choice(*AGREEMENT_PARTIES, name="agreement_party"), nullable=False
    )
    # Who agreed: the customer's name, or the dealer's contact who consented.
    party_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    way: Mapped[str] = mapped_column(Choice(*AGREEMENT_WAYS, name="agreement_way"), nullable=False)
    # The customer's signature under the quote, when it was signed on site.
    signature_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("signatures.id"))
    note: Mapped[str | None] = mapped_column(sa.String(500))


class Note(JobEvidence, db.Model):
    __tablename__ = "job_notes"

    body: Mapped[str] = mapped_column(sa.Text, nullable=False)


# What a technician records on a job, besides its visits: append-only, never edited.
EVIDENCE = (
    ChecklistAnswer,
    Measurement,
    Photo,
    Signature,
    PartUsed,
    FeeAgreement,
    FeeLine,
    Note,
)
