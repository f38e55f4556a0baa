"""The dealer's own pages: the webhook (set, a generated secret shown once, test, stop),
the delivery log with redelivery, and consent to a charge for missing goods."""

import re

import sqlalchemy as sa

from server.delivery.models import OutboxEvent, WebhookEndpoint
from server.extensions import db
from server.field.models import FeeAgreement
from tests.delivery.conftest import drain, fast_delivery, hooked, receiver  # noqa: F401
from tests.evidence.conftest import install
from tests.helpers import form_token, row_counts, sign_in_page


def rows(app, model, **where):
    with app.app_context():
        found = db.session.scalars(sa.select(model).filter_by(**where)).all()
        db.session.expunge_all()
        db.session.remove()
        return found


def test_a_dealer_sets_its_webhook_and_sees_the_secret_once(app, client, world, receiver):
    sign_in_page(client, "dealer", "dealer1")
    token = form_token(client, "/dealer/webhook")
    r = client.post("/dealer/webhook", data={"csrf": token, "url": receiver.url, "secret": ""})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", html).group(0)
    (endpoint,) = rows(app, WebhookEndpoint)
    assert endpoint.url == receiver.url and endpoint.secret == secret
    again = client.get("/dealer/webhook").get_data(as_text=True)
    assert receiver.url in again and secret not in again  # never shown again
    assert re.search(r"whsec_[A-Za-z0-9+/=]{20,}", again) is None


def test_a_bad_or_private_url_is_shown_back_and_nothing_is_kept(app, client, world):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    sign_in_page(client, "dealer", "dealer1")
    before = row_counts(app)
    for url, message in [
        ("ftp://example.com/x", "not an http(s) URL"),
        ("http://127.0.0.1:9/hook", "non-public"),
        ("http://exa mple.com/x", "not an http(s) URL"),
    ]:
        token = form_token(client, "/dealer/webhook")
        r = client.post("/dealer/webhook", data={"csrf": token, "url": url})
        assert r.status_code == 422 and message in r.get_data(as_text=True), url
    assert row_counts(app) == before


def test_the_log_shows_each_delivery_and_a_redelivery_sends_it_again(app, client, world, hooked):
    install(client, world)
    drain(app)
    assert len(hooked.received) == 1
    sign_in_page(client, "dealer", "dealer1")
    log = client.get("/dealer/deliveries").get_data(as_text=True)
    assert "evidence.completed" in log and "HTTP 200" in log
    (event,) = rows(app, OutboxEvent, event_type="evidence.completed")
    token = form_token(client, "/dealer/deliveries")
    r = client.post(f"/dealer/deliveries/{event.id}/redeliver", data={"csrf": token})
    assert r.status_code == 302
    drain(app)
    assert [got.webhook_id for got in hooked.received] == [str(event.id)] * 2
    # A test ping goes through the same log.
    client.post("/dealer/webhook/test", data={"csrf": token})
    drain(app)
    assert json_type(hooked.received[-1]) == "ping"
    assert client.get("/dealer/deliveries?status=nonsense").status_code == 400


def json_type(received) -> str:
    import json

    return json.loads(received.body)["type"]


def test_another_dealers_event_cannot_be_redelivered(app, client, world, hooked):
    install(client, world)
    (event,) = rows(app, OutboxEvent, event_type="evidence.completed")
    sign_in_page(client, "dealer", "dealer2")
    token = form_token(client, "/dealer/deliveries")
    client.post(f"/dealer/deliveries/{event.id}/redeliver", data={"csrf": token})
    drain(app)
    assert len(hooked.received) == 1  # only the first delivery, none by dealer 2
    assert "evidence.completed" not in client.get("/dealer/deliveries").get_data(as_text=True)


def test_a_dealer_consents_to_a_charge_for_missing_goods_on_an_open_job(app, client, world):
    sign_in_page(client, "dealer", "dealer1")
    page = client.get("/dealer/open").get_data(as_text=True)
    assert "张伟" in page and "李娜" not in page  # only its own open jobs
    token = form_token(client, "/dealer/open")
    job = world.ids["job1"]
    for amount in ("abc", "-5", "0"):
        client.post(
            f"/dealer/jobs/{job}/consent", data={"csrf": token, "amount": amount, "note": "x"}
        )
    assert rows(app, FeeAgreement) == []
    r = client.post(
        f"/dealer/jobs/{job}/consent",
        data={"csrf": token, "amount": "25.5", "note": "缺少滤瓶扳手"},
    )
    assert r.status_code == 302
    (consent,) = rows(app, FeeAgreement)
    assert (consent.kind, consent.amount_fen, consent.party, consent.way) == (
        "goods",
        2550,
        "dealer",
        "portal",
    )
    assert "¥25.50" in client.get("/dealer/open").get_data(as_text=True)
    other = world.ids["job2"]
    r = client.post(
        f"/dealer/jobs/{other}/consent", data={"csrf": token, "amount": "9", "note": "x"}
    )
    assert r.status_code == 404
