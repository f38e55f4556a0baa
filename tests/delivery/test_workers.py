"""Several workers, a killed worker, and the media work the worker took over from requests."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from server import config
from server.delivery.models import OutboxEvent
from server.extensions import db
from server.media import processing
from server.media.models import MediaObject
from tests.conftest import database_url, is_postgres
from tests.delivery.conftest import add_events, attempts, event, running_worker, wait_until
from tests.media.images import jpeg, sha

ROOT = Path(__file__).resolve().parents[2]


def delivered(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).where(OutboxEvent.status == "delivered")
        )


@pytest.mark.skipif(not is_postgres(), reason="SQLite runs one worker")
def test_two_workers_at_once_deliver_every_event_exactly_once(app, world, hooked):
    hooked.delay = 0.01  # each worker is busy a while with every request it makes
    ids = add_events(app, world, count=60)
    with running_worker(app, count=2, media=False) as workers:
        wait_until(lambda: delivered(app) == len(ids), timeout=60, what="every event delivered")
        time.sleep(0.3)  # a double delivery, were there one, would arrive now
    assert sorted(hooked.ids()) == sorted(ids)  # every event, none twice
    assert all(len(attempts(app, i)) == 1 for i in ids)
    assert all(w.attempts > 0 for w in workers), [w.attempts for w in workers]
    assert sum(w.attempts for w in workers) == len(ids)


def _worker_process(env: dict, log: Path) -> subprocess.Popen:
    flask = Path(sys.executable).with_name("flask")
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [str(flask), "--app", "wsgi", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_a_worker_killed_mid_delivery_loses_its_lease_and_the_next_one_delivers(
    app, world, hooked, tmp_path
):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "INSTANCE_PATH": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SECRET_KEY": "test-secret",
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "WEBHOOK_RETRY_SCHEDULE": "0.2,0.2",
        "WEBHOOK_TIMEOUT_SECONDS": "1.5",
        "WEBHOOK_LEASE_SECONDS": "2",
        "WORKER_POLL_SECONDS": "0.1",
    }
    log = tmp_path / "worker.log"
    hold = hooked.hold = threading.Event()  # the receiver keeps the request open
    (event_id,) = add_events(app, world)
    first = _worker_process(env, log)
    try:
        hooked.wait_for(1, timeout=30)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    hooked.hold = None
    hold.set()  # the answer goes to a closed connection
    leased = event(app, event_id)
    assert leased.status == "pending" and leased.claimed_by is not None  # the dead one's lease

    second = _worker_process(env, log)
    try:
        wait_until(
            lambda: event(app, event_id).status == "delivered",
            timeout=30,
            what=f"delivery by the second worker ({log.read_text()[-2000:]})",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0  # SIGTERM: finishes its turn and exits cleanly
    assert hooked.ids() == [event_id, event_id]  # the same webhook-id: one logical event
    cut, done = attempts(app, event_id)
    assert cut.finished_at is None and cut.status_code is None  # the killed attempt
    assert done.status_code == 200
    assert all(r.verified_by == {"current"} for r in hooked.received)


def test_media_processing_is_the_workers_by_default(monkeypatch):
    monkeypatch.delenv("MEDIA_PROCESSING", raising=False)
    assert config.from_environment()["MEDIA_PROCESSING"] == "worker"


@pytest.fixture
def worker_mode(app):
    saved = app.config["MEDIA_PROCESSING"]
    app.config["MEDIA_PROCESSING"] = "worker"
    yield
    app.config["MEDIA_PROCESSING"] = saved


def test_media_pending_after_an_upload_is_derived_by_the_worker(app, client, world, worker_mode):
    data = jpeg((1200, 900), seed=21)
    response = client.put(
        f"/api/media/{sha(data)}",
        data=data,
        headers={**world.auth("tech1"), "Content-Type": "image/jpeg"},
    )
    assert response.status_code == 201 and response.get_json()["status"] == "pending"
    processing.wait_for_background()  # nothing was started in this process
    with app.app_context():
        assert db.session.get(MediaObject, sha(data)).status == "pending"

    def ready():
        with app.app_context():
            return db.session.get(MediaObject, sha(data)).status == "ready"

    with running_worker(app):
        wait_until(ready, timeout=30, what="the worker to derive the photo")
    with app.app_context():
        assert db.session.get(MediaObject, sha(data)).display_width == 1200
