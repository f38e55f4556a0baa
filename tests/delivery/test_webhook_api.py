"""Setting a dealer's webhook: who may, what is shown, which URLs are refused."""

import pytest

from server.audit.models import AuditEntry
from server.delivery.addresses import UnsafeAddress, check_url, is_public
from server.extensions import db
from tests.delivery.conftest import add_events, new_secret
from tests.helpers import assert_problem

URL = "http://127.0.0.1:9/hooks"


def webhook(world, dealer="org1"):
    return f"/api/dealers/{world.ids[dealer]}/webhook"


def test_a_dealer_sets_its_webhook_and_sees_it_without_the_secret(client, world):
    secret = new_secret()
    put = client.put(
        webhook(world), json={"url": URL, "secret": secret}, headers=world.auth("dealer1")
    )
    assert put.status_code == 200
    assert "secret" not in put.get_json()
    shown = client.get(webhook(world), headers=world.auth("dealer1")).get_json()
    assert shown["url"] == URL and shown["dealer_id"] == world.ids["org1"]
    assert secret not in str(shown) and "secret" not in shown
    assert shown["previous_secret_expires_at"] is None
    # The admin sees it too; the audit trail records the change, never the secret.
    assert client.get(webhook(world), headers=world.auth("admin")).status_code == 200
    with client.application.app_context():
        entries = db.session.query(AuditEntry).filter_by(action="set_webhook").all()
        assert len(entries) == 1 and secret not in str(entries[0].data)


def test_without_a_secret_the_server_generates_one_and_shows_it_once(client, world):
    put = client.put(webhook(world), json={"url": URL}, headers=world.auth("admin"))
    generated = put.get_json()["secret"]
    assert generated.startswith("whsec_")
    # A later PUT without a secret keeps it (and does not show it again).
    again = client.put(webhook(world), json={"url": URL + "2"}, headers=world.auth("admin"))
    assert "secret" not in again.get_json()
    assert again.get_json()["previous_secret_expires_at"] is None


@pytest.mark.parametrize(
    "secret",
    ["plain-password", "whsec_not base64!", "whsec_" + "QUJD", "whsec_" + "A" * 200],
)
def test_a_secret_not_in_the_standard_webhooks_format_is_refused(client, world, secret):
    response = client.put(
        webhook(world), json={"url": URL, "secret": secret}, headers=world.auth("dealer1")
    )
    assert_problem(response, 422, field="secret")


def test_a_new_secret_rotates_and_the_previous_one_has_a_grace_period(client, world):
    client.put(
        webhook(world), json={"url": URL, "secret": new_secret()}, headers=world.auth("dealer1")
    )
    rotated = client.put(
        webhook(world), json={"url": URL, "secret": new_secret()}, headers=world.auth("dealer1")
    )
    assert rotated.get_json()["previous_secret_expires_at"] is not None


def test_no_webhook_yet_is_404_and_removing_one_stops_delivery(client, world):
    assert_problem(client.get(webhook(world), headers=world.auth("dealer1")), 404)
    client.put(webhook(world), json={"url": URL}, headers=world.auth("dealer1"))
    assert client.delete(webhook(world), headers=world.auth("dealer1")).status_code == 204
    assert_problem(client.get(webhook(world), headers=world.auth("dealer1")), 404)
    assert_problem(client.post(webhook(world) + "/test", headers=world.auth("dealer1")), 404)


@pytest.mark.parametrize(
    "path,method",
    [
        ("/webhook", "get"),
        ("/webhook", "put"),
        ("/webhook", "delete"),
        ("/webhook/test", "post"),
        ("/deliveries", "get"),
        ("/deliveries/{event}/redeliver", "post"),
    ],
)
def test_another_dealer_gets_404_and_other_roles_403(client, world, app, path, method):
    client.put(webhook(world), json={"url": URL}, headers=world.auth("dealer1"))
    (event_id,) = add_events(app, world)
    url = f"/api/dealers/{world.ids['org1']}" + path.format(event=event_id)
    body = {"json": {"url": URL}} if method == "put" else {}
    call = getattr(client, method)
    assert_problem(call(url, headers=world.auth("dealer2"), **body), 404)
    for role in ("tech1", "dispatcher"):
        assert_problem(call(url, headers=world.auth(role), **body), 403)
    assert call(url, headers=world.auth("dealer1"), **body).status_code < 300


def test_an_event_of_another_dealer_is_not_redelivered_through_ones_own_dealer(client, world, app):
    client.put(webhook(world, "org2"), json={"url": URL}, headers=world.auth("dealer2"))
    (theirs,) = add_events(app, world, dealer="org2")
    response = client.post(
        f"/api/dealers/{world.ids['org1']}/deliveries/{theirs}/redeliver",
        headers=world.auth("dealer1"),
    )
    assert_problem(response, 404)
    listed = client.get(
        f"/api/dealers/{world.ids['org1']}/deliveries", headers=world.auth("dealer1")
    )
    assert listed.get_json()["total"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",  # loopback
        "http://localhost/hook",  # a name for loopback
        "http://[::1]/hook",
        "http://10.1.2.3/hook",  # private
        "http://192.168.1.10/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data",  # link-local: cloud metadata
        "http://100.64.0.1/hook",  # shared address space (carrier NAT)
        "http://0.0.0.0/hook",
        "http://2130706433/hook",  # 127.0.0.1 as one decimal number
        "http://224.0.0.1/hook",  # multicast
        "http://192.0.2.1/hook",  # documentation range
    ],
)
def test_urls_to_non_public_addresses_are_refused_when_set(client, world, app, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    response = client.put(webhook(world), json={"url": url}, headers=world.auth("dealer1"))
    body = assert_problem(response, 422, field="url")
    assert body["type"] == "/problems/unsafe-webhook-url"


@pytest.mark.parametrize(
    "url", ["ftp://203.0.113.9/hook", "http://user:pw@93.184.216.34/hook", "not a url"]
)
def test_other_schemes_credentials_and_non_urls_are_refused(client, world, app, url):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    response = client.put(webhook(world), json={"url": url}, headers=world.auth("dealer1"))
    assert_problem(response, 422, field="url")


def test_a_public_address_is_accepted_and_private_ones_only_when_allowed(client, world, app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    # Set only: no worker runs in this test, so nothing is ever sent there.
    public = client.put(
        webhook(world), json={"url": "https://93.184.216.34/hook"}, headers=world.auth("dealer1")
    )
    assert public.status_code == 200
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    local = client.put(webhook(world), json={"url": URL}, headers=world.auth("dealer1"))
    assert local.status_code == 200


def test_the_address_check_itself():
    # The URL field refuses this spelling before the check; the check refuses it too.
    with pytest.raises(UnsafeAddress):
        check_url("http://[::ffff:127.0.0.1]/hook", allow_private=False)
    for address in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"):
        assert is_public(address), address
    for address in ("127.0.0.1", "::1", "fe80::1", "fc00::1", "10.0.0.1", "169.254.1.1",
                    "::ffff:10.0.0.1", "2002:7f00:1::", "ff02::1", "255.255.255.255"):  # fmt: skip
        assert not is_public(address), address


def test_dealers_have_no_webhook_url_field_any_more(client, world):
    created = client.post(
        "/api/dealers",
        json={"name": "新净水", "webhook_url": "http://127.0.0.1/x"},
        headers=world.auth("admin"),
    )
    assert_problem(created, 422, field="webhook_url")
    dealer = client.get(f"/api/dealers/{world.ids['org1']}", headers=world.auth("dealer1"))
    assert "webhook_url" not in dealer.get_json()
