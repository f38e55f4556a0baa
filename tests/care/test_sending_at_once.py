"""Two workers sending customer messages at once send each exactly once (PostgreSQL)."""

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest

from server.care import messages
from server.desk.models import Unit
from server.extensions import db
from tests.conftest import is_postgres


class Slow:
    def __init__(self, log: list):
        self.log = log

    def send(self, message) -> None:
        time.sleep(0.01)  # each sender is busy a while with every message
        self.log.append(message.key)


@pytest.mark.skipif(not is_postgres(), reason="SQLite runs one worker")
def test_two_workers_send_every_message_exactly_once(app, world):
    with app.app_context():
        customer = db.session.get(Unit, uuid.UUID(world.ids["unit1"])).customer
        keys = [f"test:{n}" for n in range(40)]
        for key in keys:
            messages.enqueue(key, "filter_reminder", customer, key)
        db.session.commit()
    sent: list = []
    tried = []

    def work():
        with app.app_context():
            tried.append(messages.send_due(Slow(sent), datetime.now(UTC), limit=1000))
            db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(sent) == sorted(keys)  # every one, none twice
    assert sum(tried) == len(keys) and all(t > 0 for t in tried), tried
