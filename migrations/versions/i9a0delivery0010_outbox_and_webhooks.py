"""delivery: the outbox, dealers' webhook endpoints, the delivery log; dealers.webhook_url goes

`outbox_events` holds every event for a dealer (written in the transaction of the change it
reports; `key` unique for idempotency; claimed by workers with a lease), `delivery_attempts`
one row per HTTP attempt, `webhook_endpoints` one endpoint per dealer with its current and
previous signing secret. The half-built `dealers.webhook_url` (accepted, never read) is
dropped: endpoints are set through `PUT /api/dealers/<id>/webhook` now, and an old value
was never validated against SSRF, so none is carried over.

SQLite: the column is dropped with SQLite's own ALTER TABLE … DROP COLUMN (3.35+), not by
copying the table: `dealers` is referenced by most tables, and a copy would have to drop it.

Revision ID: i9a0delivery0010
Revises: j0a0evidence0011
Create Date: 2026-11-27 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import server.common.models

revision = "i9a0delivery0010"
down_revision = "j0a0evidence0011"
branch_labels = None
depends_on = None

UTC = server.common.models.UTCDateTime


def upgrade():
    op.create_table(
        "webhook_endpoints",
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=100), nullable=False),
        sa.Column("secret_set_at", UTC(), nullable=False),
        sa.Column("previous_secret", sa.String(length=100), nullable=True),
        sa.Column("previous_secret_expires_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealers.id"], name=op.f("fk_webhook_endpoints_dealer_id_dealers")
        ),
        sa.PrimaryKeyConstraint("dealer_id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "delivered",
                "dead",
                name="outbox_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC(), nullable=False),
        sa.Column("lease_until", UTC(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("delivered_at", UTC(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealers.id"], name=op.f("fk_outbox_events_dealer_id_dealers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_events_key")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_events_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_events_dealer_id_created_at", ["dealer_id", "created_at"], unique=False
        )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("started_at", UTC(), nullable=False),
        sa.Column("finished_at", UTC(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("response", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["outbox_events.id"],
            name=op.f("fk_delivery_attempts_event_id_outbox_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_attempts")),
    )
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_attempts_event_id", ["event_id"], unique=False)

    with op.batch_alter_table("dealers", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("webhook_url")


def downgrade():
    with op.batch_alter_table("dealers", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("webhook_url", sa.String(length=500), nullable=True))
    with op.batch_alter_table("delivery_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_attempts_event_id")
    op.drop_table("delivery_attempts")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_dealer_id_created_at")
        batch_op.drop_index("ix_outbox_events_status_next_attempt_at")
    op.drop_table("outbox_events")
    op.drop_table("webhook_endpoints")
