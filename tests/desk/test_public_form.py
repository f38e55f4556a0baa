"""The public request form: no login, channel web, bad input refused (422), floods refused
(429 with Retry-After), the page CSRF-safe and under the strict CSP."""

import re

import sqlalchemy as sa

from server.desk import public
from server.desk.models import Customer, FormSubmission, ServiceRequest
from server.extensions import db
from tests.helpers import assert_problem, count, row_counts

URL = "/api/public/requests"


def payload(**changes):
    return {
        "name": "周杰",
        "phone": "13655556666",
        "address": "杭州市余杭区五常街道1号",
        "kind": "repair",
        "description": "出水很慢",
        "serial": "SN-TEST-1",
        **changes,
    }


def send(client, body, address="203.0.113.7"):
    return client.post(URL, json=body, environ_base={"REMOTE_ADDR": address})


def test_a_customer_sends_a_request_without_signing_in(client, world, app):
    r = send(client, payload())
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == {"reference", "received_at"}  # nothing else is revealed
    with app.app_context():
        request = db.session.scalars(sa.select(ServiceRequest)).one()
        assert request.channel == "web" and request.dealer_id.hex == world.ids["org1"].replace(
            "-", ""
        )
        # The serial is another customer's: noted, not attached.
        assert request.unit_id is None and "SN-TEST-1" in request.description
        assert request.acknowledge_due is not None
        assert db.session.get(Customer, request.customer_id).phone == "13655556666"


def test_the_owner_of_a_serial_gets_the_unit_attached(client, world, app):
    r = send(client, payload(phone="13800000001"))
    assert r.status_code == 201
    with app.app_context():
        request = db.session.scalars(sa.select(ServiceRequest)).one()
        assert str(request.unit_id) == world.ids["unit1"]


def test_bad_input_is_refused_and_writes_nothing(client, world, app):
    before = row_counts(app)
    for body, field in [
        (payload(phone="not a phone"), "phone"),
        (payload(kind="complaint"), "kind"),
        (payload(description=""), "description"),
        (payload(website="http://spam.example"), "website"),
        (payload(serial=None), "dealer_id"),
        ({**payload(), "extra": 1}, "extra"),
    ]:
        assert_problem(send(client, body), 422, field=field)
    assert row_counts(app) == before


def test_a_flood_from_one_address_is_refused_with_retry_after(client, world, app):
    for _ in range(public.PER_ADDRESS):
        assert send(client, payload()).status_code == 201
    refused = send(client, payload())
    body = assert_problem(refused, 429)
    assert body["type"].endswith("form-throttled")
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # Another address is not held up by it.
    assert send(client, payload(), address="198.51.100.9").status_code == 201
    with app.app_context():
        assert count(ServiceRequest) == public.PER_ADDRESS + 1
        assert count(FormSubmission) == public.PER_ADDRESS + 1


def test_the_page_form_sends_a_request_with_its_csrf_token(client, world, app):
    page = client.get("/request")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "报修" in html and 'lang="zh-CN"' in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert "<script" not in html and "style=" not in html
    token = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    form = {**payload(), "csrf": token, "dealer_id": "", "website": ""}
    done = client.post("/request", data=form, environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert done.status_code == 201 and "受理编号" in done.get_data(as_text=True)
    stale = client.post("/request", data={**form, "csrf": "forged"})
    assert stale.status_code == 400
    bad = client.post("/request", data={**form, "phone": "x"})
    assert bad.status_code == 422 and "not a phone number" in bad.get_data(as_text=True)
    with app.app_context():
        assert count(ServiceRequest) == 1
