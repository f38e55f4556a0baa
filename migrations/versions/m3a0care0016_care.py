"""customer care: satisfaction surveys, complaints with notes, the customer-message outbox

`surveys`: one per completed job, answered once through a signed link (`answered_at`),
until `expires_at`. `complaints` (open → in_progress → closed, reopen) with
`complaint_notes`; a low rating opens one (`survey_id`, unique). `care_messages`: survey
links and filter reminders for customers, sent by the worker (`key` unique: one reminder per
unit and due date). No data to move: the policy's new numbers have defaults (docs/care.md).

Revision ID: m3a0care0016
Revises: m2a0dispatch0015
Create Date: 2026-12-07 03:08:51.577382

"""

import sqlalchemy as sa
from alembic import op

import server.common.models

revision = "m3a0care0016"
down_revision = "m2a0dispatch0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "care_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "survey_link",
                "filter_reminder",
                name="care_message_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sent",
                "dead",
                name="care_message_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("sent_at", server.common.models.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("created_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", server.common.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_care_messages_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_care_messages_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_care_messages_key")),
    )
    with op.batch_alter_table("care_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_care_messages_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            "ix_care_messages_status_next_attempt_at", ["status", "next_attempt_at"], unique=False
        )

    op.create_table(
        "surveys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comments", sa.String(length=1000), nullable=True),
        sa.Column("answered_at", server.common.models.UTCDateTime(), nullable=True),
        sa.Column("expires_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("created_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", server.common.models.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_surveys_rating_range")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_surveys_job_id_jobs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("job_id", name=op.f("uq_surveys_job_id")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index("ix_surveys_answered_at", ["answered_at"], unique=False)

    op.create_table(
        "complaints",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("dealer_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("survey_id", sa.Uuid(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "survey",
                "office",
                name="complaint_source",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "closed",
                name="complaint_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("opened_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("due_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("closed_at", server.common.models.UTCDateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", server.common.models.UTCDateTime(), nullable=True),
        sa.Column("created_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", server.common.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_complaints_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["dealer_id"], ["dealers.id"], name=op.f("fk_complaints_dealer_id_dealers")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_complaints_job_id_jobs")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_complaints_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_complaints_survey_id_surveys")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_complaints_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("survey_id", name=op.f("uq_complaints_survey_id")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaints_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaints_dealer_id"), ["dealer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_job_id"), ["job_id"], unique=False)
        batch_op.create_index("ix_complaints_status_due_at", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaints_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "complaint_notes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", server.common.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", server.common.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_notes_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_complaint_notes_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_notes")),
    )
    with op.batch_alter_table("complaint_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_notes_complaint_id"), ["complaint_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("complaint_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_notes_complaint_id"))

    op.drop_table("complaint_notes")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_unit_id"))
        batch_op.drop_index("ix_complaints_status_due_at")
        batch_op.drop_index(batch_op.f("ix_complaints_job_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_dealer_id"))
        batch_op.drop_index(batch_op.f("ix_complaints_customer_id"))

    op.drop_table("complaints")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index("ix_surveys_answered_at")

    op.drop_table("surveys")
    with op.batch_alter_table("care_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_care_messages_status_next_attempt_at")
        batch_op.drop_index(batch_op.f("ix_care_messages_customer_id"))

    op.drop_table("care_messages")
