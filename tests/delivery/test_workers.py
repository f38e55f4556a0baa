"""Several workers at once, and a worker killed mid-delivery."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.delivery.models import OutboxEvent
from server.extensions import db
from tests.conftest import database_url, is_postgres
from tests.delivery.conftest import add_events, attempts, event, running_worker, wait_until

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
