"""Dealer policy: DOMAIN.md's numbers as per-dealer data, validated, edited by admins."""

import re
from pathlib import Path

import pytest

from server.audit.models import AuditEntry
from server.dealers.models import Dealer
from server.dealers.policy import default_policy, load_policy
from server.extensions import db
from tests.helpers import assert_problem, count


def test_defaults_are_those_of_domain_md():
    """Each value below is transcribed from ../shared/DOMAIN.md, with the line it comes from."""
    p = default_policy()
    # "default Mon–Fri 09:00–18:00, Asia/Shanghai"
    assert p["timezone"] == "Asia/Shanghai"
    assert p["working_hours"]["days"] == [1, 2, 3, 4, 5]
    assert (p["working_hours"]["start"], p["working_hours"]["end"]) == ("09:00", "18:00")
    assert p["working_hours"]["always_open"] is False
    # SLA: acknowledge 2 h, contact 24 h, on site 24 h, repair 48 h
    assert p["sla"] == {
        "acknowledge_minutes": 120,
        "contact_minutes": 24 * 60,
        "on_site_minutes": 24 * 60,
        "repair_minutes": 48 * 60,
        # Not in DOMAIN.md: the escalation list's own default (docs/service-desk.md).
        "near_breach_percent": 25,
    }
    # Whole unit 1 year from purchase; wearing parts 3 months; repairs 1 year
    assert p["warranty"] == {
        "unit_months": 12,
        "count_from": "purchase",
        "wearing_part_months": 3,
        "repair_guarantee_months": 12,
    }
    # Installer: 1 month; wrong part order 6 months; external connections 3 months
    assert p["installer_liability"] == {
        "general_months": 1,
        "wrong_part_order_months": 6,
        "external_connection_months": 3,
    }
    # No-show fee 30 CNY, in fen
    assert p["fees"]["no_show_fen"] == 3000
    # Service radius 10 km
    assert p["service_radius_km"] == 10
    # 3 kgf/cm² ≈ 0.294 MPa ≈ 2.94 bar ≈ 42.7 psi
    kpa = p["pressure_valve_threshold_kpa"]
    assert kpa == pytest.approx(294.2, abs=0.1)
    assert kpa / 1000 == pytest.approx(0.294, abs=0.001)
    assert kpa / 100 == pytest.approx(2.94, abs=0.01)
    assert kpa / 6.894757 == pytest.approx(42.7, abs=0.05)
    # Filter replacement every 3–6 months
    assert (p["filter"]["interval_min_months"], p["filter"]["interval_max_months"]) == (3, 6)
    # Tombstones kept 90 days (DESIGN.md)
    assert p["tombstone_retention_days"] == 90


def test_policy_numbers_are_not_literals_in_other_modules():
    """Distinctive defaults may appear only in policy.py (and migrations, which hold none)."""
    root = Path(__file__).resolve().parent.parent / "server"
    suspicious = re.compile(r"(?<![\w.])(3000|2880|1440|294(\.\d+)?)(?![\w.])")
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "policy.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if suspicious.search(code):
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []


def test_a_partial_document_is_completed_with_defaults():
    policy = load_policy({"sla": {"acknowledge_minutes": 30}, "fees": {"no_show_fen": 5000}})
    assert policy["sla"]["acknowledge_minutes"] == 30
    assert policy["sla"]["repair_minutes"] == default_policy()["sla"]["repair_minutes"]
    assert policy["fees"]["no_show_fen"] == 5000
    assert policy["warranty"] == default_policy()["warranty"]


def test_admin_reads_the_complete_policy(client, world):
    response = client.get(f"/api/dealers/{world.ids['org1']}/policy", headers=world.auth("admin"))
    assert response.status_code == 200
    assert response.get_json() == default_policy()


def test_admin_patches_one_setting_and_the_rest_stay(client, world, app):
    url = f"/api/dealers/{world.ids['org1']}/policy"
    response = client.patch(
        url, json={"warranty": {"unit_months": 36}}, headers=world.auth("admin")
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["warranty"]["unit_months"] == 36
    assert body["warranty"]["wearing_part_months"] == 3
    with app.app_context():
        assert db.session.get(Dealer, world.org1.id).policy["warranty"]["unit_months"] == 36
        # The other dealer keeps its own.
        assert db.session.get(Dealer, world.org2.id).policy["warranty"]["unit_months"] == 12
        assert count(AuditEntry) == 1


def test_admin_replaces_a_policy_with_put(client, world):
    url = f"/api/dealers/{world.ids['org1']}/policy"
    document = {"working_hours": {"always_open": True}, "timezone": "Asia/Urumqi"}
    body = client.put(url, json=document, headers=world.auth("admin")).get_json()
    assert body["working_hours"]["always_open"] is True
    assert body["timezone"] == "Asia/Urumqi"
    assert body["sla"] == default_policy()["sla"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"sla": {"acknowledge_minutes": 0}}, "sla"),
        ({"sla": {"acknowledge_minutes": "two hours"}}, "sla"),
        ({"fees": {"no_show_fen": -1}}, "fees"),
        ({"working_hours": {"start": "18:00", "end": "09:00"}}, "working_hours"),
        ({"working_hours": {"days": [0, 8]}}, "working_hours"),
        ({"filter": {"interval_min_months": 7}}, "filter"),
        ({"surprise": 1}, "surprise"),
        ({"pressure_valve_threshold_kpa": None}, "pressure_valve_threshold_kpa"),
    ],
)
def test_an_invalid_policy_is_a_422_and_nothing_changes(client, world, app, patch, field):
    url = f"/api/dealers/{world.ids['org1']}/policy"
    response = client.patch(url, json=patch, headers=world.auth("admin"))
    assert_problem(response, 422, field=field)
    with app.app_context():
        assert db.session.get(Dealer, world.org1.id).policy == default_policy()
        assert count(AuditEntry) == 0


