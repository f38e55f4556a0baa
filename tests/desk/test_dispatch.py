"""The dispatch API: ranking suggestions, the day's board in local time, profiles, refusals."""

from datetime import timedelta

import pytest

from tests.desk.dispatching import DAY, ZONE, job, local, technician
from tests.helpers import assert_problem, job_row, row_counts


def _suggest(client, world, job_id, who="dispatcher", **query):
    r = client.get(f"/api/jobs/{job_id}/suggestions", headers=world.auth(who), query_string=query)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _names(body):
    return [s["technician"]["username"] for s in body["suggestions"]]


def test_suggestions_rank_skill_then_district_then_load_and_skip_the_inactive(app, client, world):
    local_ = technician(app, "local", districts=["西湖区"], skills=["repair"])
    busy = technician(app, "busy", districts=["西湖区"], skills=["repair"])
    technician(app, "outside", districts=["滨江区"], skills=["repair"])
    technician(app, "unskilled", districts=["西湖区"], skills=["installation"])
    technician(app, "retired", districts=["西湖区"], skills=["repair"], active=False)
    for hour in (9, 13):
        job(app, world, start=local(DAY, hour), tech=busy)
    job(app, world, start=local(DAY - timedelta(days=1), 9), tech=local_)  # another day
    target = job(app, world, start=local(DAY, 15))

    body = _suggest(client, world, target)

    assert body["day"] == DAY.isoformat() and body["timezone"] == "Asia/Shanghai"
    # 100 + 5 - 0, 100 + 5 - 2, 100 + 0 - 0, then the unskilled and unprofiled (0 or 5).
    assert _names(body)[:4] == ["local", "busy", "outside", "unskilled"]
    assert "retired" not in _names(body)
    first, second = body["suggestions"][:2]
    assert (first["score"], first["skill"], first["district"]) == (105, True, True)
    assert first["reasons"] == ["skill", "district"] and first["load"] == {"jobs": 0, "hours": 0}
    assert second["score"] == 103 and second["load"] == {"jobs": 2, "hours": 4.0}
    unskilled = body["suggestions"][3]
    assert unskilled["reasons"] == ["no_skill", "district"] and unskilled["score"] == 5


def test_a_loaded_local_technician_drops_below_an_idle_outsider(app, client, world):
    busy = technician(app, "busy", districts=["西湖区"], skills=["repair"])
    technician(app, "outside", districts=["滨江区"], skills=["repair"])
    for hour in range(8, 14):  # six jobs: 100 + 5 - 6 = 99 < 100
        job(app, world, start=local(DAY, hour), hours=1, tech=busy)
    body = _suggest(client, world, job(app, world, start=local(DAY, 16)))
    assert _names(body)[:2] == ["outside", "busy"]


def test_ties_go_to_fewer_booked_hours_then_the_name(app, client, world):
    long_ = technician(app, "long", districts=["西湖区"], skills=["repair"])
    short = technician(app, "short", districts=["西湖区"], skills=["repair"])
    technician(app, "b-idle", districts=["西湖区"], skills=["repair"])
    technician(app, "a-idle", districts=["西湖区"], skills=["repair"])
    job(app, world, start=local(DAY, 9), hours=3, tech=long_)
    job(app, world, start=local(DAY, 9), hours=1, tech=short)
    target = job(app, world, start=local(DAY, 15))
    body = _suggest(client, world, target)
    assert _names(body)[:4] == ["a-idle", "b-idle", "short", "long"]
    assert _suggest(client, world, target) == body  # deterministic


def test_the_jobs_own_technician_is_not_suggested_and_an_unwindowed_job_uses_the_day(
    app, client, world
):
    mine = technician(app, "mine", districts=["西湖区"], skills=["repair"])
    other = technician(app, "other", districts=["西湖区"], skills=["repair"])
    job(app, world, start=local(DAY, 9), tech=other)
    target = job(app, world, tech=mine)  # assigned, no window yet
    body = _suggest(client, world, target, day=DAY.isoformat())
    assert "mine" not in _names(body)
    assert body["day"] == DAY.isoformat()
    other_row = next(s for s in body["suggestions"] if s["technician"]["username"] == "other")
    assert other_row["load"]["jobs"] == 1


def test_a_customer_without_a_district_matches_no_one(app, client, world):
    technician(app, "local", districts=["西湖区"], skills=["repair"])
    body = _suggest(client, world, job(app, world, district=None, start=local(DAY, 9)))
    assert body["suggestions"][0]["reasons"] == ["skill", "district_unknown"]


