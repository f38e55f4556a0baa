"""warranty record kept current; filter changes by others; liability decisions per job

`warranty_records` gains what the record now keeps for devices: the date the warranty
counts from, the installer's windows, the proof of purchase, who last changed the
filters and the unit's history. `filter_changes` holds changes by the customer or a
third party (our technicians' are filter_change jobs). `liability_decisions` holds one
current decision per job: who pays for its fault, by which rule, and the facts used.

Existing records are brought up to date by `flask warranty refresh` (or the next change
to their unit); the migration writes no derived dates itself.

Revision ID: h8a0warranty0009
Revises: g7a0privacy0008
Create Date: 2026-11-27 09:00:00

"""

import sqlalchemy as sa
from alembic import op

from server.common.models import UTCDateTime

revision = "h8a0warranty0009"
down_revision = "g7a0privacy0008"
branch_labels = None
depends_on = None

RULE_IDS = ("L1", "L2", "L3", "L4", "L5", "L6", "L7", "W1", "W2", "W3", "W4", "W5", "W6", "V1")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def _client_row():
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade():
    with op.batch_alter_table("warranty_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counted_from", sa.String(40), nullable=True))
        for name in (
            "installer_ends_on",
            "installer_external_ends_on",
            "installer_wrong_part_ends_on",
            "filters_changed_on",
            "filters_changed_by_other_on",
        ):
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("proof_of_purchase_sha256", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("filters_changed_by", sa.String(40), nullable=True))
        # A default only to fill the rows there are; the model sets it on insert.
        batch_op.add_column(
            sa.Column("history", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.create_check_constraint(
            op.f("ck_warranty_records_warranty_start"),
            "counted_from IN ('purchase', 'factory')",
        )
        batch_op.create_check_constraint(
            op.f("ck_warranty_records_filter_changer"),
            "filters_changed_by IN ('technician', 'customer', 'third_party')",
        )
    with op.batch_alter_table("warranty_records", schema=None) as batch_op:
        batch_op.alter_column("history", existing_type=sa.JSON(), server_default=None)

    op.create_table(
        "filter_changes",
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("by", _enum(("customer", "third_party"), "other_filter_changer"), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        *_client_row(),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_filter_changes_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_filter_changes_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_filter_changes")),
    )
    with op.batch_alter_table("filter_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_filter_changes_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "liability_decisions",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("fault_category", sa.String(length=40), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("rule", _enum(RULE_IDS, "liability_rule"), nullable=False),
        sa.Column("path", sa.JSON(), nullable=False),
        sa.Column(
            "liable",
            _enum(("installer", "dealer", "customer", "none"), "liable_party"),
            nullable=False,
        ),
        sa.Column("charge", _enum(("free", "paid"), "liability_charge"), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("source", _enum(("completion", "office"), "liability_source"), nullable=False),
        *_client_row(),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealers.id"], name=op.f("fk_liability_decisions_dealer_id_dealers")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_liability_decisions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_liability_decisions_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_liability_decisions_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_liability_decisions")),
        sa.UniqueConstraint("job_id", name=op.f("uq_liability_decisions_job_id")),
    )
    with op.batch_alter_table("liability_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_liability_decisions_dealer_id"), ["dealer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_liability_decisions_unit_id"), ["unit_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("liability_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_liability_decisions_unit_id"))
        batch_op.drop_index(batch_op.f("ix_liability_decisions_dealer_id"))
    op.drop_table("liability_decisions")
    with op.batch_alter_table("filter_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filter_changes_unit_id"))
    op.drop_table("filter_changes")
    with op.batch_alter_table("warranty_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_warranty_records_filter_changer"), type_="check")
        batch_op.drop_constraint(op.f("ck_warranty_records_warranty_start"), type_="check")
        for name in (
            "history",
            "filters_changed_by",
            "proof_of_purchase_sha256",
            "filters_changed_by_other_on",
            "filters_changed_on",
            "installer_wrong_part_ends_on",
            "installer_external_ends_on",
            "installer_ends_on",
            "counted_from",
        ):
            batch_op.drop_column(name)
