import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import UTCDateTime, utcnow
from server.extensions import db


class AuditEntry(db.Model):
    """Who did what to which row, and when. Append-only."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    entity: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    entity_id: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    address: Mapped[str | None] = mapped_column(sa.String(64))
