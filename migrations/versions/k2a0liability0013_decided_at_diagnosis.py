"""liability decisions may be made at diagnosis

A job's decision is made when the technician chooses the fault (source `diagnosis`), so
it reaches the devices before any fee is asked for (docs/fees.md); completion and the
office decide again as before.

Revision ID: k2a0liability0013
Revises: k1a0fees0012
Create Date: 2026-11-26 04:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "k2a0liability0013"
down_revision = "k1a0fees0012"
branch_labels = None
depends_on = None

OLD = ("completion", "office")
NEW = ("diagnosis", *OLD)


def _sources(values):
    with op.batch_alter_table("liability_decisions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_liability_decisions_liability_source"), type_="check")
        batch_op.alter_column(
            "source",
            existing_type=sa.String(40),
            type_=sa.Enum(
                *values,
                name="liability_source",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            existing_nullable=False,
        )


def upgrade():
    _sources(NEW)


def downgrade():
    # A decision made at diagnosis is made again at completion: before that, none stands.
    op.execute("DELETE FROM liability_decisions WHERE source = 'diagnosis'")
    _sources(OLD)
