"""Completion rules: served as data, enforced on complete_job, every missing item listed."""

import uuid

import pytest
import sqlalchemy as sa

from server.desk.models import Job, Unit
from server.extensions import db
from server.field.models import FeeLine, Measurement, Signature, Visit
from tests.sync.conftest import (
    answer,
    count,
    dealer_id,
    new_id,
    note,
    photo,
    pressure,
    sha,
    signature,
)

INSTALL_ITEMS = [
    "unbox_check",
    "unbox_signature",
    "floor_drain",
    "inlet_pressure",
    "install_steps",
    "finished_photo",
    "leak_check",
    "briefing",
    "acceptance",
]


def complete(device, job):
    return device.mutation("complete_job", job_id=job, completed_at="2026-11-25T12:00:00+08:00")


def full_installation(device, job, kpa_value=250, unit="kPa", drain=True):
    ms = [
        device.mutation("answer_checklist", **answer(job, "unbox_check", True)),
        device.mutation("add_signature", **signature(job, "unbox_verification")),
        device.mutation("answer_checklist", **answer(job, "floor_drain", drain)),
        device.mutation("add_measurement", **pressure(job, kpa_value, unit)),
        device.mutation("answer_checklist", **answer(job, "install_steps", True)),
        device.mutation("add_photo", **photo(job, "finished_installation")),
        device.mutation("answer_checklist", **answer(job, "leak_check", True)),
        device.mutation("answer_checklist", **answer(job, "briefing", True)),
        device.mutation("add_signature", **signature(job, "acceptance")),
    ]
    return device.push(*ms)


def _status(app, job):
    with app.app_context():
        status = db.session.get(Job, uuid.UUID(job)).status
        db.session.remove()
        return status


def test_rules_are_served_as_data_with_the_dealers_threshold(app, client, world):
    body = client.get(
        "/api/sync/rules",
        query_string={"dealer_id": dealer_id(app, 1)},
        headers=world.auth("tech1"),
    ).get_json()
    ids = [r["id"] for r in body["kinds"]["installation"]]
    assert ids == [
        *INSTALL_ITEMS[:3],
        "no_floor_drain_consent",
        "inlet_pressure",
        "pressure_valve",
        *INSTALL_ITEMS[4:],
    ]
    assert [r["id"] for r in body["kinds"]["repair"]] == [
        "diagnosis",
        "fault_category",
        "test_run",
        "repair_slip",
    ]
    assert body["pressure_valve_mandatory"] is False
    units = body["measurement_units"]
    assert units["inlet_pressure"]["base"] == "kPa"
    assert units["inlet_pressure"]["units"]["kgf/cm2"] == pytest.approx(98.0665)
    assert set(units["tds_in"]["units"]) == {"mg/L", "ppm"}
    assert body["pressure_valve_threshold_kpa"] == pytest.approx(294.2)
    assert "joint_loose" in body["fault_categories"]
    # A dealer the technician has no job for is not theirs to read.
    other = client.get(
        "/api/sync/rules",
        query_string={"dealer_id": dealer_id(app, 2)},
        headers=world.auth("tech1"),
    )
    assert other.status_code == 404


def test_an_empty_installation_lists_every_missing_item(app, world, tech1):
    body = tech1.push(complete(tech1, world.ids["job1"]))
    result = body["results"][0]
    assert result["status"] == "rejected" and result["reason"] == "incomplete"
    assert [m["id"] for m in result["missing"]] == INSTALL_ITEMS
    assert all(m["label"]["zh-CN"] for m in result["missing"])
    assert _status(app, world.ids["job1"]) == "scheduled"


def test_a_complete_installation_completes_and_sets_the_install_date(app, world, tech1):
    job = world.ids["job1"]
    full_installation(tech1, job)
    body = tech1.push(complete(tech1, job))
    assert body["results"][0]["status"] == "applied"
    assert _status(app, job) == "completed"
    with app.app_context():
        unit = db.session.get(Unit, uuid.UUID(world.ids["unit1"]))
        assert str(unit.installed_on) == "2026-11-25"
        db.session.remove()
    again = tech1.push(complete(tech1, job))
    assert again["results"][0]["status"] == "duplicate"


