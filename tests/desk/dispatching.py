"""Builders for dispatch tests: technicians with profiles, customers in districts, jobs at
local times (Asia/Shanghai, UTC+8, no DST: the service zone of the default policy)."""

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.desk.models import Customer, Job
from server.desk.technicians import TechnicianProfile
from server.extensions import db
from tests.conftest import make_user, token_for

ZONE = ZoneInfo("Asia/Shanghai")
# A fixed day far from the world's own jobs (which are near now).
DAY = date(2031, 3, 10)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


def technician(app, name, *, districts=(), skills=(), active=True) -> str:
    with app.app_context():
        user = make_user(name, "technician")
        user.active = active
        db.session.add(
            TechnicianProfile(user_id=user.id, districts=list(districts), skills=list(skills))
        )
        db.session.commit()
        user_id = str(user.id)
        db.session.remove()
        return user_id


def technician_token(app, user_id) -> dict:
    from server.auth.models import User

    with app.app_context():
        token = token_for(db.session.get(User, uuid.UUID(user_id)))
        db.session.commit()
        db.session.remove()
        return {"Authorization": f"Bearer {token}"}


def _status(tech, start) -> str:
    return ("scheduled" if start else "assigned") if tech else "new"


def job(app, world, *, district="西湖区", kind="repair", start=None, hours=2, tech=None, **kw):
    """A job for a new customer in `district` (dealer 1), windowed at `start` (UTC)."""
    with app.app_context():
        customer = Customer(
            name=f"客户{district}",
            phone="13900000000",
            city="杭州市",
            district=district,
            address=f"杭州市{district or ''}某路1号",
        )
        db.session.add(customer)
        db.session.flush()
        row = Job(
            customer_id=customer.id,
            dealer_id=uuid.UUID(world.ids["org1"]),
            kind=kind,
            status=kw.pop("status", _status(tech, start)),
            technician_id=uuid.UUID(tech) if tech else None,
            window_start=start,
            window_end=start + timedelta(hours=hours) if start else None,
            **kw,
        )
        db.session.add(row)
        db.session.commit()
        job_id = str(row.id)
        db.session.remove()
        return job_id
