"""Sync bookkeeping: devices, the idempotency log, the change log and conflicts."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.common.models import Choice, UTCDateTime, utcnow
from server.extensions import db

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")
MUTATION_STATUSES = ("applied", "merged", "conflict", "rejected", "duplicate")
CHANGE_OPS = ("upsert", "delete", "enter", "remove")
CONFLICT_STATUSES = ("open", "resolved")
RESOLUTIONS = ("server", "client", "merged", "policy_server", "policy_client")


class SyncClient(db.Model):
    """One installed app; its mutations are numbered 1, 2, 3 … and belong to one user."""

    __tablename__ = "sync_clients"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id"), nullable=False, index=True
    )
    last_mutation_id: Mapped[int] = mapped_column(BIGINT, nullable=False, default=0)
    schema_version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class SyncMutation(db.Model):
    """The idempotency log: a replay is answered from `result`, never applied again."""

    __tablename__ = "sync_mutations"

    client_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("sync_clients.id"), primary_key=True)
    mutation_id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    status: Mapped[str] = mapped_column(
        Choice(*MUTATION_STATUSES, name="sync_mutation_status"), nullable=False
    )
    result: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    client_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ChangeLog(db.Model):
    """Every change a device may need (see docs/sync-protocol.md).

    Read in (txid, seq) order: `txid` is the writing transaction's id on PostgreSQL
    (0 on SQLite, whose single writer makes seq order commit order, and for rows written
    before it existed); server/sync/changes.py says why no reader skips a row.
    `audience_id` marks per-technician scope events (enter / remove).
    """

    __tablename__ = "change_log"
    __table_args__ = (
        sa.Index("ix_change_log_job_seq", "job_id", "seq"),
        sa.Index("ix_change_log_audience_seq", "audience_id", "seq"),
        sa.Index("ix_change_log_txid_seq", "txid", "seq"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    op: Mapped[str] = mapped_column(Choice(*CHANGE_OPS, name="change_op"), nullable=False)
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    audience_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    # Not indexed: only the daily prune reads it, and every push writes this table.
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    txid: Mapped[int] = mapped_column(BIGINT, nullable=False, default=0, server_default="0")


class SyncState(db.Model):
    """Small named counters; (`log_floor_txid`, `log_floor`) is the highest change-log
    position pruned away."""

    __tablename__ = "sync_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BIGINT, nullable=False, default=0)


class SyncConflict(db.Model):
    """A clash a person settles (or that a field policy settled, kept for the record)."""

    __tablename__ = "sync_conflicts"
    __table_args__ = (sa.Index("ix_sync_conflicts_status_created", "status", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    entity: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, nullable=False)
    job_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("jobs.id"), index=True)
    field: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    base: Mapped[dict] = mapped_column(sa.JSON, nullable=True)
    server_value: Mapped[dict] = mapped_column(sa.JSON, nullable=True)
    client_value: Mapped[dict] = mapped_column(sa.JSON, nullable=True)
    # What else the held mutation carried that a resolution needs (complete_job: completed_at).
    held_args: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)
    client_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("sync_clients.id"))
    mutation_id: Mapped[int | None] = mapped_column(BIGINT)
    user_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    status: Mapped[str] = mapped_column(
        Choice(*CONFLICT_STATUSES, name="sync_conflict_status"), nullable=False, default="open"
    )
    resolution: Mapped[str | None] = mapped_column(Choice(*RESOLUTIONS, name="sync_resolution"))
    resolved_value: Mapped[dict] = mapped_column(sa.JSON, nullable=True)
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
