import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.common.models import ClientRow
from server.extensions import db


class WarrantyRecord(ClientRow, db.Model):
    """The unit's warranty: its period, and the evidence of every job done on it."""

    __tablename__ = "warranty_records"

    unit_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("units.id"), nullable=False, unique=True
    )
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    wearing_parts_end_on: Mapped[date | None] = mapped_column(sa.Date)
    # Repairs may extend the warranty, never past the original end.
    extended_to: Mapped[date | None] = mapped_column(sa.Date)

    unit = relationship("Unit")
