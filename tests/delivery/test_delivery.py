"""The worker delivers outbox events to a real receiver on 127.0.0.1, signed, with retries."""

import json
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from server.delivery.dispatch import retry_after
from tests.delivery.conftest import (
    add_events,
    attempts,
    event,
    new_secret,
    running_worker,
    wait_until,
)


def deliveries(client, world, **query):
    response = client.get(
        f"/api/dealers/{world.ids['org1']}/deliveries",
        query_string=query,
        headers=world.auth("dealer1"),
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def finished(app, event_id) -> bool:
    """The first attempt has its answer (or its error)."""
    log = attempts(app, event_id)
    return bool(log) and log[0].finished_at is not None


def delivered(app, event_id):
    return lambda: event(app, event_id).status == "delivered"


def test_an_event_reaches_the_dealer_signed_once_and_is_logged(app, client, world, hooked):
    (event_id,) = add_events(app, world)
    with running_worker(app):
        (received,) = hooked.wait_for(1)
        wait_until(delivered(app, event_id), what="delivered")
    assert received.verified_by == {"current"}
    assert received.webhook_id == event_id
    assert received.headers["content-type"] == "application/json"
    assert abs(int(received.headers["webhook-timestamp"]) - time.time()) < 60
    body = json.loads(received.body)
    assert body["type"] == "evidence.completed" and body["data"]["name"] == "张伟"
    (entry,) = deliveries(client, world)["items"]
    assert entry["id"] == event_id and entry["status"] == "delivered"
    assert entry["attempt_count"] == 1 and entry["next_attempt_at"] is None
    (attempt,) = entry["attempts"]
    assert attempt["status_code"] == 200 and attempt["error"] is None
    assert attempt["duration_ms"] >= 0 and attempt["url"] == hooked.url
    assert attempt["response"] == "ok"


def test_a_receiver_down_for_a_while_gets_the_event_exactly_once(app, world, hooked):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = "0.3,0.3,0.3,0.3,0.3,0.3"
    hooked.stop()  # connection refused
    (event_id,) = add_events(app, world)
    with running_worker(app):
        wait_until(lambda: len(attempts(app, event_id)) >= 2, what="two failed attempts")
        hooked.start()  # back, on the same port
        wait_until(delivered(app, event_id), what="delivered")
    assert hooked.ids() == [event_id]  # one request, one logical event
    log = attempts(app, event_id)
    assert [a.status_code for a in log[:-1]] == [None] * (len(log) - 1)
    assert all("ConnectionError" in a.error for a in log[:-1])
    assert log[-1].status_code == 200
    # The retries waited as scheduled (jitter only ever shortens a wait, by 20 % at most).
    gaps = [(b.started_at - a.finished_at).total_seconds() for a, b in pairwise(log)]
    assert all(gap >= 0.3 * 0.8 - 0.01 for gap in gaps), gaps


def test_a_4xx_or_5xx_with_retry_after_is_retried_no_sooner(app, world, hooked):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = "0.05,0.05"
    hooked.script = [(429, {"Retry-After": "1"}), (503, {"Retry-After": "1"})]
    (event_id,) = add_events(app, world)
    with running_worker(app):
        first, second, third = hooked.wait_for(3, timeout=20)
        wait_until(delivered(app, event_id), what="delivered")
    assert second.at - first.at >= 0.95 and third.at - second.at >= 0.95
    assert {first.webhook_id, second.webhook_id, third.webhook_id} == {event_id}
    assert [a.status_code for a in attempts(app, event_id)] == [429, 503, 200]


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert retry_after("120", now) == 120
    assert retry_after("Fri, 27 Nov 2026 08:01:30 GMT", now) == 90
    assert retry_after("Fri, 27 Nov 2026 07:00:00 GMT", now) == 0
    assert retry_after("soon", now) is None and retry_after(None, now) is None


def test_after_the_schedule_an_event_is_dead_and_can_be_redelivered(app, client, world, hooked):
    app.config["WEBHOOK_RETRY_SCHEDULE"] = "0.05,0.05"
    hooked.default = (500, {})
    (event_id,) = add_events(app, world)
    with running_worker(app):
        wait_until(lambda: event(app, event_id).status == "dead", what="dead letter")
        assert len(hooked.received) == 3  # the first attempt and two retries, no more
        (dead,) = deliveries(client, world, status="dead")["items"]
        assert dead["id"] == event_id and dead["last_error"] == "HTTP 500"
        assert [a["status_code"] for a in dead["attempts"]] == [500, 500, 500]
        time.sleep(0.3)
        assert len(hooked.received) == 3  # dead means no more tries

        hooked.default = (200, {})
        again = client.post(
            f"/api/dealers/{world.ids['org1']}/deliveries/{event_id}/redeliver",
            headers=world.auth("dealer1"),
        )
        assert again.status_code == 202 and again.get_json()["status"] == "pending"
        wait_until(delivered(app, event_id), what="redelivered")
    assert hooked.ids() == [event_id] * 4  # the same webhook-id every time
    assert all(r.verified_by == {"current"} for r in hooked.received)
    assert deliveries(client, world)["items"][0]["attempt_count"] == 4


def test_a_rotated_secret_and_the_previous_one_both_sign_until_the_grace_ends(
    app, client, world, hooked
):
    old, new = hooked.secret, new_secret()
    app.config["WEBHOOK_ROTATION_GRACE_SECONDS"] = 2.0
    rotated = client.put(
        f"/api/dealers/{world.ids['org1']}/webhook",
        json={"url": hooked.url, "secret": new},
        headers=world.auth("dealer1"),
    )
    grace_ends = datetime.fromisoformat(rotated.get_json()["previous_secret_expires_at"])
    hooked.secrets = {"old": old, "new": new}
    (during,) = add_events(app, world)
    with running_worker(app):
        wait_until(delivered(app, during), what="delivered during the grace period")
        wait_until(lambda: datetime.now(UTC) > grace_ends + timedelta(seconds=0.1), 5)
        (after,) = add_events(app, world)
        wait_until(delivered(app, after), what="delivered after it")
    first, second = hooked.received
    assert first.webhook_id == during and first.verified_by == {"old", "new"}
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    assert second.webhook_id == after and second.verified_by == {"new"}


def test_the_address_is_checked_again_when_sending(app, world, hooked):
    # Allowed when it was set; DNS (or the setting) says otherwise by the time it is sent.
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    (event_id,) = add_events(app, world)
    with running_worker(app):
        wait_until(lambda: finished(app, event_id), what="the first attempt")
    assert hooked.received == []
    (attempt, *_) = attempts(app, event_id)
    assert attempt.error.startswith("refused: 127.0.0.1 resolves to a non-public address")
    assert event(app, event_id).status in ("pending", "dead")


def test_a_ping_goes_through_the_worker_and_is_tried_once(app, client, world, hooked):
    url = f"/api/dealers/{world.ids['org1']}/webhook/test"
    with running_worker(app):
        ping = client.post(url, headers=world.auth("dealer1"))
        assert ping.status_code == 202
        (received,) = hooked.wait_for(1)
        assert received.webhook_id == ping.get_json()["id"]
        assert json.loads(received.body)["type"] == "ping"
        assert received.verified_by == {"current"}

        hooked.default = (500, {})
        failing = client.post(url, headers=world.auth("dealer1")).get_json()["id"]
        wait_until(lambda: event(app, failing).status == "dead", what="a failed ping")
    assert len(hooked.received) == 2


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(app, world, hooked):
    import threading

    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.5
    hooked.hold = threading.Event()
    (event_id,) = add_events(app, world)
    with running_worker(app):
        wait_until(lambda: finished(app, event_id), what="the timeout")
        hooked.hold.set()
        hooked.hold = None
        wait_until(delivered(app, event_id), what="delivered on the retry")
    first, second = attempts(app, event_id)
    assert first.error == "timed out after 0.5 s" and first.status_code is None
    assert second.status_code == 200


def test_events_wait_for_an_endpoint_and_go_when_one_is_set(app, client, world, receiver):
    (event_id,) = add_events(app, world)
    with running_worker(app):
        time.sleep(0.3)
        assert event(app, event_id).attempts == 0  # no endpoint: not claimed, not failed
        client.put(
            f"/api/dealers/{world.ids['org1']}/webhook",
            json={"url": receiver.url, "secret": receiver.secret},
            headers=world.auth("dealer1"),
        )
        wait_until(delivered(app, event_id), what="delivered once an endpoint exists")
    assert receiver.ids() == [event_id]


def test_the_delivery_log_pages_newest_first(app, client, world, hooked):
    ids = add_events(app, world, count=3)
    with running_worker(app):
        wait_until(lambda: all(event(app, i).status == "delivered" for i in ids))
    page = deliveries(client, world, page_size=2)
    assert page["total"] == 3 and page["page"] == 1 and page["page_size"] == 2
    assert len(page["items"]) == 2
    created = [item["created_at"] for item in page["items"]]
    assert created == sorted(created, reverse=True)
    assert {item["id"] for item in deliveries(client, world)["items"]} == set(ids)
