"""index media derived hashes

The orphan sweep and a re-process ask whether any media row uses a hash as its
display or thumbnail; without these indexes every such question scans the table.

Revision ID: e5e0media0006
Revises: c3e0index0004
Create Date: 2026-11-25 16:10:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e5e0media0006"
down_revision = "c3e0index0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("media_objects", schema=None) as batch_op:
        batch_op.create_index("ix_media_objects_display_sha256", ["display_sha256"], unique=False)
        batch_op.create_index("ix_media_objects_thumb_sha256", ["thumb_sha256"], unique=False)


def downgrade():
    with op.batch_alter_table("media_objects", schema=None) as batch_op:
        batch_op.drop_index("ix_media_objects_thumb_sha256")
        batch_op.drop_index("ix_media_objects_display_sha256")
