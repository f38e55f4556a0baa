"""A media's status and its chunked upload follow the rules of its bytes: readers in
scope, plus the uploader while no record references the bytes, plus admins; anyone else
gets 404, as if there were nothing."""

import pytest

from tests.helpers import assert_problem
from tests.media.conftest import add_photo, put
from tests.media.images import encode, jpeg, photo, sha

EVERYONE = ["admin", "dispatcher", "tech1", "tech2", "dealer1", "dealer2"]


def status(client, world, address, who):
    return client.get(f"/api/media/{address}/status", headers=world.auth(who))


def seen_by(client, world, address) -> set[str]:
    found = set()
    for who in EVERYONE:
        response = status(client, world, address, who)
        if response.status_code == 200:
            assert response.get_json()["sha256"] == address
            found.add(who)
        else:
            assert_problem(response, 404)
    return found


def test_status_of_unreferenced_bytes_is_the_uploaders_and_admins(client, world):
    data = jpeg(seed=31)
    assert put(client, world, data, who="tech1").status_code == 201
    assert seen_by(client, world, sha(data)) == {"tech1", "admin"}


def test_once_a_record_references_the_bytes_its_readers_see_the_status(client, world, app):
    data = jpeg(seed=32)
    put(client, world, data, who="tech1")
    add_photo(app, world, sha(data), job="job1")
    assert seen_by(client, world, sha(data)) == {"tech1", "admin", "dispatcher", "dealer1"}


def test_an_uploader_out_of_the_records_scope_no_longer_sees_it(client, world, app):
    data = jpeg(seed=33)
    put(client, world, data, who="tech2")
    add_photo(app, world, sha(data), job="job1")  # tech1's job, not tech2's
    assert "tech2" not in seen_by(client, world, sha(data))


def _tus(world, who, **extra):
    return {**world.auth(who), "Tus-Resumable": "1.0.0", **extra}


def _upload(client, world, data, who="tech1"):
    return client.post(
        f"/api/media/{sha(data)}/upload",
        headers=_tus(world, who, **{"Upload-Length": str(len(data))}),
    )


def _head(client, world, data, who):
    return client.head(f"/api/media/{sha(data)}/upload", headers=_tus(world, who))


def _patch(client, world, data, who, offset=0, size=1000):
    return client.patch(
        f"/api/media/{sha(data)}/upload",
        data=data[offset : offset + size],
        headers=_tus(
            world,
            who,
            **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
        ),
    )


def _delete(client, world, data, who):
    return client.delete(f"/api/media/{sha(data)}/upload", headers=_tus(world, who))


@pytest.fixture
def upload(client, world):
    """tech1 has sent the first 1000 bytes of a chunked upload no record references."""
    data = encode(photo((900, 700), 34), "JPEG", quality=90)
    assert _upload(client, world, data).status_code == 201
    assert _patch(client, world, data, "tech1").status_code == 204
    return data


@pytest.mark.parametrize("who", ["tech2", "dispatcher"])
def test_nobody_else_sees_appends_to_or_deletes_anothers_upload(client, world, upload, who):
    assert _head(client, world, upload, who).status_code == 404
    assert_problem(_patch(client, world, upload, who, offset=1000), 404)
    assert_problem(_delete(client, world, upload, who), 404)
    # Creating it again does not hand over the other's upload.
    assert_problem(_upload(client, world, upload, who=who), 409)
    head = _head(client, world, upload, "tech1")
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "1000"


def test_the_uploader_manages_their_own_upload(client, world, upload):
    assert _patch(client, world, upload, "tech1", offset=1000).status_code == 204
    assert _head(client, world, upload, "tech1").headers["Upload-Offset"] == "2000"
    assert _delete(client, world, upload, "tech1").status_code == 204
    assert _head(client, world, upload, "tech1").status_code == 404


def test_an_admin_may_look_at_and_drop_anyones_upload(client, world, upload):
    head = _head(client, world, upload, "admin")
    assert head.status_code == 200 and head.headers["Upload-Offset"] == "1000"
    assert _delete(client, world, upload, "admin").status_code == 204
    assert _head(client, world, upload, "tech1").status_code == 404


def test_a_record_in_scope_opens_the_upload_to_its_readers(client, world, app, upload):
    add_photo(app, world, sha(upload), job="job1")
    assert _head(client, world, upload, "dispatcher").status_code == 200
    assert _head(client, world, upload, "tech1").status_code == 200
    # Referenced by a record out of tech2's scope: still nothing to tech2.
    assert _head(client, world, upload, "tech2").status_code == 404
    assert_problem(_delete(client, world, upload, "tech2"), 404)
