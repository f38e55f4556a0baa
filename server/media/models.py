"""Media held by the server, keyed by the SHA-256 of the bytes the client sent."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import Choice, Timestamps, UTCDateTime
from server.extensions import db

MEDIA_STATUSES = ("pending", "processing", "ready", "failed")
MEDIA_KINDS = ("image", "signature")


class MediaObject(Timestamps, db.Model):
    """Bytes the server holds and what it derived from them.

    Photo, Signature and Unit rows reference media by hash (they may arrive first);
    this table is the media side of that reference, so the sync feature's tables
    stay untouched. Derived files are blobs under their own hashes.
    """

    __tablename__ = "media_objects"
    # The sweep looks for pending work by status; the orphan sweep and a re-process ask
    # whether any row uses a hash as its display or thumbnail.
    __table_args__ = (
        sa.Index("ix_media_objects_status", "status"),
        sa.Index("ix_media_objects_display_sha256", "display_sha256"),
        sa.Index("ix_media_objects_thumb_sha256", "thumb_sha256"),
        sa.Index("ix_media_objects_stripped_sha256", "stripped_sha256"),
    )

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(Choice(*MEDIA_KINDS, name="media_kind"), nullable=False)
    # pending → processing → ready | failed; `claimed_at` is the processing lease.
    status: Mapped[str] = mapped_column(
        Choice(*MEDIA_STATUSES, name="media_status"), nullable=False, default="pending"
    )
    mime: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    byte_size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    width: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    height: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    # The uploader's hint (e.g. "gauge"); a Photo record's purpose wins when it exists.
    purpose: Mapped[str | None] = mapped_column(sa.String(40))
    # False when the upload was over the policy's cap: only its hash (the key) remains.
    original_kept: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    display_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    display_width: Mapped[int | None] = mapped_column(sa.Integer)
    display_height: Mapped[int | None] = mapped_column(sa.Integer)
    display_bytes: Mapped[int | None] = mapped_column(sa.Integer)
    thumb_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # The original without camera or location metadata, served to everyone but admins
    # (server/media/strip.py); None until processed, or when the original is not kept.
    stripped_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Whether the derived files (display, stripped original) carry GPS (the policy kept it).
    gps_kept: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.String(300))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    # Whose policy sized the limits at upload time (None: the default policy).
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("dealers.id"))


class MediaUpload(Timestamps, db.Model):
    """A chunked upload in progress (tus 1.0 core semantics): the offset the server has."""

    __tablename__ = "media_uploads"
    __table_args__ = (
        sa.CheckConstraint("upload_offset >= 0 AND upload_offset <= upload_length", "offset_range"),
    )

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    upload_length: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    upload_offset: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    purpose: Mapped[str | None] = mapped_column(sa.String(40))
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    # One writer at a time, across processes: a PATCH holds this short lease.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
