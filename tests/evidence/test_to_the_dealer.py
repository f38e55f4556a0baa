"""A built package reaches its dealer's webhook (issue 10's contract): once, signed per
Standard Webhooks (checked with svix), its body the package as GET .../evidence gives it,
verifiable from the body and the bytes its links fetch; and the package's status follows."""

import io
import json
import zipfile
from urllib.parse import urlsplit

import sqlalchemy as sa

from scripts.verify_evidence import problems
from server.delivery.models import OutboxEvent
from server.extensions import db
from tests.delivery.conftest import drain, fast_delivery, hooked, receiver  # noqa: F401
from tests.evidence.conftest import install, upload
from tests.helpers import form_token, sign_in_page


def evidence(client, world, job_id, who="dealer1"):
    return client.get(f"/api/jobs/{job_id}/evidence", headers=world.auth(who)).get_json()


def evidence_events(app) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).where(OutboxEvent.event_type == "evidence.completed")
        count = db.session.scalar(query)
        db.session.remove()
        return count


def fetched_zip(client, body: dict) -> str:
    """What a dealer's system holds after the event: the body, and the bytes of each link."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("package.json", json.dumps(body, ensure_ascii=False))
        # Two signatures drawn alike share one image: each file once.
        links = {entry["delivered_sha256"]: entry["url"] for entry in body["media"]}
        for name, url in links.items():
            link = urlsplit(url)
            with client.get(f"{link.path}?{link.query}") as response:
                archive.writestr(f"media/{name}", response.get_data())
    return out.getvalue()


def test_completed_before_the_photos_the_dealer_hears_once_they_are_in(
    app, client, world, hooked, tmp_path
):
    sent = install(client, world, bytes_first=False)
    assert evidence(client, world, sent["job"])["status"] == "waiting_for_media"
    drain(app)
    assert hooked.received == [] and evidence_events(app) == 0  # nothing to tell yet
    for data in sent["photos"].values():
        upload(client, world, data)
    assert evidence(client, world, sent["job"])["status"] == "built"
    drain(app)
    (got,) = hooked.received
    assert got.verified_by == {"current"}  # svix and the spec's HMAC both
    body = json.loads(got.body)
    assert body["type"] == "evidence.completed" and got.headers["webhook-id"]
    # The same package the API gives, its links on the public address.
    api = evidence(client, world, sent["job"])
    assert api["status"] == "delivered"
    assert {k: v for k, v in body.items() if k not in ("type", "status", "media")} == {
        k: v for k, v in api.items() if k not in ("status", "media")
    }
    public = app.config["PUBLIC_BASE_URL"]
    assert body["media"] and all(m["url"].startswith(public + "/api/media/") for m in body["media"])
    # Verifiable from the body and the fetched bytes; a changed value fails.
    path = tmp_path / "from-webhook.zip"
    path.write_bytes(fetched_zip(client, body))
    assert problems(str(path)) == []
    body["manifest"]["measurements"][0]["value"] = "1.0"  # it read 250 kPa
    path.write_bytes(fetched_zip(client, body))
    assert problems(str(path)) == ["manifest: its SHA-256 differs"]
    # Another photo arriving again, another worker turn: still one event.
    upload(client, world, next(iter(sent["photos"].values())))
    drain(app)
    assert len(hooked.received) == 1 and evidence_events(app) == 1


def test_the_status_follows_the_dealers_review(app, client, world, hooked):
    sent = install(client, world)
    drain(app)
    assert evidence(client, world, sent["job"])["status"] == "delivered"
    sign_in_page(client, "dealer", "dealer1")
    token = form_token(client, f"/dealer/jobs/{sent['job']}")
    client.post(f"/dealer/jobs/{sent['job']}/more", data={"csrf": token, "reason": "补拍压力表"})
    assert evidence(client, world, sent["job"])["status"] == "reopened"
    listed = client.get("/api/evidence?status=reopened", headers=world.auth("dealer1")).get_json()
    assert [p["job_id"] for p in listed["items"]] == [sent["job"]]
    assert listed["items"][0]["status"] == "reopened"


def test_a_package_for_a_dealer_without_a_webhook_waits_in_the_outbox(app, client, world):
    sent = install(client, world)
    assert evidence(client, world, sent["job"])["status"] == "built"
    drain(app)
    assert evidence(client, world, sent["job"])["status"] == "built"
    assert evidence_events(app) == 1
