"""The console's dispatch board and technicians pages: what they show, assigning and
reassigning through their forms, the CSRF guard, who may use them."""

import re
from datetime import timedelta

import pytest

from server.desk.dispatch import today
from tests.desk.dispatching import DAY, ZONE, job, local, technician
from tests.helpers import form_token, job_row, row_counts, sign_in_page


def _board(client, day=DAY):
    r = client.get("/admin/dispatch", query_string={"day": day.isoformat()})
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _assign(client, job_id, technician_id, day=DAY, token=None):
    token = token or form_token(client, f"/admin/dispatch?day={day.isoformat()}")
    return client.post(
        "/admin/dispatch/assign",
        data={"csrf": token, "job_id": job_id, "technician_id": technician_id or "", "day": day},
    )


def test_the_board_shows_columns_loads_and_suggestions_with_assign_buttons(app, client, world):
    sign_in_page(client, "admin", "dispatcher")
    tech = technician(app, "王师傅", districts=["西湖区"], skills=["repair"])
    job(app, world, start=local(DAY, 23, 30), hours=1, tech=tech)
    waiting = job(app, world, start=local(DAY, 10))
    html = _board(client)
    assert "王师傅" in html and "23:30" in html
    assert "1 单 · 1.0 小时" in html  # the column's load
    assert "待派工" in html and "To dispatch</span> (1)" in html
    # The first suggestion for the waiting job is the skilled local technician.
    block = html.split(waiting)[1]
    assert re.search(r'name="technician_id" value="' + tech + '"', block)
    assert "派给 王师傅" in html and "有此技能" in html
    assert "<script" not in html and "style=" not in html


def test_today_and_tomorrow_tabs_default_to_today(app, client, world):
    sign_in_page(client, "admin", "admin")
    html = client.get("/admin/dispatch").get_data(as_text=True)
    now = today(ZONE)
    assert f"· {now.isoformat()}</h1>" in html
    assert f"day={(now + timedelta(days=1)).isoformat()}" in html
    assert "今天" in html and "明天" in html
    assert 'href="/admin/dispatch"' in html  # in the menu


def test_assigning_from_the_page_moves_the_job_and_warns_about_a_missing_skill(app, client, world):
    sign_in_page(client, "admin", "dispatcher")
    skilled = technician(app, "skilled", districts=["西湖区"], skills=["repair"])
    trainee = technician(app, "trainee", districts=["西湖区"], skills=[])
    target = job(app, world, start=local(DAY, 10))

    r = _assign(client, target, trainee)
    assert r.status_code == 302 and "day=2031-03-10" in r.headers["Location"]
    row = job_row(app, target)
    assert (str(row.technician_id), row.status) == (trainee, "scheduled")
    html = _board(client)
    assert "已派给 trainee" in html and "未登记此类工作的技能" in html

    _assign(client, target, skilled)  # reassign
    assert str(job_row(app, target).technician_id) == skilled
    html = _board(client)
    assert "已派给 skilled" in html and "未登记此类工作的技能" not in html

    _assign(client, target, None)  # unassign
    row = job_row(app, target)
    assert (row.technician_id, row.status) == (None, "new")


def test_a_refused_assignment_says_why_and_writes_nothing(app, client, world):
    sign_in_page(client, "admin", "dispatcher")
    gone = technician(app, "gone", active=False)
    target = job(app, world, start=local(DAY, 10))
    token = form_token(client, f"/admin/dispatch?day={DAY.isoformat()}")
    before = row_counts(app)
    r = _assign(client, target, gone, token=token)
    assert r.status_code == 302
    assert row_counts(app) == before and job_row(app, target).technician_id is None
    html = _board(client)
    assert "未能派工" in html and "not an active technician" in html
    for bad in ({"job_id": "nope"}, {"job_id": target, "technician_id": "nope"}, {}):
        r = client.post("/admin/dispatch/assign", data={"csrf": token, **bad})
        assert r.status_code == 400
    assert row_counts(app) == before


def test_the_forms_need_the_csrf_token(app, client, world):
    sign_in_page(client, "admin", "dispatcher")
    target = job(app, world, start=local(DAY, 10))
    r = client.post(
        "/admin/dispatch/assign", data={"job_id": target, "technician_id": world.ids["tech1"]}
    )
    assert r.status_code == 400 and job_row(app, target).technician_id is None


def test_a_bad_day_is_a_400(client, world):
    sign_in_page(client, "admin", "admin")
    assert client.get("/admin/dispatch", query_string={"day": "2031-02-30"}).status_code == 400


@pytest.mark.parametrize("who", ["tech1", "dealer1"])
def test_technicians_and_dealers_never_reach_the_pages(client, world, who):
    assert sign_in_page(client, "admin", who).status_code == 401
    for path in ("/admin/dispatch", "/admin/technicians"):
        r = client.get(path)
        assert r.status_code == 302 and "/admin/login" in r.headers["Location"]
    r = client.post("/admin/dispatch/assign", data={"job_id": world.ids["job1"]})
    assert r.status_code == 302
    assert str(job_row(client.application, world.ids["job1"]).technician_id) == world.ids["tech1"]


def test_an_admin_edits_a_profile_on_the_technicians_page(app, client, world):
    sign_in_page(client, "admin", "admin")
    token = form_token(client, "/admin/technicians")
    r = client.post(
        f"/admin/technicians/{world.ids['tech1']}",
        data={
            "csrf": token,
            "districts": "西湖区，拱墅区、西湖区",
            "skills": ["repair", "installation"],
        },
    )
    assert r.status_code == 302
    html = client.get("/admin/technicians").get_data(as_text=True)
    assert 'value="西湖区，拱墅区"' in html
    body = client.get(f"/api/technicians/{world.ids['tech1']}", headers=world.auth("admin"))
    assert body.get_json()["skills"] == ["repair", "installation"]

    before = row_counts(app)
    r = client.post(
        f"/admin/technicians/{world.ids['tech1']}", data={"csrf": token, "skills": ["plumbing"]}
    )
    assert r.status_code == 422 and "skills" in r.get_data(as_text=True)
    assert row_counts(app) == before


def test_a_dispatcher_sees_profiles_but_may_not_edit_them(app, client, world):
    sign_in_page(client, "admin", "dispatcher")
    html = client.get("/admin/technicians").get_data(as_text=True)
    assert "tech1" in html and 'name="districts"' not in html
    token = form_token(client, "/admin/dispatch")
    r = client.post(f"/admin/technicians/{world.ids['tech1']}", data={"csrf": token})
    assert r.status_code == 403
