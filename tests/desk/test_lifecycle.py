"""The job lifecycle: one table of moves, and every way in goes through it."""

import uuid
from datetime import UTC, datetime

import pytest

from server.desk import lifecycle
from server.extensions import db
from server.sync.models import SyncConflict
from tests.helpers import assert_problem, job_row, set_job
from tests.sync.conftest import Device, count, note, tech1  # noqa: F401

OPEN = {"new", "assigned", "scheduled", "in_progress"}
# Written from DOMAIN.md's request lifecycle, independently of lifecycle.MOVES.
EXPECTED_SOURCES = {
    "edit": OPEN,
    "assign": OPEN,
    "unassign": {"new", "assigned", "scheduled"},
    "schedule": OPEN,
    "record": OPEN,
    "start": OPEN,
    "complete": OPEN,
    "cancel": OPEN,
    "reopen": {"completed", "cancelled", "closed"},
    "approve": {"completed"},
    "request_evidence": {"completed"},
    "close": {"completed"},
    "delete": {"new", "assigned", "scheduled", "cancelled"},
}


def test_the_table_says_from_which_status_each_move_may_start():
    for move, sources in EXPECTED_SOURCES.items():
        assert set(lifecycle.MOVES[move].sources) == sources, move
    # Every move says what it requires, for the docs and for people.
    assert all(m.requires for m in lifecycle.MOVES.values())


def post(client, world, url, who="admin", **body):
    return client.post(url.format(**world.ids), json=body, headers=world.auth(who))


@pytest.mark.parametrize("status", sorted(lifecycle.STATUSES))
@pytest.mark.parametrize(
    ("url", "body", "move"),
    [
        ("/api/jobs/{job1}/cancel", {"reason": "x"}, "cancel"),
        ("/api/jobs/{job1}/assign", {"technician_id": "tech2"}, "assign"),
        ("/api/jobs/{job1}/approve", {}, "approve"),
        ("/api/jobs/{job1}/close", {}, "close"),
    ],
)
def test_the_office_api_moves_a_job_only_where_the_table_allows(
    app, client, world, status, url, body, move
):
    set_job(app, world.ids["job1"], status=status)
    body = {k: world.ids.get(v, v) for k, v in body.items()}
    response = post(client, world, url, **body)
    if status in EXPECTED_SOURCES[move]:
        assert response.status_code == 200, response.get_json()
    else:
        problem = assert_problem(response, 409)
        assert problem["type"].endswith("job-status")
        assert job_row(app, world.ids["job1"]).status == status


def test_approve_is_the_jobs_own_dealers_and_locks_thejob_row(app, client, world):
    set_job(app, world.ids["job1"], status="completed")
    assert_problem(post(client, world, "/api/jobs/{job1}/approve", who="dealer2"), 404)
    assert_problem(post(client, world, "/api/jobs/{job1}/approve", who="tech1"), 403)
    assert_problem(post(client, world, "/api/jobs/{job1}/approve", who="dispatcher"), 403)
    r = post(client, world, "/api/jobs/{job1}/approve", who="dealer1")
    assert r.status_code == 200 and r.get_json()["locked_at"]
    # Locked: only an admin may unlock it; nothing else moves it.
    assert_problem(post(client, world, "/api/jobs/{job1}/approve", who="dealer1"), 409)
    assert_problem(post(client, world, "/api/jobs/{job1}/unlock", who="dispatcher"), 403)
    r = post(client, world, "/api/jobs/{job1}/unlock")
    assert r.status_code == 200 and r.get_json()["locked_at"] is None


def test_closing_locks_and_unlocking_a_closed_job_makes_it_completed_again(app, client, world):
    set_job(app, world.ids["job1"], status="completed")
    assert_problem(post(client, world, "/api/jobs/{job1}/close", who="dispatcher"), 403)
    r = post(client, world, "/api/jobs/{job1}/close")
    assert r.get_json()["status"] == "closed" and r.get_json()["locked_at"]
    patch = client.patch(
        f"/api/jobs/{world.ids['job1']}", json={"description": "x"}, headers=world.auth("admin")
    )
    assert_problem(patch, 409)
    r = post(client, world, "/api/jobs/{job1}/unlock")
    assert (r.get_json()["status"], r.get_json()["locked_at"]) == ("completed", None)


def _jobs_in(changes) -> dict:
    return {c["id"]: c["op"] for c in changes if c["entity"] == "jobs"}


