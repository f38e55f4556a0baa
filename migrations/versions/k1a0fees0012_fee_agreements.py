"""fee agreements; charges for missing or damaged goods; evidence packages name their event

`fee_agreements` records a charge agreed before the work (a travel surcharge or extra work
by the customer, missing or damaged goods by the dealer): server/field/fees.py lets a fee
line charge the customer only up to it. `fee_lines.kind` gains `goods`,
`signatures.purpose` gains `travel_agreement` (the customer signs the surcharge on site).
`evidence_packages.event_id` is the outbox event that takes a built package to its dealer.
Packages built before this revision have none and were never sent: the worker sends them
with `flask --app wsgi evidence-announce` (docs/evidence.md).

Revision ID: k1a0fees0012
Revises: i9a0delivery0010
Create Date: 2026-11-26 03:33:42

"""

import sqlalchemy as sa
from alembic import op

import server.common.models

revision = "k1a0fees0012"
down_revision = "i9a0delivery0010"
branch_labels = None
depends_on = None

UTC = server.common.models.UTCDateTime
OLD_FEE_KINDS = ("labor", "part", "no_show", "travel", "extra_work", "other")
FEE_KINDS = (*OLD_FEE_KINDS[:-1], "goods", "other")
OLD_PURPOSES = (
    "unbox_verification",
    "no_floor_drain_consent",
    "pressure_valve_waiver",
    "acceptance",
    "repair_slip",
    "extra_work_quote",
)
PURPOSES = (*OLD_PURPOSES, "travel_agreement")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def _choices(table, column, name, old, new):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
        batch_op.alter_column(
            column, existing_type=sa.String(40), type_=_enum(new, name), existing_nullable=False
        )


def upgrade():
    op.create_table(
        "fee_agreements",
        sa.Column("kind", _enum(("travel", "extra_work", "goods"), "agreement_kind"), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("party", _enum(("customer", "dealer"), "agreement_party"), nullable=False),
        sa.Column("party_name", sa.String(length=120), nullable=False),
        sa.Column(
            "way", _enum(("signature", "call", "written", "portal"), "agreement_way"), nullable=False
        ),
        sa.Column("signature_id", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_fee_agreements_positive_amount")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_fee_agreements_created_by_users")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_fee_agreements_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["signature_id"],
            ["signatures.id"],
            name=op.f("fk_fee_agreements_signature_id_signatures"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_fee_agreements_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_agreements")),
    )
    with op.batch_alter_table("fee_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_agreements_job_id"), ["job_id"], unique=False)
    _choices("fee_lines", "kind", "fee_kind", OLD_FEE_KINDS, FEE_KINDS)
    _choices("signatures", "purpose", "signature_purpose", OLD_PURPOSES, PURPOSES)
    with op.batch_alter_table("evidence_packages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_evidence_packages_event_id_outbox_events"),
            "outbox_events",
            ["event_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("evidence_packages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_evidence_packages_event_id_outbox_events"), type_="foreignkey"
        )
        batch_op.drop_column("event_id")
    op.execute("DELETE FROM fee_lines WHERE kind = 'goods'")
    op.execute(
        "UPDATE fee_agreements SET signature_id = NULL"
    )  # the signatures below may go
    op.drop_table("fee_agreements")
    op.execute("DELETE FROM signatures WHERE purpose = 'travel_agreement'")
    _choices("signatures", "purpose", "signature_purpose", PURPOSES, OLD_PURPOSES)
    _choices("fee_lines", "kind", "fee_kind", FEE_KINDS, OLD_FEE_KINDS)
