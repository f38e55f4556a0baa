"""The dealer portal: sign in, review a job's evidence, accept or ask for more; only one's
own dealer's jobs; every form guarded by a CSRF token."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.evidence.conftest import install
from tests.helpers import form_token, job_row, sign_in_page


def sign_in(client, username="dealer1", password=PASSWORD):
    return sign_in_page(client, "dealer", username, password)


csrf = form_token


def test_a_dealer_signs_in_sees_the_evidence_and_accepts(app, client, world):
    sent = install(client, world)
    assert client.get("/dealer/").status_code == 302  # not signed in: to the login page
    assert sign_in(client).status_code == 302
    listing = client.get("/dealer/").get_data(as_text=True)
    assert "SN-TEST-1" in listing and "待确认" in listing
    page = client.get(f"/dealer/jobs/{sent['job']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "本人确认以上内容属实。" in html  # the signed statement, as signed
    assert re.search(r"<code>[0-9a-f]{64}</code>", html)  # the manifest hash
    assert html.count('class="gallery"') == 1 and "/thumb?token=" in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    token = csrf(client, f"/dealer/jobs/{sent['job']}")
    r = client.post(f"/dealer/jobs/{sent['job']}/accept", data={"csrf": token})
    assert r.status_code == 302
    assert job_row(app, sent["job"]).locked_at is not None
    report = client.get(f"/dealer/jobs/{sent['job']}/report").get_data(as_text=True)
    assert "验收单" in report


def test_asking_for_more_sends_the_job_back_with_the_reason(app, client, world):
    sent = install(client, world)
    sign_in(client)
    token = csrf(client, f"/dealer/jobs/{sent['job']}")
    r = client.post(
        f"/dealer/jobs/{sent['job']}/more", data={"csrf": token, "reason": "请补拍压力表"}
    )
    assert r.status_code == 302
    assert job_row(app, sent["job"]).status == "in_progress"


def test_a_form_without_its_csrf_token_changes_nothing(app, client, world):
    sent = install(client, world)
    sign_in(client)
    r = client.post(f"/dealer/jobs/{sent['job']}/accept", data={})
    assert r.status_code == 400
    assert job_row(app, sent["job"]).locked_at is None


@pytest.mark.parametrize(("who", "status"), [("dealer2", 404), ("admin", 200)])
def test_another_dealers_evidence_is_not_found(client, world, who, status):
    sent = install(client, world)
    assert sign_in(client, who).status_code == 302
    assert client.get(f"/dealer/jobs/{sent['job']}").status_code == status
    assert (sent["job"] in client.get("/dealer/").get_data(as_text=True)) is (status == 200)


@pytest.mark.parametrize(("username", "password"), [("tech1", PASSWORD), ("dealer1", "wrong")])
def test_only_dealers_and_admins_with_the_right_password_get_in(client, world, username, password):
    r = sign_in(client, username, password)
    assert r.status_code == 401
    assert client.get("/dealer/").status_code == 302


def test_signing_out_ends_the_session_and_its_token(client, world):
    sign_in(client)
    token = csrf(client, "/dealer/")
    assert client.post("/dealer/logout", data={"csrf": token}).status_code == 302
    assert client.get("/dealer/").status_code == 302