def test_a_locked_job_leaves_its_technicians_device_and_an_unlock_brings_it_back(
    app, client, world, tech1
):
    job = world.ids["job1"]
    n = note(job)
    assert tech1.push(tech1.mutation("add_note", **n))["results"][0]["status"] == "applied"
    set_job(app, job, status="completed", completed_at=datetime.now(UTC))
    dealer = Device(client, world.auth("dealer1"))
    _, cursor = tech1.pull_all()
    _, dealer_cursor = dealer.pull_all()

    assert post(client, world, "/api/jobs/{job1}/approve", who="dealer1").status_code == 200
    changes, cursor = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(job, "remove")]
    snapshot, _ = tech1.pull_all()
    assert job not in _jobs_in(snapshot) and n["id"] not in {c["id"] for c in snapshot}
    assert_problem(client.get(f"/api/jobs/{job}", headers=world.auth("tech1")), 404)
    # Its dealer keeps it, approved, on its device as before.
    changes, dealer_cursor = dealer.pull_all(dealer_cursor)
    assert _jobs_in(changes) == {job: "upsert"}
    assert next(c for c in changes if c["id"] == job)["data"]["locked_at"]
    assert job in _jobs_in(dealer.pull_all()[0])

    # An admin's unlock: the job enters the device again, with its records.
    assert post(client, world, "/api/jobs/{job1}/unlock").status_code == 200
    changes, cursor = tech1.pull_all(cursor)
    assert _jobs_in(changes) == {job: "upsert"}
    assert ("job_notes", n["id"]) in {(c["entity"], c["id"]) for c in changes}
    assert job in _jobs_in(tech1.pull_all()[0])

    # Closing locks it too: removed again; unlocking a closed job makes it completed again.
    assert post(client, world, "/api/jobs/{job1}/close").status_code == 200
    changes, cursor = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(job, "remove")]
    assert post(client, world, "/api/jobs/{job1}/unlock").status_code == 200
    changes, _ = tech1.pull_all(cursor)
    assert [c["data"]["status"] for c in changes if c["id"] == job] == ["completed"]
    changes, _ = dealer.pull_all(dealer_cursor)
    assert "remove" not in {c["op"] for c in changes}  # the dealer never lost it


def test_a_job_holding_work_is_never_deleted(app, client, world, tech1):
    tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    set_job(app, world.ids["job1"], status="cancelled")
    r = client.delete(f"/api/jobs/{world.ids['job1']}", headers=world.auth("admin"))
    assert assert_problem(r, 409)["type"].endswith("job-has-evidence")
    assert job_row(app, world.ids["job1"]).deleted_at is None


def test_deleting_a_job_leaves_a_tombstone_and_removes_it_from_devices(app, client, world, tech1):
    office = Device(client, world.auth("admin"))
    _, office_cursor = office.pull_all()
    _, cursor = tech1.pull_all()
    assert_problem(
        client.delete(f"/api/jobs/{world.ids['job1']}", headers=world.auth("dispatcher")), 403
    )
    r = client.delete(f"/api/jobs/{world.ids['job1']}", headers=world.auth("admin"))
    assert r.status_code == 204
    assert_problem(client.get(f"/api/jobs/{world.ids['job1']}", headers=world.auth("admin")), 404)
    changes, _ = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(world.ids["job1"], "remove")]
    changes, _ = office.pull_all(office_cursor)
    assert (world.ids["job1"], "delete") in {(c["id"], c["op"]) for c in changes}
    r = post(client, world, "/api/jobs/{job1}/restore")
    assert r.status_code == 200 and r.get_json()["deleted_at"] is None
    changes, _ = tech1.pull_all(cursor)
    assert world.ids["job1"] in {c["id"] for c in changes if c["op"] == "upsert"}


