"""A unit's warranty record, filter changes done by others, and who pays for a job's fault."""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import Choice, ClientRow, UTCDateTime
from server.extensions import db
from server.warranty.liability import CHARGES, LIABLE, RULE_IDS

COUNT_FROM = ("purchase", "factory")
# Who changed a unit's filters: our technician (a completed filter_change job), or others.
CHANGERS = ("technician", "customer", "third_party")
OTHER_CHANGERS = ("customer", "third_party")
# What wrote a liability decision: a job's completion, or the office recomputing it.
# diagnosis: decided when the technician chose the fault (before any fee is asked for);
# completion: decided again at completion; office: decided by the office.
DECISION_SOURCES = ("diagnosis", "completion", "office")


class WarrantyRecord(ClientRow, db.Model):
    """The unit's warranty, as server/warranty/service.py last computed it for devices.

    Every `*_on`/`extended_to` end is the last day covered (inclusive); null: no such
    period (or not known). `history` is the unit's installs, repairs and filter changes.
    """

    __tablename__ = "warranty_records"

    unit_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("units.id"), nullable=False, unique=True
    )
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    counted_from: Mapped[str | None] = mapped_column(Choice(*COUNT_FROM, name="warranty_start"))
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    wearing_parts_end_on: Mapped[date | None] = mapped_column(sa.Date)
    # Repairs may extend the warranty, never past the original end.
    extended_to: Mapped[date | None] = mapped_column(sa.Date)
    # The installer's windows from units.installed_on (L1/L2, L4, L3).
    installer_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    installer_external_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    installer_wrong_part_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    proof_of_purchase_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    filters_changed_on: Mapped[date | None] = mapped_column(sa.Date)
    filters_changed_by: Mapped[str | None] = mapped_column(Choice(*CHANGERS, name="filter_changer"))
    # The latest change by the customer or a third party: the installer's liability ended (L7).
    filters_changed_by_other_on: Mapped[date | None] = mapped_column(sa.Date)
    history: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)

    unit = relationship("Unit")


class FilterChange(ClientRow, db.Model):
    """Filters changed by the customer or a third party, as the office learned of it.

    Our technicians' changes are completed filter_change jobs, not rows here.
    """

    __tablename__ = "filter_changes"

    unit_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("units.id"), nullable=False, index=True
    )
    changed_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    by: Mapped[str] = mapped_column(
        Choice(*OTHER_CHANGERS, name="other_filter_changer"), nullable=False
    )
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))


class LiabilityDecision(ClientRow, db.Model):
    """Who pays for a job's fault: one current decision per job, with the facts it used."""

    __tablename__ = "liability_decisions"

    job_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("jobs.id"), nullable=False, unique=True)
    unit_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("units.id"), nullable=False, index=True
    )
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    fault_category: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    found_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    rule: Mapped[str] = mapped_column(Choice(*RULE_IDS, name="liability_rule"), nullable=False)
    # Every rule that applied, in order (the last one decided).
    path: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    liable: Mapped[str] = mapped_column(Choice(*LIABLE, name="liable_party"), nullable=False)
    charge: Mapped[str] = mapped_column(Choice(*CHARGES, name="liability_charge"), nullable=False)
    # {"zh-CN": …, "en": …}
    explanation: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    facts: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(
        Choice(*DECISION_SOURCES, name="liability_source"), nullable=False
    )