def test_the_board_puts_a_job_on_the_local_day_its_window_starts(app, client, world):
    tech = technician(app, "tech", districts=["西湖区"], skills=["repair"])
    late = job(app, world, start=local(DAY, 23, 30), hours=1, tech=tech)  # 15:30 UTC that day
    early = job(app, world, start=local(DAY, 8), hours=2, tech=tech)
    after_midnight = job(app, world, start=local(DAY + timedelta(days=1), 0, 30), tech=tech)
    job(app, world, start=local(DAY, 10), tech=tech, status="cancelled")
    waiting = job(app, world, start=local(DAY, 11))
    no_window = job(app, world)
    overdue = job(app, world, start=local(DAY - timedelta(days=2), 9))
    job(app, world, start=local(DAY + timedelta(days=1), 9))  # tomorrow's, not today's

    r = client.get(
        "/api/dispatch/board", headers=world.auth("admin"), query_string={"day": DAY.isoformat()}
    )
    assert r.status_code == 200
    body = r.get_json()
    column = next(c for c in body["technicians"] if c["technician"]["username"] == "tech")
    assert [j["id"] for j in column["jobs"]] == [early, late]
    assert column["load"] == {"jobs": 2, "hours": 3.0}
    assert [j["id"] for j in body["unassigned"]] == [overdue, waiting, no_window]
    assert body["unassigned"][1]["customer"]["district"] == "西湖区"

    tomorrow = client.get(
        "/api/dispatch/board",
        headers=world.auth("admin"),
        query_string={"day": (DAY + timedelta(days=1)).isoformat()},
    ).get_json()
    column = next(c for c in tomorrow["technicians"] if c["technician"]["username"] == "tech")
    assert [j["id"] for j in column["jobs"]] == [after_midnight]


def test_the_board_defaults_to_today_in_the_service_zone_and_shows_the_worlds_jobs(
    app, client, world
):
    from server.desk.dispatch import today

    body = client.get("/api/dispatch/board", headers=world.auth("dispatcher")).get_json()
    assert body["day"] == today(ZONE).isoformat()
    # The world's jobs start two hours from now: today's or (late at night) tomorrow's.
    start = job_row(app, world.ids["job1"]).window_start.astimezone(ZONE).date()
    tech1 = next(c for c in body["technicians"] if c["technician"]["username"] == "tech1")
    assert ([j["id"] for j in tech1["jobs"]] == [world.ids["job1"]]) == (start == today(ZONE))


def test_an_inactive_technician_stays_on_the_board_only_while_holding_jobs(app, client, world):
    gone = technician(app, "gone", active=False)
    technician(app, "gone-idle", active=False)
    job(app, world, start=local(DAY, 9), tech=gone)
    body = client.get(
        "/api/dispatch/board", headers=world.auth("admin"), query_string={"day": DAY.isoformat()}
    ).get_json()
    names = {c["technician"]["username"]: c for c in body["technicians"]}
    assert names["gone"]["technician"]["active"] is False and "gone-idle" not in names


def test_assign_and_reassign_through_the_jobs_api(app, client, world):
    first = technician(app, "first", districts=["西湖区"], skills=["repair"])
    second = technician(app, "second", districts=["西湖区"], skills=["repair"])
    target = job(app, world, start=local(DAY, 9))
    best = _suggest(client, world, target)["suggestions"][0]["technician"]["id"]
    assert best in (first, second)
    r = client.post(
        f"/api/jobs/{target}/assign", headers=world.auth("dispatcher"), json={"technician_id": best}
    )
    assert r.status_code == 200 and r.get_json()["status"] == "scheduled"
    other = second if best == first else first
    r = client.post(
        f"/api/jobs/{target}/assign",
        headers=world.auth("dispatcher"),
        json={"technician_id": other},
    )
    assert r.status_code == 200 and r.get_json()["technician_id"] == other
    board = client.get(
        "/api/dispatch/board", headers=world.auth("admin"), query_string={"day": DAY.isoformat()}
    ).get_json()
    assert board["unassigned"] == []
    holder = next(c for c in board["technicians"] if c["technician"]["id"] == other)
    assert [j["id"] for j in holder["jobs"]] == [target]


@pytest.mark.parametrize("who", ["tech1", "dealer1"])
def test_technicians_and_dealers_may_not_dispatch(app, client, world, who):
    tech = technician(app, "someone")
    for path in (
        "/api/dispatch/board",
        f"/api/jobs/{world.ids['job1']}/suggestions",
        "/api/technicians",
        f"/api/technicians/{tech}",
    ):
        assert_problem(client.get(path, headers=world.auth(who)), 403)
    r = client.patch(f"/api/technicians/{tech}", headers=world.auth(who), json={"skills": []})
    assert_problem(r, 403)


@pytest.mark.parametrize(
    "query",
    [{"day": "2031-13-01"}, {"day": "tomorrow"}, {"day": "0001-01-01"}, {"days": "2031-03-10"}],
)
def test_a_bad_day_is_a_422(client, world, query):
    r = client.get("/api/dispatch/board", headers=world.auth("admin"), query_string=query)
    assert_problem(r, 422)
    path = f"/api/jobs/{world.ids['job1']}/suggestions"
    r = client.get(path, headers=world.auth("admin"), query_string=query)
    assert_problem(r, 422)


