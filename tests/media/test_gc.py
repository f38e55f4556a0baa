"""Garbage collection: orphans of failed commits and superseded derived files go;
an upload in flight and anything a media row references stay."""

import os
import time
from datetime import timedelta

import pytest

from tests.media.conftest import add_photo, fetch, put, stored_files
from tests.media.images import encode, jpeg, photo, sha

DAY = 24 * 3600


def _age(root, seconds=2 * DAY):
    """Make every stored file look `seconds` old (the grace period counts by mtime)."""
    old = time.time() - seconds
    for path in stored_files(root):
        os.utime(path, (old, old))


def _blob(root, address):
    return root / "blobs" / address[:2] / address[2:4] / address


def _store_then_fail_commit(app, world, data):
    """accept_file stores the blob, then the transaction that would record it fails."""
    import uuid

    from server.auth.models import User
    from server.dealers.policy import default_policy
    from server.extensions import db
    from server.media import service
    from server.media.models import MediaObject
    from server.media.storage import get_storage

    with app.app_context():
        tmp = get_storage().new_staging_file()
        tmp.write_bytes(data)
        user = db.session.get(User, uuid.UUID(world.ids["tech1"]))
        media, created = service.accept_file(
            sha(data), tmp, user, default_policy()["media"], None, None
        )
        assert created and media.sha256 == sha(data)
        db.session.rollback()  # the commit never happens (a lost connection, a crash)
        assert db.session.get(MediaObject, sha(data)) is None


def _sweep(app, **grace):
    from server.media import gc

    with app.app_context():
        return gc.sweep_orphans(timedelta(**grace) if grace else gc.DEFAULT_GRACE)


def test_a_blob_whose_commit_failed_is_swept_after_the_grace_period(app, world, media_root):
    data = jpeg(seed=3)
    _store_then_fail_commit(app, world, data)
    assert _blob(media_root, sha(data)).is_file()
    # Fresh: it could be an upload whose row is about to commit; it stays.
    counts = _sweep(app)
    assert counts["kept_recent"] == 1 and counts["deleted"] == 0
    assert _blob(media_root, sha(data)).is_file()
    _age(media_root)
    assert _sweep(app)["deleted"] == 1
    assert not _blob(media_root, sha(data)).exists()
    assert not list((media_root / "trash").iterdir())


def test_referenced_files_are_never_removed(client, world, app, media_root):
    data = jpeg(seed=4)
    body = put(client, world, data).get_json()
    add_photo(app, world, sha(data))
    orphan = jpeg(seed=5)
    _store_then_fail_commit(app, world, orphan)
    before = {p.name for p in stored_files(media_root)}
    assert {sha(data), body["display_sha256"], body["thumb_sha256"]} <= before
    _age(media_root)
    counts = _sweep(app)
    assert counts["deleted"] == 1
    assert {p.name for p in stored_files(media_root)} == before - {sha(orphan)}
    for variant in ("original", "display", "thumb"):
        response = fetch(client, f"/api/media/{sha(data)}/{variant}", headers=world.auth("tech1"))
        assert response.status_code == 200


def test_a_concurrent_put_of_the_same_bytes_during_the_sweep_is_kept(app, world, media_root):
    """The interleaving the grace period alone cannot exclude: a PUT of the same bytes
    lands between the sweep's checks and its delete. The put must survive."""
    from server.media.storage import get_storage

    data = jpeg(seed=6)
    _store_then_fail_commit(app, world, data)
    _age(media_root)
    with app.app_context():
        store = get_storage()
        calls = []

        def unreferenced():
            if not calls:  # between the first check and the rename: the PUT lands
                store.put_bytes(sha(data), data)
            calls.append(1)
            return True

        assert store.discard(sha(data), time.time() - DAY, unreferenced) is False
    assert _blob(media_root, sha(data)).read_bytes() == data
    assert not list((media_root / "trash").iterdir())


def test_the_grace_period_has_a_floor(app):
    with pytest.raises(ValueError):
        _sweep(app, minutes=1)


