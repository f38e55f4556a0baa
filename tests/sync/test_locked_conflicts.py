"""Conflicts on a locked job: `client` and `merged` are an admin's audited override."""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.desk.models import Job
from server.extensions import db
from server.field.models import Note
from server.sync.models import SyncConflict
from tests.helpers import assert_problem, job_row, set_job
from tests.sync.conftest import Device, count, note

LOCKED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _lock(app, job_id, diagnosis="原诊断"):
    with app.app_context():
        job = db.session.get(Job, uuid.UUID(job_id))
        job.locked_at, job.diagnosis = LOCKED, diagnosis
        db.session.commit()
        db.session.remove()


def _audit(app, cid):
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "resolve_conflict", AuditEntry.entity_id == cid
            )
        ).one()
        db.session.remove()
        return entry


def _conflicts(app, job_id):
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SyncConflict).where(SyncConflict.job_id == uuid.UUID(job_id))
        ).all()
        out = {(c.field, c.reason): str(c.id) for c in rows}
        db.session.remove()
        return out


def _locked_field_conflict(app, world, tech1):
    job = world.ids["job1"]
    _lock(app, job)
    body = tech1.push(
        tech1.mutation(
            "update_job", job_id=job, fields={"diagnosis": {"from": "原诊断", "to": "滤芯堵塞"}}
        )
    )
    assert body["results"][0]["status"] == "conflict"
    return body["results"][0]["conflicts"][0]


def _resolve(client, world, cid, who="admin", **body):
    return client.post(f"/api/sync/conflicts/{cid}/resolve", json=body, headers=world.auth(who))


@pytest.mark.parametrize(
    "choice, value, expected",
    [("client", None, "滤芯堵塞"), ("server", None, "原诊断"), ("merged", "管路堵塞", "管路堵塞")],
)
def test_a_field_held_by_a_lock_is_settled_like_any_conflict(
    app, client, world, tech1, choice, value, expected
):
    cid = _locked_field_conflict(app, world, tech1)
    body = {"choice": choice} if choice != "merged" else {"choice": choice, "value": value}
    r = _resolve(client, world, cid, **body)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["resolution"], r.get_json()["resolved_value"]) == (choice, expected)
    job = job_row(app, world.ids["job1"])
    assert job.diagnosis == expected
    assert job.locked_at == LOCKED  # the job stays locked; only the field was overridden
    entry = _audit(app, cid)
    assert entry.data["locked_override"] is (choice != "server")
    assert str(entry.actor_id) == world.ids["admin"]


def _locked_evidence_conflict(app, world, tech1):
    job = world.ids["job1"]
    _lock(app, job)
    body = tech1.push(tech1.mutation("add_note", **note(job)))
    assert (body["results"][0]["status"], body["results"][0]["reason"]) == ("conflict", "locked")
    return _conflicts(app, job)[("locked_at", "locked")]


def test_client_on_a_locked_evidence_conflict_unlocks_the_job_so_held_work_can_land(
    app, client, world, tech1
):
    cid = _locked_evidence_conflict(app, world, tech1)
    r = _resolve(client, world, cid, choice="client")
    assert r.status_code == 200 and r.get_json()["resolved_value"] is None
    assert job_row(app, world.ids["job1"]).locked_at is None
    assert _audit(app, cid).data["locked_override"] is True
    # Unlocked, the technician's next edit applies normally.
    body = tech1.push(
        tech1.mutation(
            "update_job",
            job_id=world.ids["job1"],
            fields={"diagnosis": {"from": "原诊断", "to": "新"}},
        )
    )
    assert body["results"][0]["status"] == "applied"


def test_server_on_a_locked_evidence_conflict_keeps_the_lock(app, client, world, tech1):
    cid = _locked_evidence_conflict(app, world, tech1)
    r = _resolve(client, world, cid, choice="server")
    assert r.status_code == 200
    assert r.get_json()["resolved_value"] == LOCKED.isoformat()
    assert job_row(app, world.ids["job1"]).locked_at == LOCKED
    assert _audit(app, cid).data["locked_override"] is False


