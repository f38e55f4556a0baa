"""measurement units by kind; held arguments of a held mutation

Measurements were stored in kPa whatever their kind; dissolved solids (TDS) are now
stored in mg/L: `value_kpa` becomes `value` with its base `unit` beside it, and the
original unit may be any unit of any family. A held completion keeps its completed_at
in `sync_conflicts.held_args`, so resolving it completes the job as pushed.

Revision ID: f6a0field0007
Revises: e5e0media0006
Create Date: 2026-11-26 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f6a0field0007"
down_revision = "e5e0media0006"
branch_labels = None
depends_on = None

OLD_UNITS = ("kPa", "kgf/cm2", "bar", "MPa", "psi")
UNITS = (*OLD_UNITS, "mg/L", "ppm")
BASE_UNITS = ("kPa", "mg/L")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade():
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.alter_column("value_kpa", new_column_name="value")
        batch_op.add_column(sa.Column("unit", _enum(BASE_UNITS, "base_unit"), nullable=True))
        batch_op.drop_constraint(op.f("ck_measurements_pressure_unit"), type_="check")
        batch_op.alter_column(
            "original_unit",
            existing_type=sa.String(40),
            type_=_enum(UNITS, "measurement_unit"),
            existing_nullable=False,
        )
    op.execute(
        "UPDATE measurements SET unit = CASE WHEN kind LIKE 'tds%' THEN 'mg/L' ELSE 'kPa' END"
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.alter_column("unit", existing_type=_enum(BASE_UNITS, "base_unit"), nullable=False)
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_args", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_column("held_args")
    op.execute("DELETE FROM measurements WHERE original_unit IN ('mg/L', 'ppm')")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_measurements_measurement_unit"), type_="check")
        batch_op.alter_column(
            "original_unit",
            existing_type=sa.String(40),
            type_=_enum(OLD_UNITS, "pressure_unit"),
            existing_nullable=False,
        )
        batch_op.drop_column("unit")
        batch_op.alter_column("value", new_column_name="value_kpa")
