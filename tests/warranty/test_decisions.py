"""A job's fault gets its liability decision when it completes: stored with the facts it
used, readable by whoever may read the job, on their devices through the pull, and decided
again by the office."""

import uuid

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.desk.models import Job
from server.extensions import db
from tests.helpers import assert_problem
from tests.sync.conftest import Device, new_id
from tests.warranty.conftest import (
    complete_repair,
    decision_rows,
    now,
    repair_job,
    set_unit,
    signature_body,
)

# Installed 2026-01-31: the installer's month runs through 2026-02-28 (Asia/Shanghai).
INSTALLED = {"purchase_date": "2026-01-20", "installed_on": "2026-01-31"}


def _decision(client, world, job_id, who="dispatcher"):
    return client.get(f"/api/jobs/{job_id}/liability", headers=world.auth(who))


def test_a_completed_repair_gets_its_decision_with_the_facts_it_used(app, client, world):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, "joint_loose", reported="2026-02-20T09:00:00+08:00")
    response = complete_repair(client, world, job)
    assert response.status_code == 200, response.get_json()

    body = _decision(client, world, job).get_json()
    assert (body["rule"], body["liable"], body["charge"]) == ("L1", "installer", "free")
    assert body["path"] == ["L1"]
    assert body["source"] == "completion" and body["decided_by"] == world.ids["dispatcher"]
    assert body["found_on"] == "2026-02-20" and body["facts"]["found_on_from"] == "request"
    assert body["facts"]["periods"]["installer_ends_on"] == "2026-02-28"
    assert body["facts"]["unit"]["installed_on"] == "2026-01-31"
    assert "安装质量" in body["explanation"]["zh-CN"] and "（L1）" in body["explanation"]["zh-CN"]
    assert "installation quality" in body["explanation"]["en"]


@pytest.mark.parametrize(
    ("reported", "rule"),
    [
        # 23:59 on Feb 28 in Shanghai: the installer's last day.
        ("2026-02-28T15:59:00+00:00", "L1"),
        # 00:00 on Mar 1 in Shanghai, though still Feb 28 in UTC.
        ("2026-02-28T16:00:00+00:00", "W1"),
    ],
)
def test_the_day_found_is_the_reports_day_in_the_dealers_time_zone(
    app, client, world, reported, rule
):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, "seepage", reported=reported)
    assert complete_repair(client, world, job).status_code == 200
    assert _decision(client, world, job).get_json()["rule"] == rule


def test_a_waiver_signed_at_the_install_makes_a_leak_the_customers(app, client, world):
    set_unit(app, world, **INSTALLED)
    waiver = signature_body("pressure_valve_waiver", "2026-01-31T10:00:00+08:00")
    r = client.post(
        f"/api/jobs/{world.ids['job1']}/signatures", json=waiver, headers=world.auth("dispatcher")
    )
    assert r.status_code == 201, r.get_json()
    job = repair_job(app, world, "seepage", reported="2026-02-10T09:00:00+08:00")
    assert complete_repair(client, world, job).status_code == 200
    body = _decision(client, world, job).get_json()
    assert (body["rule"], body["liable"], body["charge"]) == ("V1", "customer", "paid")
    assert body["facts"]["unit"]["waiver_signed"] is True


def test_a_waiver_signed_on_the_repair_itself_does_not_count(app, client, world):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, "seepage", reported="2026-02-10T09:00:00+08:00")
    waiver = signature_body("pressure_valve_waiver", "2026-02-10T11:00:00+08:00")
    r = client.post(f"/api/jobs/{job}/signatures", json=waiver, headers=world.auth("dispatcher"))
    assert r.status_code == 201
    assert complete_repair(client, world, job).status_code == 200
    assert _decision(client, world, job).get_json()["rule"] == "L1"


def test_a_job_without_a_fault_completes_without_a_decision(app, client, world):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, None, kind="filter_change")
    headers = world.auth("dispatcher")
    r = client.post(f"/api/jobs/{job}/complete", json={"completed_at": now()}, headers=headers)
    assert r.status_code == 200, r.get_json()
    assert_problem(_decision(client, world, job), 404)
    assert decision_rows(app, job) == []


def test_an_impossible_date_never_stops_a_completion_and_the_office_decides_later(
    app, client, world
):
    set_unit(app, world, **INSTALLED)
    # Reported before the unit was installed: no rule can decide that.
    job = repair_job(app, world, "joint_loose", reported="2026-01-20T09:00:00+08:00")
    assert complete_repair(client, world, job).status_code == 200
    assert_problem(_decision(client, world, job), 404)
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "liability_undecided")
        )
        assert entry.entity_id == job and "found_on" in entry.data["errors"]

    url = f"/api/jobs/{job}/liability"
    assert_problem(
        client.post(url, json={}, headers=world.auth("dispatcher")), 422, field="found_on"
    )
    r = client.post(url, json={"found_on": "2026-02-01"}, headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["rule"], body["source"], body["found_on"]) == ("L1", "office", "2026-02-01")
    assert body["facts"]["found_on_from"] == "office"