def test_a_policy_must_be_an_object(client, world):
    url = f"/api/dealers/{world.ids['org1']}/policy"
    assert_problem(client.put(url, json=[1, 2], headers=world.auth("admin")), 422)
    response = client.put(
        url, data="{oops", content_type="application/json", headers=world.auth("admin")
    )
    assert_problem(response, 400)


@pytest.mark.parametrize("who", ["dispatcher", "dealer1", "tech1"])
def test_only_admins_edit_policy(client, world, who):
    url = f"/api/dealers/{world.ids['org1']}/policy"
    assert_problem(client.patch(url, json={"service_radius_km": 20}, headers=world.auth(who)), 403)


def test_a_new_dealer_starts_with_the_default_policy(client, world):
    response = client.post("/api/dealers", json={"name": "碧水净水"}, headers=world.auth("admin"))
    assert response.status_code == 201
    dealer_id = response.get_json()["id"]
    policy = client.get(f"/api/dealers/{dealer_id}/policy", headers=world.auth("admin"))
    assert policy.get_json() == default_policy()
    again = client.post("/api/dealers", json={"name": "碧水净水"}, headers=world.auth("admin"))
    assert_problem(again, 409)


def test_a_stored_policy_is_validated_once_and_each_reader_gets_its_own_copy():
    from server.dealers.policy import _complete, complete_policy

    _complete.cache_clear()
    doc = {"fees": {"no_show_fen": 4200}}
    first = complete_policy(doc)
    first["fees"]["no_show_fen"] = 1  # a caller changing its copy changes nobody else's
    second = complete_policy(dict(doc))
    assert second["fees"]["no_show_fen"] == 4200
    assert _complete.cache_info().misses == 1 and _complete.cache_info().hits == 1
    assert complete_policy({"fees": {"no_show_fen": 4300}})["fees"]["no_show_fen"] == 4300


def test_a_changed_policy_is_read_at_once(client, world, app):
    dealer = world.ids["org1"]
    for fen in (4100, 4200):
        r = client.patch(
            f"/api/dealers/{dealer}/policy",
            headers=world.auth("admin"),
            json={"fees": {"no_show_fen": fen}},
        )
        assert r.status_code == 200
        got = client.get(f"/api/dealers/{dealer}/policy", headers=world.auth("dealer1"))
        assert got.get_json()["fees"]["no_show_fen"] == fen


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_holidays_round_trip_through_write_read_and_the_store(client, world, app, method):
    """The document keeps dates as ISO text; the answer after the write and every later
    read give them back as they were written (no 500 dumping text as a date)."""
    url = f"/api/dealers/{world.ids['org1']}/policy"
    holidays = ["2026-10-01", "2026-10-02", "2027-01-01"]
    document = {"working_hours": {"holidays": holidays}}
    written = client.open(url, method=method, json=document, headers=world.auth("admin"))
    assert written.status_code == 200, written.get_json()
    assert written.get_json()["working_hours"]["holidays"] == holidays
    for who in ("admin", "dispatcher", "dealer1"):
        read = client.get(url, headers=world.auth(who))
        assert read.status_code == 200, read.get_json()
        assert read.get_json()["working_hours"]["holidays"] == holidays
    with app.app_context():
        stored = db.session.get(Dealer, world.org1.id).policy
        assert stored["working_hours"]["holidays"] == holidays
    again = client.patch(url, json={"sla": {"repair_minutes": 600}}, headers=world.auth("admin"))
    assert again.get_json()["working_hours"]["holidays"] == holidays


@pytest.mark.parametrize("day", ["2026-02-30", "2026-10-01\n", "10/01/2026", 20261001])
def test_a_holiday_that_is_not_a_date_is_a_422(client, world, day):
    url = f"/api/dealers/{world.ids['org1']}/policy"
    document = {"working_hours": {"holidays": [day]}}
    response = client.patch(url, json=document, headers=world.auth("admin"))
    assert_problem(response, 422, field="working_hours")
