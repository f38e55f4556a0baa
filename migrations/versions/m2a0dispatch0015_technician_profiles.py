"""technician profiles for dispatch: districts served and skills (job kinds)

One row per technician, made when an admin first sets it (server/desk/technicians.py);
the dispatch board ranks technicians for a job by it (server/desk/dispatch.py).

Revision ID: m2a0dispatch0015
Revises: m1a0intake0014
Create Date: 2026-12-07 03:20:00

"""

import sqlalchemy as sa
from alembic import op

import server.common.models

revision = "m2a0dispatch0015"
down_revision = "m1a0intake0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "technician_profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("updated_at", server.common.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_technician_profiles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_technician_profiles")),
    )


def downgrade():
    op.drop_table("technician_profiles")
