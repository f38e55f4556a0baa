"""The outbox: an event exists exactly when the change it reports committed, once per key."""

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest

from server.delivery import enqueue
from server.delivery.models import OutboxEvent
from server.exceptions import Invalid
from server.extensions import db
from tests.conftest import is_postgres
from tests.helpers import count


def test_an_event_is_written_in_the_callers_transaction_and_rolls_back_with_it(app, world):
    with app.app_context():
        dealer_id = uuid.UUID(world.ids["org1"])
        event = enqueue(dealer_id, "evidence.completed", {"n": 1}, key="evidence:rolled-back")
        assert event.id is not None  # flushed: the caller can put its id anywhere
        db.session.rollback()
        assert count(OutboxEvent) == 0

        enqueue(dealer_id, "evidence.completed", {"n": 2}, key="evidence:committed")
        db.session.commit()
        db.session.remove()
        (row,) = db.session.query(OutboxEvent).all()
        assert row.key == "evidence:committed" and row.status == "pending"


def test_the_same_key_twice_is_one_event_in_one_transaction_or_two(app, world):
    with app.app_context():
        dealer_id = uuid.UUID(world.ids["org1"])
        first = enqueue(dealer_id, "evidence.completed", {"v": 1}, key="evidence:p1")
        again = enqueue(dealer_id, "evidence.completed", {"v": 2}, key="evidence:p1")
        assert again.id == first.id
        db.session.commit()
        later = enqueue(dealer_id, "evidence.completed", {"v": 3}, key="evidence:p1")
        db.session.commit()
        assert later.id == first.id
        assert count(OutboxEvent) == 1
        assert json.loads(later.body) == {"v": 1}  # the first payload stands


def test_the_body_is_the_payload_as_json_with_times_and_ids_as_text(app, world):
    package = uuid.uuid4()
    at = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
    data = {"package_id": package, "at": at, "客户": "张伟"}
    payload = {"type": "evidence.completed", "data": data}
    with app.app_context():
        event = enqueue(uuid.UUID(world.ids["org1"]), "evidence.completed", payload, key="k")
        db.session.commit()
        assert json.loads(event.body) == {
            "type": "evidence.completed",
            "data": {"package_id": str(package), "at": "2026-11-27T08:30:00+00:00", "客户": "张伟"},
        }
        assert "张伟" in event.body  # UTF-8 as is, not \\u escapes


def test_a_bad_event_is_refused_before_anything_is_written(app, world):
    with app.app_context():
        dealer_id = uuid.UUID(world.ids["org1"])
        with pytest.raises(Invalid):
            enqueue(dealer_id, "", {}, key="k")
        with pytest.raises(Invalid):
            enqueue(dealer_id, "x", {}, key="")
        with pytest.raises(Invalid):
            enqueue(dealer_id, "x", ["not", "an", "object"], key="k")
        with pytest.raises(TypeError):
            enqueue(dealer_id, "x", {"bytes": b"\x00"}, key="k")
        db.session.rollback()
        assert count(OutboxEvent) == 0


@pytest.mark.skipif(not is_postgres(), reason="SQLite runs one writer at a time")
def test_two_transactions_writing_the_same_key_at_once_make_one_event(app, world):
    dealer_id = uuid.UUID(world.ids["org1"])
    first_written = threading.Event()
    ids = {}

    def first():
        with app.app_context():
            ids["first"] = enqueue(dealer_id, "evidence.completed", {"by": 1}, key="race").id
            first_written.set()
            # The second transaction's insert now waits on the unique key for this commit.
            threading.Event().wait(0.5)
            db.session.commit()

    def second():
        with app.app_context():
            first_written.wait(5)
            ids["second"] = enqueue(dealer_id, "evidence.completed", {"by": 2}, key="race").id
            db.session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert ids["first"] == ids["second"]
    with app.app_context():
        assert count(OutboxEvent) == 1
