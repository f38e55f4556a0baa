"""service desk intake: appointment calls, the contact time, the public form's counter

`appointment_calls` records the call that agrees a visit (server/desk/appointments.py);
`service_requests.contacted_at` is the first such call (the contact clock), `closed_at` when
the request was closed or cancelled (its clocks stopped).
`form_submissions` counts the public request form's sends per address for its rate
limit. Requests from before this revision keep null deadlines until they are recomputed;
their clocks are computed when read (server/desk/clocks.py).

Revision ID: m1a0intake0014
Revises: k2a0liability0013
Create Date: 2026-12-07 03:07:33.338812

"""

import sqlalchemy as sa
from alembic import op

import server.common.models

revision = "m1a0intake0014"
down_revision = "k2a0liability0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", server.common.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index("ix_form_submissions_address_at", ["address", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_form_submissions_at"), ["at"], unique=False)

    op.create_table(
        "appointment_calls",
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("called_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("called_by", sa.Uuid(), nullable=True),
        sa.Column("visit_start", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("visit_end", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("no_show_fen", sa.Integer(), nullable=False),
        sa.Column("site_conditions", sa.Text(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("travel_agreement_id", sa.Uuid(), nullable=True),
        sa.Column("extra_work", sa.Text(), nullable=True),
        sa.Column("extra_work_agreement_id", sa.Uuid(), nullable=True),
        sa.Column("accessories_missing", sa.Text(), nullable=True),
        sa.Column("accessories_cleared", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", server.common.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", server.common.models.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "no_show_fen >= 0", name=op.f("ck_appointment_calls_no_show_not_negative")
        ),
        sa.CheckConstraint(
            "visit_start < visit_end", name=op.f("ck_appointment_calls_visit_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["called_by"], ["users.id"], name=op.f("fk_appointment_calls_called_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["extra_work_agreement_id"],
            ["fee_agreements.id"],
            name=op.f("fk_appointment_calls_extra_work_agreement_id_fee_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_appointment_calls_job_id_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["service_requests.id"],
            name=op.f("fk_appointment_calls_request_id_service_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["travel_agreement_id"],
            ["fee_agreements.id"],
            name=op.f("fk_appointment_calls_travel_agreement_id_fee_agreements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_calls")),
    )
    with op.batch_alter_table("appointment_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_calls_request_id"), ["request_id"], unique=False
        )

    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contacted_at", server.common.models.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closed_at", server.common.models.UTCDateTime(), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("service_requests", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("contacted_at")

    with op.batch_alter_table("appointment_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_calls_request_id"))

    op.drop_table("appointment_calls")
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_at"))
        batch_op.drop_index("ix_form_submissions_address_at")

    op.drop_table("form_submissions")
