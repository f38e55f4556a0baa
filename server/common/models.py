"""Column types and mixins shared by every feature's models."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: times are stored in UTC and must say so")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class ClientRow(Timestamps):
    """A row a device may create offline: client UUID key, version, soft delete."""

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr.directive
    def __mapper_args__(cls):
        # SQLAlchemy bumps `version` on every UPDATE and refuses a stale one.
        return {"version_id_col": cls.version}


def Choice(*values: str, name: str) -> sa.Enum:
    """A string column limited to `values` by a CHECK constraint.

    Not a native PostgreSQL ENUM: adding a value later is then a plain migration.
    """
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)
