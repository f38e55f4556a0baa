"""The service console's pages: who may sign in, where sign-in leads, the CSRF guard."""

import re
import uuid

import pytest
import sqlalchemy as sa

from server.auth.models import DeviceToken
from server.desk.models import Job
from server.extensions import db
from tests.helpers import form_token, sign_in_page


@pytest.mark.parametrize("who", ["admin", "dispatcher"])
def test_the_office_signs_in_and_sees_the_console(client, world, who):
    assert client.get("/admin/").status_code == 302
    signed = sign_in_page(client, "admin", who)
    assert signed.status_code == 302 and signed.headers["Location"] == "/admin/"
    home = client.get("/admin/")
    html = home.get_data(as_text=True)
    assert home.status_code == 200 and "服务中心" in html and "Service console" in html
    assert "unsafe-inline" not in home.headers["Content-Security-Policy"]
    assert "<script>" not in html


@pytest.mark.parametrize("who", ["tech1", "dealer1"])
def test_a_technician_or_dealer_is_refused_and_keeps_no_token(app, client, world, who):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(DeviceToken))
    refused = sign_in_page(client, "admin", who)
    assert refused.status_code == 401
    assert "cannot use the service console" in refused.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    with app.app_context():
        live = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DeviceToken)
            .where(DeviceToken.revoked_at.is_(None))
        )
    assert live == before  # the token made by the login was revoked at once


def test_a_wrong_password_is_refused(client, world):
    refused = sign_in_page(client, "admin", "admin", "not-the-password")
    assert refused.status_code == 401
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/admin/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
        ("https://evil.example/", "/admin/"),
        ("/dealer/", "/admin/"),
    ],
)
def test_sign_in_goes_back_only_to_a_console_page(client, world, target, lands):
    from tests.conftest import PASSWORD

    r = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"username": "admin", "password": PASSWORD},
    )
    assert r.status_code == 302 and r.headers["Location"] == lands


def test_signing_out_needs_the_form_token_and_ends_the_token(app, client, world):
    sign_in_page(client, "admin", "admin")
    assert client.post("/admin/logout", data={}).status_code == 400
    assert client.get("/admin/").status_code == 200
    token = form_token(client, "/admin/")
    assert client.post("/admin/logout", data={"csrf": token}).status_code == 302
    assert client.get("/admin/").status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(DeviceToken)
                .where(
                    DeviceToken.device_name == "service console", DeviceToken.revoked_at.is_(None)
                )
            )
            == 0
        )


def _figures(client) -> dict:
    html = client.get("/admin/").get_data(as_text=True)
    found = re.findall(r'data-endpoint="([\w.]+)">(\d+)</strong>', html)
    return {endpoint: int(value) for endpoint, value in found}


def test_the_home_page_counts_what_needs_attention_today(app, client, world):
    sign_in_page(client, "admin", "dispatcher")
    before = _figures(client)
    assert set(before) >= {
        "admin.escalations",
        "admin.dispatch",
        "admin.complaints_page",
        "admin.reminders",
        "admin.care_messages",
        "sync_admin.conflicts_page",
    }
    assert before["admin.complaints_page"] == 0
    # A complaint is opened and job2 loses its technician: two more things to do.
    opened = client.post(
        "/api/complaints",
        json={
            "customer_id": world.ids["customer1"],
            "job_id": world.ids["job1"],
            "summary": "漏水",
        },
        headers=world.auth("dispatcher"),
    )
    assert opened.status_code == 201, opened.get_json()
    with app.app_context():
        job = db.session.get(Job, uuid.UUID(world.ids["job2"]))
        # No window: waiting today, whatever the hour (a window may fall on tomorrow).
        job.technician_id, job.status = None, "new"
        job.window_start = job.window_end = None
        db.session.commit()
    after = _figures(client)
    assert after["admin.complaints_page"] == 1
    assert after["admin.dispatch"] == before["admin.dispatch"] + 1
    page = client.get("/admin/").get_data(as_text=True)
    assert 'class="figure attention" data-endpoint="admin.complaints_page"' in page
