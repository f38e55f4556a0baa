"""Pull: snapshot, then the change log; scope, removals, tombstones, resync."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from server.common.models import utcnow
from server.desk.models import Job
from server.extensions import db
from server.field.models import Note
from server.sync import pull as pull_service
from server.sync import retention
from server.sync.models import ChangeLog, SyncMutation
from tests.sync.conftest import Device, count, new_id, note


def by_entity(changes, entity):
    return {c["id"]: c for c in changes if c["entity"] == entity}


def test_first_pull_is_a_snapshot_of_my_jobs_with_what_they_need(app, world, tech1):
    body = tech1.pull()
    assert body["reset"] is True and body["schema_version"] == 1
    changes = body["changes"]
    assert set(by_entity(changes, "jobs")) == {world.ids["job1"]}
    assert set(by_entity(changes, "customers")) == {world.ids["customer1"]}
    assert set(by_entity(changes, "units")) == {world.ids["unit1"]}
    (dealer,) = by_entity(changes, "dealers").values()
    assert dealer["data"]["policy"]["fees"]["no_show_fen"] == 3000
    assert "installation" in dealer["data"]["rules"]["kinds"]
    assert "webhook_url" not in dealer["data"]


def test_snapshot_pages_by_jobs_and_then_follows_the_log(app, client, world, tech1):
    with app.app_context():
        base = db.session.get(Job, uuid.UUID(world.ids["job1"]))
        for _ in range(4):
            db.session.add(
                Job(
                    customer_id=base.customer_id,
                    unit_id=base.unit_id,
                    dealer_id=base.dealer_id,
                    kind="repair",
                    status="assigned",
                    technician_id=base.technician_id,
                )
            )
        db.session.commit()
    first = tech1.pull(limit=2)
    assert first["has_more"] is True and first["cursor"].startswith("s")
    changes, cursor = tech1.pull_all(first["cursor"], limit=2)
    seen = set(by_entity(first["changes"] + changes, "jobs"))
    assert len(seen) == 5
    assert not cursor.startswith("s")
    # Nothing new: the log has nothing for this device.
    assert tech1.pull(cursor)["changes"] == []


def test_pushed_evidence_and_office_edits_arrive_on_the_next_pull(app, client, world, tech1):
    _, cursor = tech1.pull_all()
    job = world.ids["job1"]
    n = note(job, "带了新接头")
    tech1.push(tech1.mutation("add_note", **n))
    r = client.patch(
        f"/api/customers/{world.ids['customer1']}",
        headers=world.auth("dispatcher"),
        json={"name": "张伟", "phone": "13800000001", "address": "杭州市西湖区文三路100号"},
    )
    assert r.status_code == 200
    changes, cursor2 = tech1.pull_all(cursor)
    assert by_entity(changes, "job_notes")[n["id"]]["data"]["body"] == "带了新接头"
    assert by_entity(changes, "customers")[world.ids["customer1"]]["data"]["address"] == (
        "杭州市西湖区文三路100号"
    )
    assert pull_service._position(cursor2) > pull_service._position(cursor)


def test_other_technicians_changes_never_reach_me(app, client, world, tech1, tech2):
    _, cursor = tech1.pull_all()
    tech2.push(tech2.mutation("add_note", **note(world.ids["job2"])))
    r = client.patch(
        f"/api/customers/{world.ids['customer2']}",
        headers=world.auth("dispatcher"),
        json={"name": "李娜", "phone": "13800000002", "address": "x", "notes": "VIP"},
    )
    assert r.status_code == 200
    changes, _ = tech1.pull_all(cursor)
    assert changes == []


def test_a_reassigned_job_is_removed_from_one_device_and_arrives_on_the_other(
    app, client, world, tech1, tech2
):
    job = world.ids["job1"]
    tech1.push(tech1.mutation("add_note", **note(job, "旧师傅的备注")))
    _, c1 = tech1.pull_all()
    _, c2 = tech2.pull_all()
    r = client.post(
        f"/api/jobs/{job}/assign",
        headers=world.auth("dispatcher"),
        json={"technician_id": world.ids["tech2"]},
    )
    assert r.status_code == 200
    gone, _ = tech1.pull_all(c1)
    assert [(c["entity"], c["id"], c["op"]) for c in gone] == [("jobs", job, "remove")]
    came, _ = tech2.pull_all(c2)
    assert by_entity(came, "jobs")[job]["op"] == "upsert"
    # The evidence captured before the reassignment comes with it.
    assert [c["data"]["body"] for c in by_entity(came, "job_notes").values()] == ["旧师傅的备注"]
    assert world.ids["customer1"] in by_entity(came, "customers")


def test_a_cancelled_job_is_removed(app, client, world, tech1):
    _, cursor = tech1.pull_all()
    job = world.ids["job1"]
    client.post(f"/api/jobs/{job}/cancel", headers=world.auth("dispatcher"), json={"reason": "x"})
    changes, _ = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(job, "remove")]


def test_a_soft_deleted_record_arrives_as_a_tombstone(app, world, tech1):
    n = note(world.ids["job1"])
    tech1.push(tech1.mutation("add_note", **n))
    _, cursor = tech1.pull_all()
    with app.app_context():
        db.session.get(Note, uuid.UUID(n["id"])).deleted_at = utcnow()
        db.session.commit()
    changes, _ = tech1.pull_all(cursor)
    assert changes == [
        {**changes[0], "entity": "job_notes", "id": n["id"], "op": "delete", "data": None}
    ]


def test_a_cursor_older_than_tombstone_retention_gets_a_full_resync(app, world, tech1):
    _, old_cursor = tech1.pull_all()
    tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    with app.app_context():
        db.session.execute(sa.update(ChangeLog).values(at=utcnow() - timedelta(days=200)))
        db.session.commit()
        assert pull_service.prune() > 0
    body = tech1.pull(old_cursor)
    assert body["reset"] is True
    assert world.ids["job1"] in by_entity(body["changes"], "jobs")
    assert len(by_entity(body["changes"], "job_notes")) == 1


def test_a_made_up_cursor_is_a_400(client, world):
    for cursor in ("abc", "s12:not-a-uuid"):
        r = client.get(
            "/api/sync/pull", query_string={"cursor": cursor}, headers=world.auth("tech1")
        )
        assert r.status_code == 400 and r.get_json()["type"].endswith("bad-cursor")


def test_office_follows_every_change_including_deletes(app, client, world):
    office = Device(client, world.auth("admin"))
    snapshot = office.pull()
    assert {world.ids["job1"], world.ids["job2"]} <= set(by_entity(snapshot["changes"], "jobs"))
    _, cursor = office.pull_all(snapshot["cursor"])
    with app.app_context():
        db.session.get(Job, uuid.UUID(world.ids["job2"])).deleted_at = utcnow()
        db.session.commit()
    changes, _ = office.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(world.ids["job2"], "delete")]


def test_pull_checks_its_schema_version_and_limit(client, world):
    auth = world.auth("tech1")
    r = client.get("/api/sync/pull", query_string={"schema_version": 7}, headers=auth)
    assert r.status_code == 400 and r.get_json()["type"].endswith("unsupported-schema-version")
    r = client.get("/api/sync/pull", query_string={"limit": 5000}, headers=auth)
    assert r.status_code == 422 and "limit" in r.get_json()["errors"]


def test_a_visit_starts_the_job_and_its_departure_merges(app, world, tech1):
    job = world.ids["job1"]
    _, cursor = tech1.pull_all()
    visit = new_id()
    body = tech1.push(
        tech1.mutation("start_visit", id=visit, job_id=job, arrived_at="2026-11-25T09:00:00+08:00"),
        tech1.mutation(
            "update_visit",
            id=visit,
            fields={
                "departed_at": {"from": None, "to": "2026-11-25T11:00:00+08:00"},
                "outcome": {"from": None, "to": "done"},
            },
        ),
        tech1.mutation("start_visit", id=visit, job_id=job, arrived_at="2026-11-25T09:00:00+08:00"),
    )
    assert [r["status"] for r in body["results"]] == ["applied", "applied", "duplicate"]
    changes, _ = tech1.pull_all(cursor)
    assert by_entity(changes, "jobs")[job]["data"]["status"] == "in_progress"
    pulled = by_entity(changes, "visits")[visit]["data"]
    assert pulled["outcome"] == "done"
    assert pulled["departed_at"].startswith("2026-11-25T03:00:00")


def test_the_prune_command_runs_from_the_cli(app, world):
    with app.app_context():
        db.session.execute(sa.update(ChangeLog).values(at=utcnow() - timedelta(days=400)))
        db.session.commit()
        logged = db.session.scalar(sa.select(sa.func.count()).select_from(ChangeLog))
        db.session.remove()
    assert logged > 0
    result = app.test_cli_runner().invoke(args=["sync", "prune"])
    assert result.exit_code == 0, result.output
    assert f"Pruned {logged} change-log entries." in result.output


def test_an_expired_push_answer_still_makes_a_resend_a_duplicate_never_a_second_write(
    app, world, tech1
):
    batch = [tech1.mutation("add_note", **note(world.ids["job1"])) for _ in range(3)]
    assert {r["status"] for r in tech1.push(*batch)["results"]} == {"applied"}
    with app.app_context():
        db.session.execute(
            sa.update(SyncMutation).values(processed_at=utcnow() - timedelta(days=200))
        )
        db.session.commit()
        assert retention.prune_answers() == 3
        db.session.remove()
    again = tech1.push(*batch)["results"]
    assert [(r["status"], r["original"]) for r in again] == [("duplicate", None)] * 3
    assert count(app, Note) == 3


def test_push_answers_younger_than_the_retention_are_kept(app, world, tech1):
    tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    with app.app_context():
        assert retention.prune_answers() == 0
        db.session.remove()
    assert count(app, SyncMutation) == 1
