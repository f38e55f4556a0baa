"""Processing off the request: claimed with a lease, safe with several processes."""

from datetime import timedelta

import pytest

from server.common.models import utcnow
from server.extensions import db
from server.media import processing
from server.media.models import MediaObject
from server.media.storage import LocalStorage
from tests.media.conftest import add_photo, fetch, put
from tests.media.images import jpeg, sha


def test_the_upload_answers_before_processing_and_status_follows(client, world, app, monkeypatch):
    import threading

    from server.media import imaging

    release = threading.Event()

    def slow_normalize(source, profile):
        assert release.wait(10), "the test never released processing"
        return imaging.normalize(source, profile)

    monkeypatch.setattr(processing, "normalize", slow_normalize)
    app.config["MEDIA_PROCESSING"] = "thread"
    data = jpeg((2400, 1800))
    response = put(client, world, data)
    # The request finished while processing was still blocked.
    assert response.status_code == 201
    assert response.get_json()["status"] in ("pending", "processing")
    status = client.get(f"/api/media/{sha(data)}/status", headers=world.auth("tech1"))
    assert status.get_json()["status"] in ("pending", "processing")
    release.set()
    processing.wait_for_background()
    status = client.get(f"/api/media/{sha(data)}/status", headers=world.auth("tech1"))
    assert status.get_json()["status"] == "ready"
    assert status.get_json()["display_width"] == 1600


@pytest.fixture
def no_processing(monkeypatch):
    # Simulates a process that died right after the upload committed.
    monkeypatch.setattr(processing, "schedule", lambda sha256, app=None: None)


def test_only_one_worker_claims_a_media_and_an_expired_lease_is_taken_again(
    client, world, app, no_processing
):
    data = jpeg()
    assert put(client, world, data).get_json()["status"] == "pending"
    with app.app_context():
        assert processing.claim(sha(data)) is True
        assert processing.claim(sha(data)) is False
        row = db.session.get(MediaObject, sha(data))
        row.claimed_at = utcnow() - processing.LEASE - timedelta(seconds=1)
        db.session.commit()
        assert processing.claim(sha(data)) is True


def test_the_sweep_finishes_what_a_dead_process_left(client, world, app, no_processing):
    data = jpeg()
    put(client, world, data)
    with app.app_context():
        assert processing.process_pending() == 1
        assert db.session.get(MediaObject, sha(data)).status == "ready"
        assert processing.process_pending() == 0


def test_a_failure_is_retried_then_reported(client, world, app, no_processing, monkeypatch):
    data = jpeg()
    put(client, world, data)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(processing, "normalize", broken)
    with app.app_context():
        for _ in range(processing.MAX_ATTEMPTS):
            processing.process(sha(data))
        row = db.session.get(MediaObject, sha(data))
        assert row.status == "failed"
        assert row.error == "OSError"
    add_photo(app, world, sha(data))
    display = client.get(f"/api/media/{sha(data)}/display", headers=world.auth("tech1"))
    assert display.status_code == 409
    assert display.get_json()["type"] == "/problems/media-failed"
    # The original is still served: the evidence is intact.
    original = fetch(client, f"/api/media/{sha(data)}/original", headers=world.auth("tech1"))
    assert original.status_code == 200


def test_storage_refuses_any_name_but_a_hash(tmp_path):
    store = LocalStorage(tmp_path)
    for name in ("../../etc/passwd", "a" * 63, "A" * 64, "/abs", "a" * 64 + "\n"):
        with pytest.raises(ValueError):
            store.path(name)
    source = store.new_staging_file()
    source.write_bytes(b"abc")
    store.put(sha(b"abc"), source)
    assert store.exists(sha(b"abc"))
    assert not source.exists()
    assert list(store.staging.iterdir()) == []


def test_concurrent_claims_and_uploads_of_the_same_bytes_agree(client, world, app):
    """Threads stand in for gunicorn workers: one claim wins, every PUT succeeds."""
    import threading

    app.config["MEDIA_PROCESSING"] = "off"  # neither inline nor a thread: left pending
    data = jpeg(seed=5)
    statuses = []

    def upload():
        statuses.append(put(app.test_client(), world, data).status_code)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 4 and set(statuses) <= {200, 201}
    assert statuses.count(201) == 1

    wins = []

    def claim():
        with app.app_context():
            wins.append(processing.claim(sha(data)))
            db.session.remove()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1