def test_merged_on_a_locked_evidence_conflict_sets_the_admins_lock_time(app, client, world, tech1):
    cid = _locked_evidence_conflict(app, world, tech1)
    r = _resolve(client, world, cid, choice="merged", value="2026-11-26T09:30:00+08:00")
    assert r.status_code == 200, r.get_json()
    assert job_row(app, world.ids["job1"]).locked_at == datetime(2026, 11, 26, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad",
    ["next tuesday", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", 1e18],
    ids=["words", "year 1 east of UTC", "year 9999 west of UTC", "a number"],
)
def test_a_bad_lock_time_is_a_422_and_changes_nothing(app, client, world, tech1, bad):
    cid = _locked_evidence_conflict(app, world, tech1)
    r = _resolve(client, world, cid, choice="merged", value=bad)
    assert r.status_code == 422 and r.get_json()["errors"]["value"]
    assert job_row(app, world.ids["job1"]).locked_at == LOCKED
    assert (
        client.get(f"/api/sync/conflicts/{cid}", headers=world.auth("admin")).get_json()["status"]
        == "open"
    )


def test_a_dispatcher_may_keep_a_lock_but_not_override_it(app, client, world, tech1):
    cid = _locked_field_conflict(app, world, tech1)
    r = _resolve(client, world, cid, who="dispatcher", choice="client")
    assert r.status_code == 403 and r.get_json()["type"].endswith("locked-job-needs-admin")
    assert job_row(app, world.ids["job1"]).diagnosis == "原诊断"
    r = _resolve(client, world, cid, who="dispatcher", choice="server")
    assert r.status_code == 200


def test_the_override_reaches_the_technicians_device_once_the_job_is_back_on_it(
    app, client, world, tech1
):
    _, cursor = tech1.pull_all()
    cid = _locked_field_conflict(app, world, tech1)
    # Locked, the job left the device: nothing about it arrives, the override neither.
    changes, cursor = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(world.ids["job1"], "remove")]
    assert _resolve(client, world, cid, choice="client").status_code == 200
    changes, cursor = tech1.pull_all(cursor)
    assert changes == []
    # An admin's unlock brings it back with the override and the settled conflict.
    r = client.post(f"/api/jobs/{world.ids['job1']}/unlock", headers=world.auth("admin"))
    assert r.status_code == 200
    changes, _ = tech1.pull_all(cursor)
    by = {(c["entity"], c["id"]): c for c in changes}
    assert by[("jobs", world.ids["job1"])]["data"]["diagnosis"] == "滤芯堵塞"
    assert by[("sync_conflicts", cid)]["data"]["status"] == "resolved"


def _approved_while_offline(app, client, world, device):
    """job1 completed and on the device; then its dealer approves it (the device is away)."""
    set_job(app, world.ids["job1"], status="completed", completed_at=datetime.now(UTC))
    changes, cursor = device.pull_all()
    assert ("jobs", world.ids["job1"]) in {(c["entity"], c["id"]) for c in changes}
    r = client.post(f"/api/jobs/{world.ids['job1']}/approve", headers=world.auth("dealer1"))
    assert r.status_code == 200 and r.get_json()["locked_at"]
    return cursor


def test_work_queued_on_a_job_approved_meanwhile_is_held_not_lost(app, client, world, tech1):
    job = world.ids["job1"]
    cursor = _approved_while_offline(app, client, world, tech1)
    # The job has left the technician's scope: REST no longer shows it to them …
    assert_problem(client.get(f"/api/jobs/{job}", headers=world.auth("tech1")), 404)
    # … yet their queued work on it is answered as before: held for an admin, not lost,
    # and never "unknown" or "out of scope".
    n = note(job, body="客户说滤芯有异味")
    body = tech1.push(
        tech1.mutation("add_note", **n),
        tech1.mutation(
            "update_job", job_id=job, fields={"diagnosis": {"from": None, "to": "异味"}}
        ),
        tech1.mutation("complete_job", job_id=job, completed_at="2026-11-25T11:00:00+08:00"),
    )
    outcomes = [(r["status"], r.get("reason")) for r in body["results"]]
    assert outcomes == [("conflict", "locked")] * 3
    assert count(app, Note, id=uuid.UUID(n["id"])) == 1  # evidence is stored
    held = _conflicts(app, job)
    assert {("locked_at", "locked"), ("diagnosis", "locked"), ("status", "locked")} <= set(held)
    assert job_row(app, job).diagnosis is None  # the edit waits for an admin
    # The device learns the job left; nothing else about it reaches the device.
    changes, cursor = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(job, "remove")]
    # The admin takes the technician's side: the job is unlocked and comes back with the
    # note, the held edit waiting as an open conflict on the device.
    assert (
        _resolve(client, world, held[("locked_at", "locked")], choice="client").status_code == 200
    )
    changes, _ = tech1.pull_all(cursor)
    upserted = {(c["entity"], c["id"]): c["data"] for c in changes if c["op"] == "upsert"}
    assert upserted[("jobs", job)]["locked_at"] is None
    assert ("job_notes", n["id"]) in upserted
    assert upserted[("sync_conflicts", held[("diagnosis", "locked")])]["status"] == "open"


def test_a_relock_takes_the_job_off_the_device_again(app, client, world, tech1):
    """An admin's relock (a lock time chosen in a resolution) is a remove, as approving is."""
    job = world.ids["job1"]
    phone = Device(client, world.auth("tech1"))  # the technician's second device
    cursor = _approved_while_offline(app, client, world, tech1)
    first = tech1.push(tech1.mutation("add_note", **note(job)))["results"][0]["conflicts"][0]
    second = phone.push(phone.mutation("add_note", **note(job)))["results"][0]["conflicts"][0]
    assert first != second  # each device's held work is its own conflict
    changes, cursor = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(job, "remove")]
    assert _resolve(client, world, first, choice="client").status_code == 200  # unlock
    changes, cursor = tech1.pull_all(cursor)
    assert ("jobs", job, "upsert") in {(c["entity"], c["id"], c["op"]) for c in changes}
    r = _resolve(client, world, second, choice="merged", value="2026-11-26T09:30:00+08:00")
    assert r.status_code == 200, r.get_json()
    assert job_row(app, job).locked_at == datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
    changes, _ = tech1.pull_all(cursor)
    assert [(c["id"], c["op"]) for c in changes] == [(job, "remove")]
    assert job not in {c["id"] for c in tech1.pull_all()[0] if c["entity"] == "jobs"}
