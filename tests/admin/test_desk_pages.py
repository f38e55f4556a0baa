"""The service desk's console pages: intake by phone or serial, the request list with its
clocks, a request's timeline and acknowledgement, the appointment call, escalations."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from server.desk.models import AppointmentCall, ServiceRequest
from server.extensions import db
from tests.helpers import form_token, set_job, sign_in_page


def _signed_in(client):
    assert sign_in_page(client, "admin", "dispatcher").status_code == 302


def _only_request(app):
    with app.app_context():
        return db.session.scalars(sa.select(ServiceRequest)).one()


def test_intake_looks_up_by_phone_and_takes_the_request(client, world, app):
    _signed_in(client)
    looked = client.get("/admin/requests/new?phone=13800000001").get_data(as_text=True)
    assert "张伟" in looked and "SN-TEST-1" in looked
    token = form_token(client, "/admin/requests/new")
    taken = client.post(
        "/admin/requests/new",
        data={
            "csrf": token,
            "channel": "phone",
            "kind": "repair",
            "serial": "SN-TEST-1",
            "description": "漏水",
            "received_at": "2026-12-04T17:55",
        },
    )
    assert taken.status_code == 302, taken.get_data(as_text=True)
    req = _only_request(app)
    assert taken.headers["Location"] == f"/admin/requests/{req.id}"
    # Received Friday 17:55 Shanghai (given as wall time): acknowledge by Monday 10:55.
    due = req.acknowledge_due.astimezone(ZoneInfo("Asia/Shanghai"))
    assert due.replace(tzinfo=None) == datetime(2026, 12, 7, 10, 55)
    listing = client.get("/admin/requests").get_data(as_text=True)
    assert "张伟" in listing and "12-07 10:55" in listing


def test_intake_shows_what_is_wrong_and_keeps_nothing(client, world, app):
    _signed_in(client)
    token = form_token(client, "/admin/requests/new")
    refused = client.post(
        "/admin/requests/new",
        data={"csrf": token, "channel": "phone", "kind": "repair", "phone": "13977778888"},
    )
    assert refused.status_code == 422
    assert "required for a new customer" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0


def _take(client, world, received="2026-11-02T09:00"):
    token = form_token(client, "/admin/requests/new")
    data = {"csrf": token, "channel": "wechat", "kind": "repair", "serial": "SN-TEST-1"}
    client.post("/admin/requests/new", data={**data, "received_at": received})


def test_the_request_page_acknowledges_and_records_the_call(client, world, app):
    _signed_in(client)
    _take(client, world)
    req = _only_request(app)
    url = f"/admin/requests/{req.id}"
    page = client.get(url).get_data(as_text=True)
    assert "收到请求" in page and "超时 breached" in page
    token = form_token(client, url)
    assert client.post(f"{url}/acknowledge", data={"csrf": token}).status_code == 302
    assert "已受理" in client.get(url).get_data(as_text=True)

    set_job(app, world.ids["job1"], request_id=req.id)
    start = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0, tzinfo=None
    )
    form = {
        "csrf": form_token(client, f"{url}/call"),
        "visit_start": start.isoformat(timespec="minutes"),
        "visit_end": (start + timedelta(hours=2)).isoformat(timespec="minutes"),
        "no_show_fee_told": "on",
        "address": "杭州市西湖区文三路1号",
        "distance_km": "5",
        "travel_surcharge_fen": "30",
    }
    refused = client.post(f"{url}/call", data=form)
    assert refused.status_code == 422 and "service radius" in refused.get_data(as_text=True)
    saved = client.post(f"{url}/call", data={**form, "distance_km": "18", "csrf": form["csrf"]})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "约定电话" in page and "远程费已同意" in page
    with app.app_context():
        call = db.session.scalars(sa.select(AppointmentCall)).one()
        assert call.visit_start.astimezone(ZoneInfo("Asia/Shanghai")).hour == 10
        assert db.session.get(ServiceRequest, req.id).status == "scheduled"


def test_the_escalation_page_lists_overdue_clocks(client, world, app):
    _signed_in(client)
    _take(client, world)
    page = client.get("/admin/escalations")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "受理 Acknowledge" in html and "超时 breached" in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert "style=" not in html and "<script" not in html


def test_a_dealer_cannot_open_the_desk_pages(client, world):
    sign_in_page(client, "admin", "dealer1")
    missing = uuid.uuid4()
    for path in ("/admin/requests", "/admin/escalations", f"/admin/requests/{missing}"):
        assert client.get(path).status_code == 302