def test_suggestions_for_an_unknown_or_finished_job_are_refused(app, client, world):
    from tests.helpers import set_job

    unknown = "00000000-0000-4000-8000-000000000000"
    assert_problem(client.get(f"/api/jobs/{unknown}/suggestions", headers=world.auth("admin")), 404)
    set_job(app, world.ids["job1"], status="cancelled")
    r = client.get(f"/api/jobs/{world.ids['job1']}/suggestions", headers=world.auth("admin"))
    assert_problem(r, 409)


def test_an_admin_sets_a_profile_validated_against_the_job_kinds(app, client, world):
    tech = world.ids["tech1"]
    r = client.patch(
        f"/api/technicians/{tech}",
        headers=world.auth("admin"),
        json={"districts": [" 西湖区", "拱墅区", "西湖区 "], "skills": ["repair", "repair"]},
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["districts"] == ["西湖区", "拱墅区"]
    assert r.get_json()["skills"] == ["repair"]
    r = client.patch(
        f"/api/technicians/{tech}", headers=world.auth("admin"), json={"skills": ["installation"]}
    )
    assert r.get_json()["districts"] == ["西湖区", "拱墅区"]  # a list not given stays
    listed = client.get("/api/technicians", headers=world.auth("dispatcher")).get_json()
    assert {t["username"]: t["skills"] for t in listed}["tech1"] == ["installation"]
    with app.app_context():
        import sqlalchemy as sa

        from server.audit.models import AuditEntry
        from server.extensions import db

        trail = db.session.scalars(
            sa.select(AuditEntry.data)
            .where(AuditEntry.action == "update_profile", AuditEntry.entity_id == tech)
            .order_by(AuditEntry.id)
        ).all()
        db.session.remove()
    assert trail[-1] == {"skills": [["repair"], ["installation"]]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"skills": ["plumbing"]}, "skills"),
        ({"districts": ["   "]}, "districts"),
        ({"districts": ["x" * 61]}, "districts"),
        ({"districts": "西湖区"}, "districts"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_bad_profile_is_refused_and_nothing_is_written(app, client, world, body, field):
    before = row_counts(app)
    path = f"/api/technicians/{world.ids['tech1']}"
    r = client.patch(path, headers=world.auth("admin"), json=body)
    assert_problem(r, 422, field=field)
    assert row_counts(app) == before


def test_only_an_admin_edits_profiles_and_only_technicians_have_one(app, client, world):
    r = client.patch(
        f"/api/technicians/{world.ids['tech1']}", headers=world.auth("dispatcher"), json={}
    )
    assert_problem(r, 403)
    for who in (world.ids["dispatcher"], "00000000-0000-4000-8000-000000000000"):
        r = client.patch(f"/api/technicians/{who}", headers=world.auth("admin"), json={})
        assert_problem(r, 404)


def test_a_local_day_runs_midnight_to_midnight_across_daylight_saving():
    from datetime import date
    from zoneinfo import ZoneInfo

    from server.desk.dispatch import day_bounds

    # New York springs forward on 2031-03-09: that day has 23 hours, 2031-11-02 has 25.
    for day, length in ((date(2031, 3, 9), 23), (date(2031, 11, 2), 25), (DAY, 24)):
        start, end = day_bounds(day, ZoneInfo("America/New_York"))
        assert (end - start).total_seconds() == length * 3600
    start, end = day_bounds(DAY, ZONE)
    assert (start.hour, start.day, end.day) == (16, 9, 10)  # UTC+8: 16:00 UTC the day before


def test_the_demo_data_gives_the_board_profiled_technicians_with_todays_jobs(app, client):
    from server import demo
    from server.desk.dispatch import today
    from server.extensions import db

    with app.app_context():
        demo.load()
        db.session.remove()
    login = client.post(
        "/api/auth/login", json={"username": "dispatcher", "password": demo.DEMO_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {login.get_json()['token']}"}
    body = client.get("/api/dispatch/board", headers=headers).get_json()
    assert body["day"] == today(ZONE).isoformat()
    columns = {c["technician"]["username"]: c for c in body["technicians"]}
    assert set(columns) == {"tech1", "tech2"}
    assert all(c["technician"]["districts"] for c in columns.values())
    assert columns["tech1"]["load"]["jobs"] == 10  # the demo gives tech2 tomorrow's jobs
    job_id = columns["tech1"]["jobs"][0]["id"]
    ranked = client.get(f"/api/jobs/{job_id}/suggestions", headers=headers).get_json()
    assert [s["technician"]["username"] for s in ranked["suggestions"]] == ["tech2"]
