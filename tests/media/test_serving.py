"""Reading bytes: only through a record in scope, or a signed expiring URL."""

import pytest

from tests.media.conftest import add_photo, fetch, put
from tests.media.images import jpeg, sha


@pytest.fixture
def held(client, world, app):
    data = jpeg()
    assert put(client, world, data).status_code == 201
    add_photo(app, world, sha(data))
    return data


@pytest.mark.parametrize("who", ["tech1", "dealer1", "dispatcher", "admin"])
@pytest.mark.parametrize("variant", ["original", "display", "thumb"])
def test_readers_in_scope_get_the_bytes_with_safe_headers(client, world, held, who, variant):
    response = fetch(client, f"/api/media/{sha(held)}/{variant}", headers=world.auth(who))
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline; filename=")
    assert "immutable" in response.headers["Cache-Control"]
    assert sha(response.data) == response.headers["ETag"].strip('"')
    if variant == "original":
        assert response.data == held


@pytest.mark.parametrize("who", ["tech2", "dealer2"])
def test_readers_out_of_scope_get_404(client, world, held, who):
    for variant in ("original", "display", "thumb"):
        response = fetch(client, f"/api/media/{sha(held)}/{variant}", headers=world.auth(who))
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
    assert fetch(client, f"/api/media/{sha(held)}/link", headers=world.auth(who)).status_code == 404


def test_bytes_nobody_references_are_unreadable_even_for_the_uploader(client, world):
    data = jpeg(seed=9)
    put(client, world, data)
    response = fetch(client, f"/api/media/{sha(data)}/original", headers=world.auth("tech1"))
    assert response.status_code == 404
    assert fetch(client, f"/api/media/{sha(data)}/original").status_code == 401


def test_originals_serve_ranges_and_conditional_requests(client, world, held):
    url = f"/api/media/{sha(held)}/original"
    part = fetch(client, url, headers={**world.auth("tech1"), "Range": "bytes=10-99"})
    assert part.status_code == 206
    assert part.data == held[10:100]
    assert part.headers["Content-Range"] == f"bytes 10-99/{len(held)}"
    cached = fetch(client, url, headers={**world.auth("tech1"), "If-None-Match": f'"{sha(held)}"'})
    assert cached.status_code == 304


def test_a_signed_link_works_without_login_until_it_expires(client, world, app, held):
    link = client.get(
        f"/api/media/{sha(held)}/link?variant=original&expires_in=600",
        headers=world.auth("dealer1"),
    )
    assert link.status_code == 200
    url = link.get_json()["url"]
    assert url.startswith("http://localhost/api/media/")
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.data == held
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    from server.media import access

    token, _ = access.sign(app.config["SECRET_KEY"], sha(held), "original", -1)
    expired = fetch(client, f"/api/media/{sha(held)}/original?token={token}")
    assert expired.status_code == 403
    assert expired.get_json()["type"] == "/problems/link-expired"


def test_a_tampered_or_reused_link_is_refused(client, world, app, held):
    from server.media import access

    token, _ = access.sign(app.config["SECRET_KEY"], sha(held), "thumb", 600)
    # A thumb link does not open the original.
    assert fetch(client, f"/api/media/{sha(held)}/original?token={token}").status_code == 403
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert fetch(client, f"/api/media/{sha(held)}/thumb?token={forged}").status_code == 403
    other, _ = access.sign("another-secret", sha(held), "thumb", 600)
    assert fetch(client, f"/api/media/{sha(held)}/thumb?token={other}").status_code == 403


def test_missing_lists_referenced_media_the_server_lacks(client, world, app):
    import uuid

    from server.desk.models import Unit
    from server.extensions import db

    data = jpeg(seed=4)
    photo_id = add_photo(app, world, sha(data))
    with app.app_context():
        unit = db.session.get(Unit, uuid.UUID(world.ids["unit1"]))
        unit.proof_of_purchase_sha256 = sha(b"invoice scan")
        db.session.commit()

    items = client.get("/api/media/missing", headers=world.auth("tech1")).get_json()["items"]
    assert {(i["kind"], i["sha256"]) for i in items} == {
        ("photo", sha(data)),
        ("proof_of_purchase", sha(b"invoice scan")),
    }
    assert next(i for i in items if i["kind"] == "photo")["record_id"] == photo_id
    per_job = client.get(
        f"/api/media/missing?job_id={world.ids['job1']}", headers=world.auth("tech1")
    ).get_json()["items"]
    assert len(per_job) == 2
    assert client.get("/api/media/missing", headers=world.auth("tech2")).get_json()["items"] == []
    other_job = client.get(
        f"/api/media/missing?job_id={world.ids['job2']}", headers=world.auth("tech1")
    ).get_json()["items"]
    assert other_job == []

    put(client, world, data)
    items = client.get("/api/media/missing", headers=world.auth("tech1")).get_json()["items"]
    assert [i["kind"] for i in items] == ["proof_of_purchase"]


def test_the_api_description_lists_the_media_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert "/api/media/{sha256}" in paths
    assert {"put", "head"} <= set(paths["/api/media/{sha256}"])
    assert "patch" in paths["/api/media/{sha256}/upload"]
