"""change_log.txid: pulls read in (writing transaction, seq) order, no global lock

PostgreSQL writers no longer serialize on one advisory lock from the change-log insert
through COMMIT; each change row carries its transaction's id (pg_current_xact_id()) and
a pull reads only rows of transactions older than the oldest one still running
(server/sync/changes.py). Rows written before carry 0: they were written in commit
order, so (0, seq) keeps their order and every cursor handed out before stays valid.

Revision ID: m5a0perf0018
Revises: m3a0care0016
Create Date: 2026-12-07 03:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "m5a0perf0018"
down_revision = "m3a0care0016"
branch_labels = None
depends_on = None

BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade():
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("txid", BIGINT, server_default="0", nullable=False))
        batch_op.create_index("ix_change_log_txid_seq", ["txid", "seq"], unique=False)


def downgrade():
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_change_log_txid_seq")
        batch_op.drop_column("txid")
