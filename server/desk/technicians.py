"""A technician's profile for dispatch: the districts they serve and the job kinds they do.

A small table beside `users` (one row per technician, made on first edit), so accounts
stay about signing in. Values are checked once, by `schemas.TechnicianProfileSchema`
(districts: short trimmed names; skills: `JOB_KINDS`), for the API and the console alike.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from server.audit.service import record
from server.auth.models import User
from server.common.models import UTCDateTime, utcnow
from server.exceptions import NotFound
from server.extensions import db


class TechnicianProfile(db.Model):
    __tablename__ = "technician_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    # District names as customers' addresses give them (customers.district), e.g. "西湖区".
    districts: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    # Job kinds (desk.models.JOB_KINDS) this technician is trained for.
    skills: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def technicians() -> list[User]:
    """Every technician account, active or not, by name."""
    query = sa.select(User).where(User.role == "technician")
    return list(db.session.scalars(query.order_by(User.display_name, User.id)))


def profiles() -> dict:
    """user_id -> TechnicianProfile, for every technician that has one."""
    return {p.user_id: p for p in db.session.scalars(sa.select(TechnicianProfile))}


def technician(user_id) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != "technician":
        raise NotFound.of("technician")
    return user


def profile_of(user: User) -> dict:
    """The technician with their profile (empty lists when none was ever set)."""
    row = db.session.get(TechnicianProfile, user.id)
    return view(user, row)


def view(user: User, row: TechnicianProfile | None) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "active": user.active,
        "districts": list(row.districts) if row else [],
        "skills": list(row.skills) if row else [],
    }


def update(user: User, args: dict) -> dict:
    """Replace the given lists (validated by the schema); audited with before and after."""
    row = db.session.get(TechnicianProfile, user.id, with_for_update=True)
    if row is None:
        row = TechnicianProfile(user_id=user.id, districts=[], skills=[])
        db.session.add(row)
    diff = {}
    for key in ("districts", "skills"):
        if key in args and list(getattr(row, key) or []) != args[key]:
            diff[key] = [list(getattr(row, key) or []), args[key]]
            setattr(row, key, list(args[key]))
    record("update_profile", "user", user.id, diff)
    db.session.flush()
    return view(user, row)