def test_a_discard_interrupted_by_a_crash_is_recovered(client, world, app, media_root):
    from server.media.storage import get_storage

    data = jpeg(seed=7)
    put(client, world, data)
    blob = _blob(media_root, sha(data))
    (media_root / "trash").mkdir()
    os.rename(blob, media_root / "trash" / f"{sha(data)}.crashed")  # set aside, then died
    (media_root / "trash" / f"{'0' * 64}.crashed").write_bytes(b"unreferenced")
    with app.app_context():
        # Too fresh: a discard may still be running.
        assert get_storage().recover_trash(lambda s: True) == 0
    with app.app_context():
        restored = get_storage().recover_trash(lambda s: s == sha(data), min_age=0)
    assert restored == 1
    assert blob.read_bytes() == data
    assert not list((media_root / "trash").iterdir())


def test_a_reprocess_drops_old_derived_files_only_after_recording_new_ones(
    client, world, app, media_root
):
    from server.dealers.policy import default_policy
    from server.extensions import db
    from server.media import processing
    from server.media.storage import get_storage

    data = encode(photo((3000, 2000)), "JPEG", quality=90)
    first = put(client, world, data).get_json()
    old = {first["display_sha256"], first["thumb_sha256"]}
    add_photo(app, world, sha(data), purpose="gauge")
    media_policy = default_policy()["media"]

    # A re-process that fails: the old files are still what the row records, so they stay.
    os.rename(_blob(media_root, sha(data)), media_root / "aside")
    with app.app_context():
        assert processing.photo_recorded(sha(data), "gauge", media_policy)
        db.session.commit()
        assert processing.process(sha(data)) == "pending"
    assert all(_blob(media_root, h).is_file() for h in old)
    status = client.get(f"/api/media/{sha(data)}/status", headers=world.auth("tech1"))
    assert {status.get_json()["display_sha256"], status.get_json()["thumb_sha256"]} == old

    # It succeeds: new files recorded, then the old ones gone.
    os.rename(media_root / "aside", _blob(media_root, sha(data)))
    with app.app_context():
        assert processing.process(sha(data)) == "ready"
        store = get_storage()
    body = client.get(f"/api/media/{sha(data)}/status", headers=world.auth("tech1")).get_json()
    new = {body["display_sha256"], body["thumb_sha256"]}
    assert body["display_width"] == 2048 and new.isdisjoint(old)
    assert all(_blob(media_root, h).is_file() for h in new)
    assert not any(_blob(media_root, h).exists() for h in old)
    with app.app_context():
        assert all(store.exists(h) for h in new)


def test_the_cli_sweeps_and_refuses_a_grace_below_the_floor(app, world, media_root):
    data = jpeg(seed=8)
    _store_then_fail_commit(app, world, data)
    _age(media_root)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["media", "sweep-orphans", "--hours", "0.1"])
    assert refused.exit_code == 2 and "at least" in refused.output
    assert _blob(media_root, sha(data)).is_file()
    result = runner.invoke(args=["media", "sweep-orphans"])
    assert result.exit_code == 0, result.output
    assert "deleted 1" in result.output
    assert not _blob(media_root, sha(data)).exists()


def test_a_superseded_file_stored_again_since_the_claim_is_kept(client, world, app, media_root):
    """Old derived bytes put again by someone else after the re-process claimed the
    media (a new file at the same address): drop_superseded leaves it to the sweep."""
    from server.media import gc
    from server.media.storage import get_storage

    orphan = jpeg(seed=9)
    with app.app_context():
        store = get_storage()
        store.put_bytes(sha(orphan), orphan)
        seen = store.identity(sha(orphan))
        store.put_bytes(sha(orphan), orphan)  # the concurrent put
        assert store.identity(sha(orphan)) != seen
        assert gc.drop_superseded({sha(orphan): seen}) == 0
        assert store.exists(sha(orphan))
        assert gc.drop_superseded({sha(orphan): store.identity(sha(orphan))}) == 1
        assert not store.exists(sha(orphan))