def test_work_pushed_for_a_deleted_job_is_kept_and_restoring_it_lands(app, client, world, tech1):
    tech1.pull_all()
    set_job(app, world.ids["job1"], deleted_at=datetime.now(UTC))
    n = note(world.ids["job1"])
    result = tech1.push(tech1.mutation("add_note", **n))["results"][0]
    assert (result["status"], result["reason"]) == ("conflict", "deleted")
    r = client.post(
        f"/api/sync/conflicts/{result['conflicts'][0]}/resolve",
        json={"choice": "client"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    assert job_row(app, world.ids["job1"]).deleted_at is None
    listed = client.get(f"/api/jobs/{world.ids['job1']}/notes", headers=world.auth("tech1"))
    assert [item["id"] for item in listed.get_json()["items"]] == [n["id"]]


def _reassigned_conflict(client, world, tech1):
    tech1.pull_all()
    post(
        client, world, "/api/jobs/{job1}/assign", who="dispatcher", technician_id=world.ids["tech2"]
    )
    body = tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    return body["results"][0]["conflicts"][0]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("dealer1", "technician_id"),
        ("admin", "technician_id"),
        ("unknown", "technician_id"),
        ("not-a-uuid", "value"),
    ],
)
def test_a_resolution_cannot_assign_where_the_office_may_not(
    app, client, world, tech1, value, field
):
    cid = _reassigned_conflict(client, world, tech1)
    chosen = {"unknown": str(uuid.uuid4()), "not-a-uuid": "tech1"}.get(value) or world.ids[value]
    r = post(client, world, f"/api/sync/conflicts/{cid}/resolve", choice="merged", value=chosen)
    assert_problem(r, 422, field=field)
    assert str(job_row(app, world.ids["job1"]).technician_id) == world.ids["tech2"]
    assert (
        client.get(f"/api/sync/conflicts/{cid}", headers=world.auth("admin")).get_json()["status"]
        == "open"
    )


def _held_completion(app, client, world, tech1, completed_at="2026-11-25T12:00:00+08:00"):
    tech1.pull_all()
    post(client, world, "/api/jobs/{job1}/cancel", who="dispatcher", reason="客户取消")
    body = tech1.push(
        tech1.mutation("complete_job", job_id=world.ids["job1"], completed_at=completed_at)
    )
    result = body["results"][0]
    assert (result["status"], result["reason"]) == ("conflict", "cancelled")
    with app.app_context():
        conflict = db.session.get(SyncConflict, uuid.UUID(result["conflicts"][0]))
        held = datetime.fromisoformat(conflict.held_args["completed_at"])
        assert held == datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
        db.session.remove()
    return result["conflicts"][0]


def test_a_held_completion_resolved_for_the_technician_meets_the_completion_rules(
    app, client, world, tech1
):
    cid = _held_completion(app, client, world, tech1)
    r = post(client, world, f"/api/sync/conflicts/{cid}/resolve", choice="client")
    problem = assert_problem(r, 422)
    assert problem["type"].endswith("incomplete")
    assert {m["id"] for m in problem["missing"]} >= {"acceptance", "finished_photo"}
    job = job_row(app, world.ids["job1"])
    assert (job.status, job.completed_at) == ("cancelled", None)


def test_a_held_completion_of_a_kind_without_rules_completes_with_its_own_time(
    app, client, world, tech1
):
    set_job(app, world.ids["job1"], kind="consultation")
    cid = _held_completion(app, client, world, tech1)
    r = post(client, world, f"/api/sync/conflicts/{cid}/resolve", choice="client")
    assert r.status_code == 200, r.get_json()
    job = job_row(app, world.ids["job1"])
    assert job.status == "completed"
    assert job.completed_at == datetime(2026, 11, 25, 4, 0, tzinfo=UTC)


def test_a_merged_status_cannot_complete_without_a_held_time(app, client, world, tech1):
    cid = _reassigned_conflict(client, world, tech1)
    post(client, world, "/api/jobs/{job1}/cancel", who="dispatcher", reason="x")
    body = tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    status_conflict = body["results"][0]["conflicts"][0]
    assert status_conflict != cid
    set_job(app, world.ids["job1"], kind="consultation")
    r = post(
        client,
        world,
        f"/api/sync/conflicts/{status_conflict}/resolve",
        choice="merged",
        value="completed",
    )
    assert_problem(r, 422, field="value")
    r = post(
        client,
        world,
        f"/api/sync/conflicts/{status_conflict}/resolve",
        choice="merged",
        value="closed",
    )
    assert_problem(r, 422, field="value")
    assert job_row(app, world.ids["job1"]).status == "cancelled"


def test_a_completion_dated_in_the_future_is_refused(app, world, tech1):
    body = tech1.push(
        tech1.mutation(
            "complete_job", job_id=world.ids["job1"], completed_at="2031-01-01T00:00:00+08:00"
        )
    )
    result = body["results"][0]
    assert (result["status"], result["reason"]) == ("rejected", "invalid_args")
    assert "completed_at" in result["errors"]
    assert count(app, SyncConflict) == 0
