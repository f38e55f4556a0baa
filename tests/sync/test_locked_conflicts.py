"""Conflicts on a locked job: `client` and `merged` are an admin's audited override."""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.desk.models import Job
from server.extensions import db
from server.sync.models import SyncConflict
from tests.helpers import job_row
from tests.sync.conftest import note

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


def test_the_override_reaches_the_technicians_device(app, client, world, tech1):
    cid = _locked_field_conflict(app, world, tech1)
    _, cursor = tech1.pull_all()
    assert _resolve(client, world, cid, choice="client").status_code == 200
    changes, _ = tech1.pull_all(cursor)
    by = {(c["entity"], c["id"]): c for c in changes}
    assert by[("jobs", world.ids["job1"])]["data"]["diagnosis"] == "滤芯堵塞"
    assert by[("sync_conflicts", cid)]["data"]["status"] == "resolved"
