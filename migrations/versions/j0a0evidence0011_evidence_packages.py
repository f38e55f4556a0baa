"""evidence packages

One row per completion of a job: waiting for its media, then built once with a canonical
manifest and its SHA-256 (never changed after; a later completion is the next version).

Revision ID: j0a0evidence0011
Revises: h8a0warranty0009
Create Date: 2026-11-26 03:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "j0a0evidence0011"
down_revision = "h8a0warranty0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "evidence_packages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "waiting_for_media",
                "built",
                name="evidence_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("waiting_for", sa.JSON(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("manifest", sa.JSON(), nullable=True),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=True),
        sa.Column("built_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealers.id"], name=op.f("fk_evidence_packages_dealer_id_dealers")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_evidence_packages_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["evidence_packages.id"],
            name=op.f("fk_evidence_packages_previous_id_evidence_packages"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_evidence_packages_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_packages")),
        sa.UniqueConstraint("job_id", "version", name=op.f("uq_evidence_packages_job_id")),
        sa.UniqueConstraint("manifest_sha256", name=op.f("uq_evidence_packages_manifest_sha256")),
    )
    with op.batch_alter_table("evidence_packages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_packages_dealer_id"), ["dealer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_evidence_packages_job_id"), ["job_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_packages_unit_id"), ["unit_id"], unique=False)


def downgrade():
    op.drop_table("evidence_packages")