def test_no_floor_drain_needs_the_customers_consent(world, tech1):
    job = world.ids["job1"]
    full_installation(tech1, job, drain=False)
    result = tech1.push(complete(tech1, job))["results"][0]
    assert [m["id"] for m in result["missing"]] == ["no_floor_drain_consent"]
    tech1.push(tech1.mutation("add_signature", **signature(job, "no_floor_drain_consent")))
    assert tech1.push(complete(tech1, job))["results"][0]["status"] == "applied"


@pytest.mark.parametrize(
    "value,unit", [(3.5, "kgf/cm2"), (3.5, "bar"), (0.35, "MPa"), (50, "psi"), (3.5, "公斤")]
)
def test_high_pressure_in_any_unit_needs_a_valve_or_a_waiver(app, world, tech1, value, unit):
    job = world.ids["job1"]
    full_installation(tech1, job, kpa_value=value, unit=unit)
    result = tech1.push(complete(tech1, job))["results"][0]
    assert [m["id"] for m in result["missing"]] == ["pressure_valve"]
    tech1.push(tech1.mutation("add_signature", **signature(job, "pressure_valve_waiver")))
    assert tech1.push(complete(tech1, job))["results"][0]["status"] == "applied"


def test_a_valve_needs_its_photo_and_a_shipped_valve_allows_no_waiver(app, world, tech1):
    job = world.ids["job1"]
    with app.app_context():
        db.session.get(Unit, uuid.UUID(world.ids["unit1"])).shipped_with_prv = True
        db.session.commit()
    full_installation(tech1, job, kpa_value=200)
    tech1.push(
        tech1.mutation("add_signature", **signature(job, "pressure_valve_waiver")),
        tech1.mutation("answer_checklist", **answer(job, "pressure_valve_installed", True)),
    )
    result = tech1.push(complete(tech1, job))["results"][0]
    assert [m["id"] for m in result["missing"]] == ["pressure_valve"]
    tech1.push(tech1.mutation("add_photo", **photo(job, "pressure_valve")))
    assert tech1.push(complete(tech1, job))["results"][0]["status"] == "applied"


def test_a_repair_needs_diagnosis_category_test_run_and_slip(app, world, tech1):
    job = world.ids["job1"]
    with app.app_context():
        db.session.get(Job, uuid.UUID(job)).kind = "repair"
        db.session.commit()
    result = tech1.push(complete(tech1, job))["results"][0]
    assert [m["id"] for m in result["missing"]] == [
        "diagnosis",
        "fault_category",
        "test_run",
        "repair_slip",
    ]
    tech1.push(
        tech1.mutation(
            "update_job",
            job_id=job,
            fields={
                "diagnosis": {"from": None, "to": "接头老化渗水"},
                "fault_category": {"from": None, "to": "seepage"},
            },
        ),
        tech1.mutation("add_signature", **signature(job, "repair_slip")),
    )
    assert [m["id"] for m in tech1.push(complete(tech1, job))["results"][0]["missing"]] == [
        "test_run"
    ]
    tech1.push(tech1.mutation("answer_checklist", **answer(job, "test_run", True)))
    assert tech1.push(complete(tech1, job))["results"][0]["status"] == "applied"


def test_pressure_is_stored_in_kpa_with_the_original_reading(app, world, tech1):
    job = world.ids["job1"]
    m = pressure(job, 3, "kgf/cm²")
    tech1.push(
        tech1.mutation("add_measurement", **m),
        tech1.mutation("add_measurement", **pressure(job, 42.7, "psi")),
    )
    with app.app_context():
        rows = {r.original_unit: r for r in db.session.scalars(sa.select(Measurement))}
        assert rows["kgf/cm2"].value == pytest.approx(294.1995, abs=0.001)
        assert rows["kgf/cm2"].unit == "kPa"
        assert rows["kgf/cm2"].original_value == 3
        assert rows["psi"].value == pytest.approx(294.406, abs=0.01)
        db.session.remove()


