"""Customers, their units, service requests and the jobs dispatched for them."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import Choice, ClientRow, UTCDateTime
from server.extensions import db

JOB_KINDS = (
    "installation",
    "repair",
    "filter_change",
    "maintenance",
    "water_test",
    "remote_support",
    "consultation",
    "complaint",
    "return_exchange",
)
# Work done by phone or online: no technician goes to the home, so no on-site clock runs.
REMOTE_KINDS = ("remote_support", "consultation")
CHANNELS = ("phone", "sms", "email", "web", "wechat", "walk_in")
REQUEST_STATUSES = ("new", "acknowledged", "scheduled", "closed", "cancelled")
JOB_STATUSES = ("new", "assigned", "scheduled", "in_progress", "completed", "cancelled", "closed")


class Customer(ClientRow, db.Model):
    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    phone: Mapped[str] = mapped_column(sa.String(40), nullable=False, index=True)
    city: Mapped[str | None] = mapped_column(sa.String(60))
    district: Mapped[str | None] = mapped_column(sa.String(60))
    address: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    units = relationship("Unit", back_populates="customer")


class Unit(ClientRow, db.Model):
    """One purifier at one customer's home, sold by one dealer."""

    __tablename__ = "units"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id"), nullable=False, index=True
    )
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    model: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    serial: Mapped[str] = mapped_column(sa.String(80), nullable=False, unique=True)
    purchase_date: Mapped[date | None] = mapped_column(sa.Date)
    factory_date: Mapped[date | None] = mapped_column(sa.Date)
    installed_on: Mapped[date | None] = mapped_column(sa.Date)
    # SHA-256 of the invoice or warranty-card photo.
    proof_of_purchase_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    shipped_with_prv: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    customer = relationship("Customer", back_populates="units")
    dealer = relationship("Dealer")


class ServiceRequest(ClientRow, db.Model):
    __tablename__ = "service_requests"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id"), nullable=False, index=True
    )
    unit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(Choice(*JOB_KINDS, name="job_kind"), nullable=False)
    channel: Mapped[str] = mapped_column(Choice(*CHANNELS, name="request_channel"), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(
        Choice(*REQUEST_STATUSES, name="request_status"), nullable=False, default="new"
    )
    # SLA deadlines, computed from the dealer's policy.
    acknowledge_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_site_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    repair_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first appointment call (the contact clock is met); set by desk/appointments.py only.
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it was closed or cancelled (its clocks stopped); set by desk/service.py only.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer")
    unit = relationship("Unit")


class Job(ClientRow, db.Model):
    """One piece of work at a customer's home, assigned to one technician."""

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(
            "window_start IS NULL OR window_end IS NULL OR window_start < window_end",
            name="window_ordered",
        ),
        sa.Index("ix_jobs_technician_status", "technician_id", "status"),
    )

    request_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("service_requests.id"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("customers.id"), nullable=False, index=True
    )
    unit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # Denormalized from the unit so a dealer's scope is one indexed column.
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(Choice(*JOB_KINDS, name="job_kind"), nullable=False)
    status: Mapped[str] = mapped_column(
        Choice(*JOB_STATUSES, name="job_status"), nullable=False, default="new"
    )
    technician_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    diagnosis: Mapped[str | None] = mapped_column(sa.Text)
    fault_category: Mapped[str | None] = mapped_column(sa.String(40))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Approved by the dealer or closed by an admin: later edits become conflicts.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer")
    unit = relationship("Unit")
    request = relationship("ServiceRequest")
    technician = relationship("User")


class AppointmentCall(ClientRow, db.Model):
    """The call that agrees a visit with the customer, before dispatch
    (server/desk/appointments.py). A surcharge or quote agreed on it is a FeeAgreement
    (way "call") on the request's job, so the fee rules read one record."""

    __tablename__ = "appointment_calls"
    __table_args__ = (
        sa.CheckConstraint("visit_start < visit_end", name="visit_ordered"),
        sa.CheckConstraint("no_show_fen >= 0", name="no_show_not_negative"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("service_requests.id"), nullable=False, index=True
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("jobs.id"))
    called_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    called_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    visit_start: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    visit_end: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The no-show fee the customer was told (the dealer policy's at the time).
    no_show_fen: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    site_conditions: Mapped[str | None] = mapped_column(sa.Text)
    address: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    distance_km: Mapped[float | None] = mapped_column(sa.Float)
    travel_agreement_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("fee_agreements.id")
    )
    extra_work: Mapped[str | None] = mapped_column(sa.Text)
    extra_work_agreement_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("fee_agreements.id")
    )
    accessories_missing: Mapped[str | None] = mapped_column(sa.Text)
    # The seller confirmed it will supply (or has supplied) what is missing.
    accessories_cleared: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)


class FormSubmission(db.Model):
    """A request sent through the public form, by address: the form's rate limit counts
    these (server/desk/public.py). Kept in the database so every worker sees them."""

    __tablename__ = "form_submissions"
    __table_args__ = (sa.Index("ix_form_submissions_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    address: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
