"""The office records and corrects field work through REST, under the rules a push meets."""

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.extensions import db
from server.field.models import FeeLine, Measurement, Note
from tests.helpers import assert_problem, job_row, set_job
from tests.sync.conftest import NOW, Device, count, new_id, pressure, sha, signature, tech1  # noqa: F401


def url(world, path, job="job1"):
    return f"/api/jobs/{world.ids[job]}/{path}"


def post(client, world, path, body, who="dispatcher", job="job1"):
    return client.post(url(world, path, job), json=body, headers=world.auth(who))


EVIDENCE = {
    "notes": {"body": "客户要求周末回访"},
    "measurements": {"kind": "inlet_pressure", "value": 3.2, "unit": "公斤", "measured_at": NOW},
    "photos": {"purpose": "site", "sha256": sha("photo"), "taken_at": NOW},
    "parts": {"part_code": "PP-10", "name": "PP棉滤芯", "quantity": 2, "unit_price_fen": 3500},
    "fees": {"kind": "labor", "description": "上门费", "amount_fen": 5000, "payer": "customer"},
    "fee-agreements": {
        "kind": "travel",
        "amount_fen": 3000,
        "party": "customer",
        "party_name": "张伟",
        "way": "call",
    },
    "checklist-answers": {"item": "floor_drain", "value": False, "answered_at": NOW},
}


@pytest.mark.parametrize("collection", list(EVIDENCE))
def test_the_office_adds_evidence_that_readers_of_the_job_see(
    app, client, world, tech1, collection
):
    _, cursor = tech1.pull_all()
    r = post(client, world, collection, EVIDENCE[collection])
    assert r.status_code == 201, r.get_json()
    record = r.get_json()
    assert record["job_id"] == world.ids["job1"] and record["created_by"] == world.ids["dispatcher"]
    for who in ("admin", "tech1", "dealer1"):
        listed = client.get(url(world, collection), headers=world.auth(who)).get_json()
        assert [item["id"] for item in listed["items"]] == [record["id"]], who
    for who in ("tech2", "dealer2"):
        assert_problem(client.get(url(world, collection), headers=world.auth(who)), 404)
    changes, _ = tech1.pull_all(cursor)
    assert record["id"] in {c["id"] for c in changes}


@pytest.mark.parametrize("who", ["tech1", "dealer1"])
def test_only_the_office_writes_field_work_through_rest(app, client, world, who):
    assert_problem(post(client, world, "notes", {"body": "x"}, who=who), 403)
    assert_problem(post(client, world, "visits", {"arrived_at": NOW}, who=who), 403)
    assert count(app, Note) == 0


def test_the_same_reading_pushed_or_posted_is_stored_the_same(app, client, world, tech1):
    tech1.push(tech1.mutation("add_measurement", **pressure(world.ids["job1"], 3, "kgf/cm²")))
    r = post(client, world, "measurements", {**EVIDENCE["measurements"], "value": 3})
    assert r.status_code == 201
    with app.app_context():
        rows = db.session.scalars(sa.select(Measurement)).all()
        assert [(round(m.value, 3), m.unit, m.original_value, m.original_unit) for m in rows] == [
            (294.2, "kPa", 3, "kgf/cm2")
        ] * 2
        db.session.remove()


@pytest.mark.parametrize(
    ("kind", "unit", "ok", "stored"),
    [
        ("tds_in", "psi", False, None),
        ("tds_out", "kPa", False, None),
        ("inlet_pressure", "mg/L", False, None),
        ("tds_in", "ppm", True, ("mg/L", 85.0)),
        ("tds_out", "mg/l", True, ("mg/L", 85.0)),
    ],
)
def test_a_reading_must_use_a_unit_of_its_own_kind(app, world, tech1, kind, unit, ok, stored):
    m = {**pressure(world.ids["job1"], 85, unit), "kind": kind}
    result = tech1.push(tech1.mutation("add_measurement", **m))["results"][0]
    if not ok:
        assert (result["status"], result["reason"]) == ("rejected", "invalid_args")
        assert "unit" in result["errors"]
        assert count(app, Measurement) == 0
        return
    assert result["status"] == "applied"
    with app.app_context():
        row = db.session.scalars(sa.select(Measurement)).one()
        assert (row.unit, row.value) == stored
        db.session.remove()


def test_a_tds_reading_in_psi_is_a_422_through_rest_too(app, client, world):
    body = {"kind": "tds_in", "value": 85, "unit": "psi", "measured_at": NOW}
    assert_problem(post(client, world, "measurements", body), 422, field="unit")
    assert count(app, Measurement) == 0


