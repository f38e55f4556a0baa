"""Delivery test fixtures: short retry schedules, a receiver, a worker in a thread."""

import base64
import os
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from server.delivery.models import DeliveryAttempt, OutboxEvent
from server.delivery.outbox import enqueue
from server.delivery.worker import Worker
from server.extensions import db
from tests.delivery.receiver import Receiver

# Fast enough for the suite: the same code paths as the 3-day default, in fractions of a second.
FAST = {
    "WEBHOOK_RETRY_SCHEDULE": "0.2,0.2,0.2",
    "WEBHOOK_TIMEOUT_SECONDS": 2.0,
    "WEBHOOK_LEASE_SECONDS": 5.0,
    "WEBHOOK_ALLOW_PRIVATE": True,  # the receiver is on 127.0.0.1
    "WEBHOOK_ROTATION_GRACE_SECONDS": 3600.0,
    "WORKER_POLL_SECONDS": 0.05,
}


def new_secret() -> str:
    """A Standard Webhooks secret made here, not by the server."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


@pytest.fixture(autouse=True)
def fast_delivery(app):
    saved = {name: app.config.get(name) for name in FAST}
    app.config.update(FAST)
    yield app.config
    app.config.update(saved)


@pytest.fixture
def receiver():
    secret = new_secret()
    receiver = Receiver({"current": secret}).start()
    receiver.secret = secret
    yield receiver
    receiver.hold = None
    receiver.stop()
    assert receiver.mismatches == [], "svix and the spec disagreed on a signature"


@pytest.fixture
def hooked(client, world, receiver):
    """Dealer 1 (org1) receives its events at the receiver."""
    response = client.put(
        f"/api/dealers/{world.ids['org1']}/webhook",
        json={"url": receiver.url, "secret": receiver.secret},
        headers=world.auth("dealer1"),
    )
    assert response.status_code == 200, response.get_json()
    return receiver


def add_events(app, world, count=1, dealer="org1", event_type="evidence.completed") -> list[str]:
    """Events as the evidence feature writes them: enqueue, then the caller commits."""
    ids = []
    with app.app_context():
        for _ in range(count):
            package = str(uuid.uuid4())
            event = enqueue(
                uuid.UUID(world.ids[dealer]),
                event_type,
                {"type": event_type, "data": {"package_id": package, "name": "张伟"}},
                key=f"evidence:{package}",
            )
            ids.append(str(event.id))
        db.session.commit()
        db.session.remove()
    return ids


def event(app, event_id: str) -> OutboxEvent:
    with app.app_context():
        row = db.session.get(OutboxEvent, uuid.UUID(event_id))
        db.session.expunge_all()
        return row


def attempts(app, event_id: str) -> list[DeliveryAttempt]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(DeliveryAttempt)
            .where(DeliveryAttempt.event_id == uuid.UUID(event_id))
            .order_by(DeliveryAttempt.number)
        ).all()
        db.session.expunge_all()
        return rows


def wait_until(predicate, timeout: float = 15, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@contextmanager
def running_worker(app, count: int = 1, media: bool = True):
    """`count` workers in threads of this process (each its own database connection)."""
    stop = threading.Event()
    workers = [Worker(app, media=media) for _ in range(count)]
    threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        yield workers
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        assert not any(t.is_alive() for t in threads), "a worker did not stop"


def drain(app) -> None:
    """Run one worker until nothing is due (what is due now; not future retries)."""
    Worker(app).run(threading.Event(), once=True)
