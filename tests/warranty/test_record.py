"""A unit's warranty record: computed when the unit is created or changed, a job of it
completes, a filter change is recorded or the dealer's policy changes; read in scope;
kept current on the devices that hold the unit."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.desk.models import Unit
from server.extensions import db
from server.warranty.models import WarrantyRecord
from server.warranty.service import today_for
from tests.helpers import assert_problem
from tests.sync.conftest import Device, sha
from tests.warranty.conftest import now, repair_job, set_unit


def _record_row(app, unit_id) -> dict:
    with app.app_context():
        row = db.session.scalar(
            sa.select(WarrantyRecord).where(WarrantyRecord.unit_id == uuid.UUID(unit_id))
        )
        data = None if row is None else {c.key: getattr(row, c.key) for c in row.__table__.columns}
        db.session.remove()
        return data


def _warranty(client, world, who="dispatcher", unit="unit1"):
    return client.get(f"/api/units/{world.ids[unit]}/warranty", headers=world.auth(who))


def _change(client, world, body, who="dispatcher", unit="unit1"):
    url = f"/api/units/{world.ids[unit]}/filter-changes"
    return client.post(url, json=body, headers=world.auth(who))


def test_a_new_unit_gets_its_record_from_its_purchase_date(app, client, world):
    body = {
        "customer_id": world.ids["customer1"],
        "dealer_id": world.ids["org1"],
        "model": "RO-600G",
        "serial": "SN-NEW-1",
        "purchase_date": "2028-02-29",
        "proof_of_purchase_sha256": sha("invoice"),
    }
    r = client.post("/api/units", json=body, headers=world.auth("dispatcher"))
    assert r.status_code == 201, r.get_json()
    row = _record_row(app, r.get_json()["id"])
    assert row["counted_from"] == "purchase"
    assert str(row["starts_on"]) == "2028-02-29"
    assert str(row["ends_on"]) == "2029-02-28"  # a leap day's year ends on Feb 28
    assert str(row["wearing_parts_end_on"]) == "2028-05-29"
    assert row["installer_ends_on"] is None  # not installed yet
    assert row["proof_of_purchase_sha256"] == sha("invoice")
    assert row["dealer_id"] == uuid.UUID(world.ids["org1"]) and row["history"] == []


def test_installing_dates_the_installers_windows_by_calendar_month(app, client, world):
    url = f"/api/units/{world.ids['unit1']}"
    body = {"purchase_date": "2025-08-20", "installed_on": "2025-08-31"}
    r = client.patch(url, json=body, headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.get_json()
    record = _warranty(client, world).get_json()
    assert record["installer_ends_on"] == "2025-09-30"
    assert record["installer_external_ends_on"] == "2025-11-30"
    assert record["installer_wrong_part_ends_on"] == "2026-02-28"
    assert record["ends_on"] == "2026-08-20" and record["covered_through"] == "2026-08-20"
    assert str(_record_row(app, world.ids["unit1"])["installer_wrong_part_ends_on"]) == "2026-02-28"


def test_the_dealers_policy_sets_the_periods_and_a_change_recounts_them(app, client, world):
    set_unit(app, world, purchase_date="2026-01-20", factory_date="2025-12-01")
    client.patch(
        f"/api/units/{world.ids['unit1']}", json={"model": "RO-400G"}, headers=world.auth("admin")
    )
    assert str(_record_row(app, world.ids["unit1"])["ends_on"]) == "2027-01-20"
    r = client.patch(
        f"/api/dealers/{world.ids['org1']}/policy",
        json={"warranty": {"unit_months": 36, "count_from": "factory"}},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    row = _record_row(app, world.ids["unit1"])
    assert (row["counted_from"], str(row["starts_on"])) == ("factory", "2025-12-01")
    assert str(row["ends_on"]) == "2028-12-01"
    # The other dealer's units keep their own policy.
    assert _record_row(app, world.ids["unit2"]) is None


def test_moving_a_unit_to_another_dealer_moves_its_record(app, client, world):
    set_unit(app, world, purchase_date="2026-01-20")
    r = client.patch(
        f"/api/units/{world.ids['unit1']}",
        json={"dealer_id": world.ids["org2"]},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    assert _record_row(app, world.ids["unit1"])["dealer_id"] == uuid.UUID(world.ids["org2"])
    assert _warranty(client, world, "dealer2").status_code == 200
    assert_problem(_warranty(client, world, "dealer1"), 404)


def test_a_completed_filter_change_is_the_technicians_and_restarts_the_wearing_parts(
    app, client, world
):
    set_unit(app, world, purchase_date="2026-01-20", installed_on="2026-01-31")
    job = repair_job(app, world, None, kind="filter_change")
    r = client.post(
        f"/api/jobs/{job}/complete", json={"completed_at": now()}, headers=world.auth("dispatcher")
    )
    assert r.status_code == 200, r.get_json()
    record = _warranty(client, world).get_json()
    with app.app_context():
        today = today_for(db.session.get(Unit, uuid.UUID(world.ids["unit1"])).dealer.policy)
    assert record["filters"] == {
        "changed_on": today.isoformat(),
        "changed_by": "technician",
        "changed_by_other_on": None,
    }
    assert record["history"] == [
        {"on": today.isoformat(), "kind": "filter_change", "by": "technician", "job_id": job}
    ]
    # Our new filters have a wearing-part period of their own (never past the warranty).
    assert record["wearing_parts_end_on"] > "2026-04-20"
    row = _record_row(app, world.ids["unit1"])
    assert row["filters_changed_by"] == "technician"
    assert row["history"] == [
        {"on": today.isoformat(), "kind": "filter_change", "by": "technician"}
    ]


def test_the_office_records_a_filter_change_by_the_customer(app, client, world):
    set_unit(app, world, purchase_date="2026-01-20", installed_on="2026-01-31")
    r = _change(client, world, {"changed_on": "2026-03-02", "by": "customer", "note": "自己换的"})
    assert r.status_code == 201, r.get_json()
    change = r.get_json()
    assert change["recorded_by"] == world.ids["dispatcher"] and change["by"] == "customer"

    record = _warranty(client, world).get_json()
    assert record["filters"] == {
        "changed_on": "2026-03-02",
        "changed_by": "customer",
        "changed_by_other_on": "2026-03-02",
    }
    assert record["history"] == [
        {
            "on": "2026-03-02",
            "kind": "filter_change",
            "by": "customer",
            "note": "自己换的",
            "filter_change_id": change["id"],
        }
    ]
    row = _record_row(app, world.ids["unit1"])
    assert str(row["filters_changed_by_other_on"]) == "2026-03-02"
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "record_filter_change")
        )
        assert entry.entity_id == world.ids["unit1"] and entry.data["by"] == "customer"


def test_a_filter_change_recorded_in_error_is_retracted(app, client, world):
    set_unit(app, world, purchase_date="2026-01-20", installed_on="2026-01-31")
    change = _change(client, world, {"changed_on": "2026-03-02", "by": "third_party"}).get_json()
    url = f"/api/units/{world.ids['unit1']}/filter-changes/{change['id']}"
    assert_problem(client.delete(url, json={"reason": "记错了"}, headers=world.auth("tech1")), 403)
    r = client.delete(url, json={"reason": "记错了"}, headers=world.auth("dispatcher"))
    assert r.status_code == 204
    record = _warranty(client, world).get_json()
    assert record["filters"]["changed_by_other_on"] is None and record["history"] == []
    assert client.delete(url, json={"reason": "x"}, headers=world.auth("admin")).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"changed_on": "2026-01-30", "by": "customer"}, "changed_on"),  # before the install
        ({"changed_on": "2026-03-02", "by": "technician"}, "by"),  # that is a job
        ({"changed_on": "2026/03/02", "by": "customer"}, "changed_on"),
        ({"by": "customer"}, "changed_on"),
    ],
)
def test_an_impossible_filter_change_is_refused(app, client, world, body, field):
    set_unit(app, world, purchase_date="2026-01-20", installed_on="2026-01-31")
    assert_problem(_change(client, world, body), 422, field=field)


def test_a_filter_change_in_the_future_is_refused(app, client, world):
    with app.app_context():
        today = today_for(db.session.get(Unit, uuid.UUID(world.ids["unit1"])).dealer.policy)
    body = {"changed_on": (today + timedelta(days=1)).isoformat(), "by": "customer"}
    assert_problem(_change(client, world, body), 422, field="changed_on")


@pytest.mark.parametrize("who", ["tech1", "dealer1"])
def test_only_the_office_records_filter_changes(client, world, who):
    assert_problem(_change(client, world, {"changed_on": "2026-03-02", "by": "customer"}, who), 403)


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("admin", "unit2", 200),
        ("dispatcher", "unit1", 200),
        ("tech1", "unit1", 200),
        ("tech1", "unit2", 404),
        ("dealer1", "unit1", 200),
        ("dealer1", "unit2", 404),
        ("dealer2", "unit1", 404),
    ],
)
def test_the_record_is_read_by_whoever_may_read_the_unit(client, world, who, unit, status):
    response = _warranty(client, world, who, unit)
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["unit_id"] == world.ids[unit]


def test_history_names_only_the_jobs_the_reader_may_read(app, client, world):
    set_unit(app, world, purchase_date="2026-01-20", installed_on="2026-01-31")
    job = repair_job(app, world, None, kind="filter_change", tech="tech2")
    r = client.post(
        f"/api/jobs/{job}/complete", json={"completed_at": now()}, headers=world.auth("admin")
    )
    assert r.status_code == 200
    (office,) = _warranty(client, world, "admin").get_json()["history"]
    assert office["job_id"] == job
    (tech,) = _warranty(client, world, "tech1").get_json()["history"]
    assert "job_id" not in tech and tech["by"] == "technician"


def test_the_technicians_device_receives_the_record_as_it_changes(app, client, world):
    set_unit(app, world, purchase_date="2026-01-20", installed_on="2026-01-31")
    tech1 = Device(client, world.auth("tech1"))
    _, cursor = tech1.pull_all()
    assert _change(client, world, {"changed_on": "2026-03-02", "by": "customer"}).status_code == 201
    changes, _ = tech1.pull_all(cursor)
    (record,) = [c for c in changes if c["entity"] == "warranty_records"]
    assert record["data"]["unit_id"] == world.ids["unit1"]
    assert record["data"]["filters_changed_by"] == "customer"
    assert record["data"]["installer_ends_on"] == "2026-02-28"
    assert record["data"]["history"] == [
        {"on": "2026-03-02", "kind": "filter_change", "by": "customer"}
    ]
    # Nothing changed, nothing sent: recording the same facts again writes no new version.
    version = record["data"]["version"]
    client.patch(
        f"/api/units/{world.ids['unit1']}", json={"model": "RO-400G"}, headers=world.auth("admin")
    )
    assert _record_row(app, world.ids["unit1"])["version"] == version


def test_a_deleted_unit_leaves_a_tombstone_record(app, client, world):
    body = {
        "customer_id": world.ids["customer1"],
        "dealer_id": world.ids["org1"],
        "model": "RO-600G",
        "serial": "SN-GONE-1",
        "purchase_date": "2026-01-20",
    }
    unit = client.post("/api/units", json=body, headers=world.auth("dispatcher")).get_json()
    r = client.delete(f"/api/units/{unit['id']}", headers=world.auth("admin"))
    assert r.status_code == 204
    assert _record_row(app, unit["id"])["deleted_at"] is not None


def test_flask_warranty_refresh_brings_every_record_up_to_date(app):
    from tests.conftest import World

    with app.app_context():
        World()  # units made directly, without records
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["warranty", "refresh"])
    assert result.exit_code == 0, result.output
    assert "2 warranty records" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WarrantyRecord)) == 2
        db.session.remove()
