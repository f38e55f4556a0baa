"""Chunked uploads with tus 1.0 core semantics: checked offsets, hash at the end."""

from datetime import timedelta

from tests.media.conftest import stored_files
from tests.media.images import encode, photo, sha

CHUNK = 64 * 1024


def _big_jpeg(seed=0) -> bytes:
    data = encode(photo((1600, 1200), seed), "JPEG", quality=95)
    assert len(data) > 3 * CHUNK
    return data


def _tus(world, who="tech1", **extra):
    return {**world.auth(who), "Tus-Resumable": "1.0.0", **extra}


def _create(client, world, address, length):
    return client.post(
        f"/api/media/{address}/upload", headers=_tus(world, **{"Upload-Length": str(length)})
    )


def _patch(client, world, address, offset, chunk):
    return client.patch(
        f"/api/media/{address}/upload",
        data=chunk,
        headers=_tus(
            world,
            **{"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
        ),
    )


def _offset(client, world, address):
    response = client.head(f"/api/media/{address}/upload", headers=_tus(world))
    return response.status_code, int(response.headers.get("Upload-Offset", -1))


def test_a_file_sent_in_chunks_is_verified_and_stored(client, world, media_root):
    data = _big_jpeg()
    created = _create(client, world, sha(data), len(data))
    assert created.status_code == 201
    assert created.headers["Upload-Offset"] == "0"
    assert created.headers["Tus-Resumable"] == "1.0.0"
    offset = 0
    while offset < len(data):
        response = _patch(client, world, sha(data), offset, data[offset : offset + CHUNK])
        assert response.status_code == 204
        offset = int(response.headers["Upload-Offset"])
        if offset < len(data):
            assert _offset(client, world, sha(data)) == (200, offset)
    assert response.headers["X-Media-Status"] == "ready"
    head = client.head(f"/api/media/{sha(data)}", headers=world.auth("tech1"))
    assert head.status_code == 200
    assert not list((media_root / "partial").glob("*"))
    # Creating it again just says it is complete.
    again = _create(client, world, sha(data), len(data))
    assert again.status_code == 200
    assert again.headers["Upload-Offset"] == str(len(data))


def test_an_interrupted_upload_resumes_from_the_servers_offset(client, world):
    data = _big_jpeg()
    _create(client, world, sha(data), len(data))
    _patch(client, world, sha(data), 0, data[:CHUNK])
    resumed = _create(client, world, sha(data), len(data))
    assert resumed.status_code == 200
    assert resumed.headers["Upload-Offset"] == str(CHUNK)
    final = _patch(client, world, sha(data), CHUNK, data[CHUNK:])
    assert final.status_code == 204
    assert final.headers["Upload-Offset"] == str(len(data))


def test_an_overlapping_chunk_gets_409_with_the_real_offset(client, world):
    data = _big_jpeg()
    _create(client, world, sha(data), len(data))
    _patch(client, world, sha(data), 0, data[:CHUNK])
    overlap = _patch(client, world, sha(data), CHUNK // 2, data[CHUNK // 2 : 2 * CHUNK])
    assert overlap.status_code == 409
    assert overlap.get_json()["type"] == "/problems/offset-mismatch"
    assert overlap.headers["Upload-Offset"] == str(CHUNK)
    gap = _patch(client, world, sha(data), 2 * CHUNK, data[2 * CHUNK : 3 * CHUNK])
    assert gap.status_code == 409
    assert _offset(client, world, sha(data)) == (200, CHUNK)


def test_a_chunk_past_the_declared_length_is_refused_and_undone(client, world, media_root):
    data = _big_jpeg()
    _create(client, world, sha(data), len(data))
    _patch(client, world, sha(data), 0, data[:CHUNK])
    too_long = _patch(client, world, sha(data), CHUNK, data[CHUNK:] + b"extra")
    assert too_long.status_code == 413
    assert _offset(client, world, sha(data)) == (200, CHUNK)
    assert (media_root / "partial" / f"{sha(data)}.part").stat().st_size == CHUNK


def test_a_hash_mismatch_after_the_last_chunk_keeps_nothing(client, world, media_root):
    data, other = _big_jpeg(1), _big_jpeg(2)
    address = sha(other)
    _create(client, world, address, len(data))
    _patch(client, world, address, 0, data[:CHUNK])
    last = _patch(client, world, address, CHUNK, data[CHUNK:])
    assert last.status_code == 422
    assert last.get_json()["type"] == "/problems/hash-mismatch"
    assert stored_files(media_root) == []
    assert _offset(client, world, address)[0] == 404
    assert client.head(f"/api/media/{address}", headers=world.auth("tech1")).status_code == 404


def test_a_chunked_non_image_is_refused_at_the_end(client, world, media_root):
    data = b"%PDF-1.7\n" + b"0" * 100_000
    _create(client, world, sha(data), len(data))
    last = _patch(client, world, sha(data), 0, data)
    assert last.status_code == 415
    assert stored_files(media_root) == []


def test_tus_rules_version_content_type_offset_and_length(client, world, app):
    data = _big_jpeg()
    address = sha(data)
    no_version = client.post(
        f"/api/media/{address}/upload", headers={**world.auth("tech1"), "Upload-Length": "10"}
    )
    assert no_version.status_code == 412
    assert no_version.headers["Tus-Version"] == "1.0.0"
    assert _create(client, world, address, 0).status_code == 422
    assert _create(client, world, address, 26 * 1024 * 1024).status_code == 413
    assert client.post(f"/api/media/{address}/upload", headers=_tus(world)).status_code == 400
    _create(client, world, address, len(data))
    assert _create(client, world, address, len(data) + 1).status_code == 409
    wrong_type = client.patch(
        f"/api/media/{address}/upload",
        data=data[:10],
        headers=_tus(world, **{"Upload-Offset": "0", "Content-Type": "image/jpeg"}),
    )
    assert wrong_type.status_code == 415
    no_offset = client.patch(
        f"/api/media/{address}/upload",
        data=data[:10],
        headers=_tus(world, **{"Content-Type": "application/offset+octet-stream"}),
    )
    assert no_offset.status_code == 400
    dealer = client.post(f"/api/media/{address}/upload", headers=_tus(world, "dealer1"))
    assert dealer.status_code == 403


def test_a_chunk_being_written_elsewhere_gets_409_busy(client, world, app):
    from server.common.models import utcnow
    from server.extensions import db
    from server.media.models import MediaUpload

    data = _big_jpeg()
    _create(client, world, sha(data), len(data))
    with app.app_context():
        db.session.get(MediaUpload, sha(data)).locked_until = utcnow() + timedelta(minutes=1)
        db.session.commit()
    busy = _patch(client, world, sha(data), 0, data[:CHUNK])
    assert busy.status_code == 409
    assert busy.get_json()["type"] == "/problems/upload-busy"
    with app.app_context():
        db.session.get(MediaUpload, sha(data)).locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert _patch(client, world, sha(data), 0, data[:CHUNK]).status_code == 204


def test_an_abandoned_upload_leaves_nothing(client, world, media_root):
    data = _big_jpeg()
    _create(client, world, sha(data), len(data))
    _patch(client, world, sha(data), 0, data[:CHUNK])
    gone = client.delete(f"/api/media/{sha(data)}/upload", headers=_tus(world))
    assert gone.status_code == 204
    assert stored_files(media_root) == []
    assert _offset(client, world, sha(data))[0] == 404


def test_the_sweep_drops_abandoned_uploads_and_stray_staging_files(client, world, app, media_root):
    import os
    import time

    from server.common.models import utcnow
    from server.extensions import db
    from server.media import uploads
    from server.media.models import MediaUpload
    from server.media.storage import get_storage

    old, fresh = _big_jpeg(1), _big_jpeg(2)
    for data in (old, fresh):
        _create(client, world, sha(data), len(data))
        _patch(client, world, sha(data), 0, data[:CHUNK])
    with app.app_context():
        db.session.get(MediaUpload, sha(old)).updated_at = utcnow() - timedelta(days=8)
        db.session.commit()
        stray = get_storage().new_staging_file()
        os.utime(stray, (time.time() - 9 * 86400,) * 2)
        assert uploads.sweep(timedelta(days=7)) == 1
    assert not stray.exists()
    assert _offset(client, world, sha(old))[0] == 404
    assert not (media_root / "partial" / f"{sha(old)}.part").exists()
    assert _offset(client, world, sha(fresh)) == (200, CHUNK)
