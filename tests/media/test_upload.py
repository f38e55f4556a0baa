"""Whole-file upload by content address: HEAD, PUT, hash check, limits, roles."""

import pytest

from tests.media.conftest import put, set_media_policy, stored_files
from tests.media.images import jpeg, sha


def test_head_says_whether_the_server_holds_the_bytes(client, world):
    data = jpeg()
    head = client.head(f"/api/media/{sha(data)}", headers=world.auth("tech1"))
    assert head.status_code == 404

    assert put(client, world, data).status_code == 201

    head = client.head(f"/api/media/{sha(data)}", headers=world.auth("tech1"))
    assert head.status_code == 200
    assert head.headers["X-Media-Status"] == "ready"
    assert head.headers["X-Media-Bytes"] == str(len(data))


def test_put_is_idempotent(client, world, media_root):
    data = jpeg()
    first = put(client, world, data)
    assert first.status_code == 201
    body = first.get_json()
    assert body["sha256"] == sha(data)
    assert body["mime"] == "image/jpeg"
    assert (body["width"], body["height"]) == (800, 600)
    files = sorted(stored_files(media_root))

    again = put(client, world, data)
    assert again.status_code == 200
    assert again.get_json()["sha256"] == sha(data)
    assert sorted(stored_files(media_root)) == files


def test_bytes_that_do_not_match_the_address_are_refused_and_not_kept(client, world, media_root):
    data, other = jpeg(seed=1), jpeg(seed=2)
    response = put(client, world, data, address=sha(other))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "/problems/hash-mismatch"
    assert stored_files(media_root) == []
    assert client.head(f"/api/media/{sha(other)}", headers=world.auth("tech1")).status_code == 404


def test_zero_bytes_are_refused(client, world, media_root):
    response = put(client, world, b"")
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/empty-media"
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "address",
    [
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.jpg",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85%00",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855%0A",
    ],
)
def test_path_tricks_in_the_hash_are_refused(client, world, media_root, address):
    response = client.put(f"/api/media/{address}", data=b"x", headers=world.auth("tech1"))
    assert response.status_code in (400, 404)
    assert response.mimetype == "application/problem+json"
    head = client.head(f"/api/media/{address}", headers=world.auth("tech1"))
    assert head.status_code in (400, 404)
    assert stored_files(media_root) == []


def test_dot_dot_segments_never_reach_the_media_view(client, world, media_root):
    response = client.put("/api/media/../../secret", data=b"x", headers=world.auth("tech1"))
    assert response.status_code in (400, 404, 405)
    assert stored_files(media_root) == []


def test_upload_needs_an_authenticated_field_or_office_user(client, world, media_root):
    data = jpeg()
    assert client.put(f"/api/media/{sha(data)}", data=data).status_code == 401
    assert put(client, world, data, who="dealer1").status_code == 403
    assert client.head(f"/api/media/{sha(data)}").status_code == 401
    for who in ("dispatcher", "admin"):
        assert put(client, world, data, who=who).status_code in (200, 201)


def test_a_body_over_the_dealers_limit_is_refused(client, world, app, media_root):
    set_media_policy(app, world, max_bytes=10_000)
    data = jpeg()
    assert len(data) > 10_000
    response = put(client, world, data)
    assert response.status_code == 413
    assert response.get_json()["type"] == "/problems/too-large"
    assert stored_files(media_root) == []
    # An office user has no single dealer yet: the default policy (25 MB) applies.
    assert put(client, world, data, who="dispatcher").status_code == 201


def test_a_streamed_body_without_length_is_still_limited(app, world, media_root):
    import io

    from server.auth.models import User
    from server.errors import status_of
    from server.exceptions import TooLarge
    from server.extensions import db
    from server.media import service

    set_media_policy(app, world, max_bytes=5000)
    data = jpeg()
    with app.app_context():
        user = db.session.get(User, __import__("uuid").UUID(world.ids["tech1"]))
        with pytest.raises(TooLarge) as raised:
            service.put_media(sha(data), io.BytesIO(data), None, user)
        assert status_of(raised.value) == 413
    assert stored_files(media_root) == []


def test_status_reports_processing(client, world):
    data = jpeg()
    put(client, world, data)
    status = client.get(f"/api/media/{sha(data)}/status", headers=world.auth("tech1"))
    assert status.status_code == 200
    body = status.get_json()
    assert body["status"] == "ready"
    assert body["display_width"] == 800
    assert body["thumb_sha256"]
    missing = client.get(f"/api/media/{sha(b'nothing')}/status", headers=world.auth("tech1"))
    assert missing.status_code == 404


def test_a_technician_working_for_two_dealers_gets_the_strictest_limits(
    client, world, app, media_root
):
    import uuid

    from server.desk.models import Job
    from server.extensions import db

    with app.app_context():
        job2 = db.session.get(Job, uuid.UUID(world.ids["job2"]))
        job2.technician_id = uuid.UUID(world.ids["tech1"])
        db.session.commit()
    set_media_policy(app, world, job="job2", max_bytes=10_000)
    data = jpeg()
    assert put(client, world, data).status_code == 413
    set_media_policy(app, world, job="job2", max_bytes=25 * 1024 * 1024)
    assert put(client, world, data).status_code == 201


def test_merge_strictest_takes_lowest_limits_and_gps_only_if_all_keep_it():
    from server.dealers.policy import load_policy
    from server.media.service import merge_strictest

    a = load_policy({"media": {"max_bytes": 100, "keep_gps": True}})["media"]
    b = load_policy({"media": {"max_pixels": 10, "keep_gps": False}})["media"]
    merged = merge_strictest([a, b])
    assert (merged["max_bytes"], merged["max_pixels"], merged["keep_gps"]) == (100, 10, False)
