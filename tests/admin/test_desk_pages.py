"""The service desk's console pages: intake by phone or serial, the request list with its
clocks, a request's timeline and acknowledgement, the appointment call, escalations."""

import hashlib
import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from server.desk.models import AppointmentCall, ServiceRequest, Unit
from server.extensions import db
from server.media.models import MediaObject
from server.media.storage import get_storage
from tests.helpers import form_token, set_job, sign_in_page
from tests.media.images import jpeg


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


FOLDERS = ("blobs", "staging")


def _post_with_photo(client, data: dict, photo: bytes):
    # Encoded in memory: the test client spools a large body to a temporary file it never
    # closes (a ResourceWarning, an error under this suite's warning filter).
    card = FileStorage(io.BytesIO(photo), filename="card.jpg", content_type="image/jpeg")
    boundary, body = encode_multipart({**data, "proof_photo": card})
    return client.post(
        "/admin/requests/new",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _held(app) -> tuple[list, list]:
    """(blob files, staging files) under the media root."""
    root = Path(app.config["MEDIA_ROOT"])
    files = [
        sorted(p for p in (root / folder).rglob("*") if p.is_file())
        for folder in ("blobs", "staging")
    ]
    return files[0], files[1]


def test_intake_keeps_the_proof_of_purchase_photo_with_the_unit(client, world, app):
    _signed_in(client)
    # A phone's photo of a warranty card: larger than a JSON body may be (2 MB).
    photo = jpeg(size=(3000, 2250), seed=7, subsampling=0)
    assert len(photo) > app.config["MAX_JSON_BYTES"]
    token = form_token(client, "/admin/requests/new")
    data = {"csrf": token, "channel": "walk_in", "kind": "repair", "serial": "SN-TEST-1"}
    taken = _post_with_photo(client, data, photo)
    assert taken.status_code == 302, taken.get_data(as_text=True)
    sha = hashlib.sha256(photo).hexdigest()
    with app.app_context():
        unit = db.session.get(Unit, uuid.UUID(world.ids["unit1"]))
        assert unit.proof_of_purchase_sha256 == sha
        held = db.session.get(MediaObject, sha)
        assert held is not None and held.purpose == "proof_of_purchase"
        assert get_storage().exists(sha)
    assert _held(app)[1] == []  # no staging file left


def test_a_refused_intake_or_photo_keeps_no_file_and_no_row(client, world, app):
    _signed_in(client)
    before = _held(app)
    cases = [
        # The form is wrong (a new customer without a name): the photo is not kept.
        ({"phone": "13977778888"}, jpeg(seed=3), "required for a new customer"),
        # The "photo" is not an image: no request either.
        ({"serial": "SN-TEST-1"}, b"%PDF-1.7 not a photo", "image"),
    ]
    for fields, body, said in cases:
        token = form_token(client, "/admin/requests/new")
        form = {"csrf": token, "channel": "phone", "kind": "repair", **fields}
        refused = _post_with_photo(client, form, body)
        assert refused.status_code == 422 and said in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceRequest)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MediaObject)) == 0
    assert _held(app) == before
