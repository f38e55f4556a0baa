"""stripped originals: the copy of an original without camera or location metadata

`stripped_sha256` names the copy everyone but an admin receives (indexed: the orphan
sweep asks whether any row uses a hash); `gps_kept` says whether the derived files carry
GPS. Images held before this revision have no copy yet: they go back to pending, so the
media worker (or `flask media process-pending`) derives it; until then their original is
answered 409 media-processing to everyone but admins.

Revision ID: g7a0privacy0008
Revises: f6a0field0007
Create Date: 2026-11-26 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "g7a0privacy0008"
down_revision = "f6a0field0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("media_objects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripped_sha256", sa.String(length=64), nullable=True))
        # A default only to fill the rows there are; the model sets it on insert.
        batch_op.add_column(
            sa.Column("gps_kept", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_media_objects_stripped_sha256", ["stripped_sha256"], unique=False)
    with op.batch_alter_table("media_objects", schema=None) as batch_op:
        batch_op.alter_column("gps_kept", existing_type=sa.Boolean(), server_default=None)
    media = sa.table(
        "media_objects",
        sa.column("kind", sa.String),
        sa.column("status", sa.String),
        sa.column("original_kept", sa.Boolean),
        sa.column("attempts", sa.Integer),
        sa.column("claimed_at", sa.DateTime),
    )
    op.execute(
        media.update()
        .where(
            media.c.kind == "image",
            media.c.original_kept.is_(True),
            media.c.status.in_(["ready", "failed"]),
        )
        .values(status="pending", attempts=0, claimed_at=None)
    )


def downgrade():
    with op.batch_alter_table("media_objects", schema=None) as batch_op:
        batch_op.drop_index("ix_media_objects_stripped_sha256")
        batch_op.drop_column("gps_kept")
        batch_op.drop_column("stripped_sha256")
