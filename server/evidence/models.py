"""Evidence packages: one per completion of a job, immutable once built."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import Choice, Timestamps, UTCDateTime
from server.extensions import db

PACKAGE_STATUSES = ("waiting_for_media", "built")


class EvidencePackage(Timestamps, db.Model):
    """The evidence of one completion of a job. A later completion (the job re-opened for
    more evidence, or corrected) is a new version pointing at this one; this one never
    changes once built."""

    __tablename__ = "evidence_packages"
    __table_args__ = (sa.UniqueConstraint("job_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    job_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("jobs.id"), nullable=False, index=True)
    unit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    dealer_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("dealers.id"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    previous_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("evidence_packages.id"))
    status: Mapped[str] = mapped_column(
        Choice(*PACKAGE_STATUSES, name="evidence_status"), nullable=False
    )
    # The media hashes still to arrive (and be processed) before it can be built.
    waiting_for: Mapped[list | None] = mapped_column(sa.JSON)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    manifest: Mapped[dict | None] = mapped_column(sa.JSON)
    # SHA-256 of the manifest's canonical JSON (manifest.canonical).
    manifest_sha256: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The outbox event that takes it to the dealer (written in the transaction that built it).
    event_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("outbox_events.id"))


@sa.event.listens_for(EvidencePackage, "before_update")
def _immutable_once_built(_mapper, _connection, package: EvidencePackage) -> None:
    """A built package is what the dealer received: its manifest never changes."""
    history = sa.inspect(package).attrs
    for name in ("manifest", "manifest_sha256", "built_at", "event_id", "version", "job_id"):
        changed = history[name].history
        if changed.deleted and changed.deleted[0] is not None:
            raise ValueError(f"evidence package {package.id} is built: {name} cannot change")
