import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.auth import passwords
from server.common.models import Choice, Timestamps, UTCDateTime, utcnow
from server.extensions import db

ROLES = ("admin", "dispatcher", "technician", "dealer")
OFFICE_ROLES = ("admin", "dispatcher")


class User(Timestamps, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "(role = 'dealer') = (dealer_id IS NOT NULL)", name="dealer_user_has_dealer"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(sa.String(80), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    role: Mapped[str] = mapped_column(Choice(*ROLES, name="user_role"), nullable=False)
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("dealers.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)

    dealer = relationship("Dealer")

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        return passwords.matches(self.password_hash, password)

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES


class DeviceToken(db.Model):
    """A bearer token for one device; only its SHA-256 is stored."""

    __tablename__ = "device_tokens"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    device_name: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class LoginAttempt(db.Model):
    """Password tries, counted per user name and per address to slow guessing down.

    A try is recorded before it is judged; a success deletes the user name's tries."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_username_at", "username", "at"),
        sa.Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    username: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    address: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
