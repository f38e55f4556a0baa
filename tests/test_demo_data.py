"""`flask demo-data` gives a new installation something real-looking to click through."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.auth.models import User
from server.dealers.models import Dealer
from server.desk.models import JOB_KINDS, Customer, Job, Unit
from server.extensions import db
from tests.helpers import count


def test_demo_data_loads_once_with_every_job_kind_for_today_and_tomorrow(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["demo-data", "--if-empty"])
    assert "not loaded" in again.output

    with app.app_context():
        dealers = db.session.scalars(sa.select(Dealer.name)).all()
        assert "示例净水" in dealers and len(dealers) == 2
        usernames = set(db.session.scalars(sa.select(User.username)))
        assert usernames == {"admin", "dispatcher", "tech1", "tech2", "dealer1", "dealer2"}
        assert count(Customer) == 20 and count(Unit) == 20
        customers = db.session.scalars(sa.select(Customer)).all()
        assert all(c.city == "杭州市" and "杭州市" in c.address for c in customers)
        jobs = db.session.scalars(sa.select(Job)).all()
        assert {j.kind for j in jobs} == set(JOB_KINDS)
        techs = {u.id for u in db.session.scalars(sa.select(User).where(User.role == "technician"))}
        assert {j.technician_id for j in jobs} == techs
        zone = ZoneInfo(db.session.scalars(sa.select(Dealer)).first().policy["timezone"])
        today = datetime.now(zone).date()
        days = {j.window_start.astimezone(zone).date() for j in jobs}
        assert days == {today, today + timedelta(days=1)}

    # Every demo user signs in with the documented password.
    for username in ("admin", "tech1", "dealer2"):
        response = client.post("/api/auth/login", json={"username": username, "password": "demo"})
        assert response.status_code == 201