def test_a_signature_whose_statement_hash_differs_is_rejected(app, world, tech1):
    sig = signature(world.ids["job1"], "acceptance")
    sig["statement_sha256"] = sha("a different statement")
    result = tech1.push(tech1.mutation("add_signature", **sig))["results"][0]
    assert result["status"] == "rejected"
    assert "statement_sha256" in result["errors"]
    assert count(app, Signature) == 0


def test_customer_absent_charges_the_dealers_no_show_fee(app, client, world, tech1):
    job = world.ids["job1"]
    r = client.patch(
        f"/api/dealers/{dealer_id(app, 1)}/policy",
        headers=world.auth("admin"),
        json={"fees": {"no_show_fen": 5000}},
    )
    assert r.status_code == 200
    visit = new_id()
    body = tech1.push(
        tech1.mutation("start_visit", id=visit, job_id=job, arrived_at="2026-11-25T10:00:00+08:00"),
        tech1.mutation(
            "record_customer_absent",
            id=new_id(),
            job_id=job,
            visit_id=visit,
            at="2026-11-25T10:30:00+08:00",
        ),
    )
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    with app.app_context():
        fee = db.session.scalars(sa.select(FeeLine)).one()
        assert (fee.kind, fee.amount_fen, fee.payer) == ("no_show", 5000, "customer")
        assert db.session.get(Visit, uuid.UUID(visit)).outcome == "customer_absent"
        db.session.remove()


def test_parts_fees_and_notes_are_recorded(app, world, tech1):
    job = world.ids["job1"]
    body = tech1.push(
        tech1.mutation(
            "add_part",
            id=new_id(),
            job_id=job,
            part_code="PP-10",
            name="PP棉滤芯",
            quantity=2,
            unit_price_fen=3500,
        ),
        tech1.mutation(
            "add_fee",
            id=new_id(),
            job_id=job,
            kind="labor",
            description="上门费",
            amount_fen=5000,
            payer="customer",
        ),
        tech1.mutation(
            "add_fee",
            id=new_id(),
            job_id=job,
            kind="no_show",
            description="x",
            amount_fen=1,
            payer="customer",
        ),
        tech1.mutation("add_note", **note(job)),
    )
    assert [r["status"] for r in body["results"]] == ["applied", "applied", "rejected", "applied"]


def test_a_dealer_making_the_valve_mandatory_takes_no_waiver(app, client, world, tech1):
    job = world.ids["job1"]
    r = client.patch(
        f"/api/dealers/{dealer_id(app, 1)}/policy",
        headers=world.auth("admin"),
        json={"pressure_valve_mandatory": True},
    )
    assert r.status_code == 200
    full_installation(tech1, job, kpa_value=400)
    tech1.push(tech1.mutation("add_signature", **signature(job, "pressure_valve_waiver")))
    missing = tech1.push(complete(tech1, job))["results"][0]["missing"]
    assert [m["id"] for m in missing] == ["pressure_valve"]
    assert "必装" in missing[0]["label"]["zh-CN"]
    tech1.push(
        tech1.mutation("answer_checklist", **answer(job, "pressure_valve_installed", True)),
        tech1.mutation("add_photo", **photo(job, "pressure_valve")),
    )
    assert tech1.push(complete(tech1, job))["results"][0]["status"] == "applied"


def test_rules_without_a_dealer_are_the_default_policys(client, world):
    body = client.get("/api/sync/rules", headers=world.auth("tech1")).get_json()
    assert body["version"] == 1
    assert body["pressure_valve_threshold_kpa"] == pytest.approx(294.2)