def test_the_office_decides_again_after_a_filter_change_comes_to_light(app, client, world):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, "joint_loose", reported="2026-02-20T09:00:00+08:00")
    assert complete_repair(client, world, job).status_code == 200
    first = _decision(client, world, job).get_json()
    assert first["rule"] == "L1"

    change = {"changed_on": "2026-02-12", "by": "third_party", "note": "楼下店里换的"}
    r = client.post(
        f"/api/units/{world.ids['unit1']}/filter-changes",
        json=change,
        headers=world.auth("dispatcher"),
    )
    assert r.status_code == 201, r.get_json()
    # Recording the change alone does not rewrite a decision about money.
    assert _decision(client, world, job).get_json()["rule"] == "L1"

    r = client.post(f"/api/jobs/{job}/liability", json={}, headers=world.auth("admin"))
    assert r.status_code == 200, r.get_json()
    again = r.get_json()
    assert again["id"] == first["id"] and again["version"] > first["version"]
    assert (again["path"], again["liable"], again["charge"]) == (["L7", "W3"], "customer", "paid")
    assert again["decided_by"] == world.ids["admin"] and again["source"] == "office"
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "decide_liability")
            .order_by(AuditEntry.id)
        ).all()
        assert [e.data["rule"] for e in entries] == ["L1", "W3"]
        assert entries[1].data["before"] == {"rule": "L1", "liable": "installer", "charge": "free"}
    assert len(decision_rows(app, job)) == 1


def test_who_may_decide_again(app, client, world):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, "pipe_burst", reported="2026-02-20T09:00:00+08:00")
    assert complete_repair(client, world, job).status_code == 200
    url = f"/api/jobs/{job}/liability"
    for who in ("tech1", "dealer1"):
        assert_problem(client.post(url, json={}, headers=world.auth(who)), 403)
    with app.app_context():
        db.session.get(Job, uuid.UUID(job)).locked_at = db.func.now()
        db.session.commit()
    refused = client.post(url, json={}, headers=world.auth("dispatcher"))
    assert assert_problem(refused, 403)["type"].endswith("locked-job-needs-admin")
    assert client.post(url, json={}, headers=world.auth("admin")).status_code == 200


def test_a_job_without_a_fault_category_cannot_be_decided(client, world):
    url = f"/api/jobs/{world.ids['job1']}/liability"
    r = client.post(url, json={}, headers=world.auth("dispatcher"))
    assert_problem(r, 422, field="fault_category")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("dispatcher", 200),
        ("tech1", 200),
        ("dealer1", 200),
        ("tech2", 404),
        ("dealer2", 404),
    ],
)
def test_the_decision_is_read_by_whoever_may_read_the_job(app, client, world, who, status):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, "bottle_burst", reported="2026-02-20T09:00:00+08:00")
    assert complete_repair(client, world, job).status_code == 200
    response = _decision(client, world, job, who)
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["rule"] == "L2"


def test_the_decision_reaches_the_technicians_and_the_dealers_devices(app, client, world):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, "electrical_failure", reported="2026-02-20T09:00:00+08:00")
    devices = {name: Device(client, world.auth(name)) for name in ("tech1", "dealer1", "dealer2")}
    cursors = {name: device.pull_all()[1] for name, device in devices.items()}
    assert complete_repair(client, world, job).status_code == 200

    def decisions(changes):
        return [c for c in changes if c["entity"] == "liability_decisions"]

    for name in ("tech1", "dealer1"):
        changes, _ = devices[name].pull_all(cursors[name])
        (change,) = decisions(changes)
        assert change["op"] == "upsert" and change["data"]["job_id"] == job
        assert change["data"]["rule"] == "L2" and change["data"]["liable"] == "dealer"
        assert change["data"]["explanation"]["zh-CN"]
        # A new device gets it in its snapshot, with the job.
        fresh = Device(client, world.auth(name)).pull_all()[0]
        assert [c["data"]["rule"] for c in decisions(fresh)] == ["L2"]
    assert decisions(devices["dealer2"].pull_all(cursors["dealer2"])[0]) == []


def test_a_pushed_completion_decides_and_the_device_pulls_the_decision(app, client, world):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, None, reported="2026-02-20T09:00:00+08:00")
    tech1 = Device(client, world.auth("tech1"))
    _, cursor = tech1.pull_all()
    body = signature_body("repair_slip", now())
    result = tech1.push(
        tech1.mutation(
            "update_job",
            job_id=job,
            fields={"fault_category": {"from": None, "to": "leak_short_circuit"}},
        ),
        tech1.mutation(
            "answer_checklist",
            id=new_id(),
            job_id=job,
            item="test_run",
            value=True,
            answered_at=now(),
        ),
        tech1.mutation("add_signature", id=new_id(), job_id=job, **body),
        tech1.mutation("complete_job", job_id=job, completed_at=now()),
    )
    assert [r["status"] for r in result["results"]] == ["applied"] * 4, result
    changes, _ = tech1.pull_all(cursor)
    (decision,) = [c for c in changes if c["entity"] == "liability_decisions"]
    assert decision["data"]["rule"] == "L1"
    assert decision["data"]["decided_by"] == world.ids["tech1"]