def test_bad_references_and_reused_ids_write_nothing(app, client, world, tech1):
    other_visit = new_id()
    tech2 = Device(client, world.auth("tech2"))
    tech2.push(
        tech2.mutation("start_visit", id=other_visit, job_id=world.ids["job2"], arrived_at=NOW)
    )
    body = {"body": "x", "visit_id": other_visit}
    assert_problem(post(client, world, "notes", body), 422, field="visit_id")
    note_id = new_id()
    assert post(client, world, "notes", {"id": note_id, "body": "x"}).status_code == 201
    assert_problem(post(client, world, "notes", {"id": note_id, "body": "y"}), 409)
    assert_problem(post(client, world, "notes", {"body": ""}), 422, field="body")
    assert_problem(post(client, world, "notes", {"body": "x", "colour": 1}), 422, field="colour")
    assert count(app, Note) == 1


@pytest.mark.parametrize(
    ("values", "slug"),
    [({"status": "cancelled"}, "job-status"), ({"status": "completed"}, "job-status")],
)
def test_no_evidence_is_added_to_a_job_that_is_not_open(app, client, world, values, slug):
    set_job(app, world.ids["job1"], **values)
    problem = assert_problem(post(client, world, "notes", {"body": "x"}), 409)
    assert problem["type"].endswith(slug)
    assert count(app, Note) == 0


def test_a_locked_job_takes_no_evidence(app, client, world):
    from server.common.models import utcnow

    set_job(app, world.ids["job1"], locked_at=utcnow())
    problem = assert_problem(post(client, world, "notes", {"body": "x"}), 409)
    assert problem["type"].endswith("job-locked")


def test_a_visit_starts_the_job_and_the_office_corrects_it(app, client, world, tech1):
    r = post(client, world, "visits", {"arrived_at": "2026-11-25T10:00:00+08:00"})
    assert r.status_code == 201
    visit = r.get_json()
    assert job_row(app, world.ids["job1"]).status == "in_progress"
    path = url(world, f"visits/{visit['id']}")
    early = {"departed_at": "2026-11-25T09:00:00+08:00"}
    assert_problem(client.patch(path, json=early, headers=world.auth("dispatcher")), 422)
    fix = {"departed_at": "2026-11-25T11:30:00+08:00", "outcome": "customer_absent"}
    r = client.patch(path, json=fix, headers=world.auth("dispatcher"))
    assert r.status_code == 200 and r.get_json()["outcome"] == "customer_absent"
    # Another job's visit is not found under this job.
    wrong = f"/api/jobs/{world.ids['job2']}/visits/{visit['id']}"
    assert_problem(client.patch(wrong, json=fix, headers=world.auth("dispatcher")), 404)
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "correct_visit")
        ).one()
        assert entry.data["outcome"] == [None, "customer_absent"]
        db.session.remove()


def test_a_retracted_record_is_a_tombstone_for_every_reader(app, client, world, tech1):
    record = post(client, world, "notes", {"body": "写错了"}).get_json()
    _, cursor = tech1.pull_all()
    path = url(world, f"notes/{record['id']}")
    assert_problem(client.delete(path, json={}, headers=world.auth("dispatcher")), 422)
    r = client.delete(path, json={"reason": "记错客户"}, headers=world.auth("dispatcher"))
    assert r.status_code == 204
    assert client.get(url(world, "notes"), headers=world.auth("tech1")).get_json()["items"] == []
    changes, _ = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(record["id"], "delete")]
    assert count(app, Note) == 1  # kept, with its tombstone


def test_the_office_records_a_no_show_at_the_dealers_fee(app, client, world):
    r = client.patch(
        f"/api/dealers/{world.ids['org1']}/policy",
        headers=world.auth("admin"),
        json={"fees": {"no_show_fen": 4500}},
    )
    assert r.status_code == 200
    r = post(client, world, "no-show", {"at": NOW})
    assert r.status_code == 201
    assert (r.get_json()["amount_fen"], r.get_json()["payer"]) == (4500, "customer")
    assert count(app, FeeLine) == 1


def test_the_office_completes_under_the_same_rules_as_a_device(app, client, world):
    set_job(app, world.ids["job1"], kind="repair")
    r = post(client, world, "complete", {"completed_at": NOW})
    problem = assert_problem(r, 422)
    assert [m["id"] for m in problem["missing"]] == [
        "diagnosis",
        "fault_category",
        "test_run",
        "repair_slip",
    ]
    set_job(app, world.ids["job1"], diagnosis="接头渗水", fault_category="seepage")
    run = {"item": "test_run", "value": True, "answered_at": NOW}
    assert post(client, world, "checklist-answers", run).status_code == 201
    slip = signature(world.ids["job1"], "repair_slip")
    del slip["job_id"]  # the URL names the job
    assert post(client, world, "signatures", slip).status_code == 201
    r = post(client, world, "complete", {"completed_at": NOW})
    assert r.status_code == 200 and r.get_json()["status"] == "completed"
    assert_problem(post(client, world, "complete", {"completed_at": NOW}), 409)
