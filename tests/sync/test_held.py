"""Held work is never lost: each held value keeps its own row, client and mutation; work on a
completed job is held like work on a cancelled one; a held no-show charges nobody yet."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from server.extensions import db
from server.field.models import FeeLine, Note, Visit
from server.sync.models import SyncConflict
from tests.helpers import assert_problem, job_row, set_job
from tests.sync.conftest import NOW, Device, count, new_id, note


def _conflicts(app, **filters):
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SyncConflict).filter_by(**filters).order_by(SyncConflict.created_at)
        ).all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return rows


def describe(device, job, seen, text):
    return device.mutation(
        "update_job", job_id=job, fields={"description": {"from": seen, "to": text}}
    )


def test_every_devices_held_value_keeps_its_own_row_client_and_mutation(app, client, world):
    job = world.ids["job1"]
    phones = [Device(client, world.auth("tech1")) for _ in range(3)]
    phones[0].push(describe(phones[0], job, None, "A"))  # the server now says "A"
    # Two other devices edited from the old value: description is held for an admin.
    first = phones[1].push(describe(phones[1], job, None, "B"))["results"][0]
    second = phones[2].push(describe(phones[2], job, None, "C"))["results"][0]
    again = phones[1].push(describe(phones[1], job, None, "B"))["results"][0]  # resent anew
    changed = phones[1].push(describe(phones[1], job, None, "D"))["results"][0]
    assert [r["status"] for r in (first, second, again, changed)] == ["conflict"] * 4
    assert again["conflicts"] == first["conflicts"]  # the same value again: the same row
    rows = {str(c.id): c for c in _conflicts(app, field="description", status="open")}
    assert len(rows) == 3
    held = {(str(c.client_id), c.mutation_id, c.client_value) for c in rows.values()}
    assert held == {
        (phones[1].client_id, 1, "B"),
        (phones[2].client_id, 1, "C"),
        (phones[1].client_id, 3, "D"),
    }
    assert job_row(app, job).description == "A"


def test_a_held_completion_is_not_overwritten_by_evidence_pushed_after_it(
    app, client, world, tech1
):
    job = world.ids["job1"]
    tech1.pull_all()
    client.post(
        f"/api/jobs/{job}/cancel", json={"reason": "客户取消"}, headers=world.auth("dispatcher")
    )
    body = tech1.push(
        tech1.mutation("complete_job", job_id=job, completed_at=NOW),
        tech1.mutation("add_note", **note(job)),
    )
    completion, evidence = body["results"]
    assert completion["conflicts"] != evidence["conflicts"]
    by_id = {str(c.id): c for c in _conflicts(app, job_id=uuid.UUID(job))}
    assert by_id[completion["conflicts"][0]].client_value == "completed"
    assert by_id[completion["conflicts"][0]].held_args["completed_at"]
    assert by_id[evidence["conflicts"][0]].client_value == "in_progress"
    assert count(app, Note) == 1


def test_a_no_show_on_a_job_that_moved_on_is_held_and_charges_nobody_until_accepted(
    app, client, world, tech1
):
    job = world.ids["job1"]
    visit, fee = new_id(), new_id()
    tech1.push(tech1.mutation("start_visit", id=visit, job_id=job, arrived_at=NOW))
    client.post(
        f"/api/jobs/{job}/assign",
        json={"technician_id": world.ids["tech2"]},
        headers=world.auth("dispatcher"),
    )
    result = tech1.push(
        tech1.mutation("record_customer_absent", id=fee, job_id=job, visit_id=visit, at=NOW)
    )["results"][0]
    assert (result["status"], result["reason"]) == ("conflict", "reassigned")
    assert count(app, FeeLine) == 0
    with app.app_context():
        assert db.session.get(Visit, uuid.UUID(visit)).outcome is None
        db.session.remove()
    (held,) = _conflicts(app, field="no_show")
    assert held.client_value == {"amount_fen": 3000, "payer": "customer"}
    bad = client.post(
        f"/api/sync/conflicts/{held.id}/resolve",
        json={"choice": "merged", "value": {"amount_fen": 1, "payer": "customer"}},
        headers=world.auth("admin"),
    )
    assert_problem(bad, 422, field="value")
    r = client.post(
        f"/api/sync/conflicts/{held.id}/resolve",
        json={"choice": "client"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    with app.app_context():
        charged = db.session.get(FeeLine, uuid.UUID(fee))
        assert (charged.kind, charged.amount_fen, charged.payer) == ("no_show", 3000, "customer")
        assert db.session.get(Visit, uuid.UUID(visit)).outcome == "customer_absent"
        db.session.remove()


def test_a_completed_job_is_not_open_to_device_edits(app, client, world, tech1):
    job = world.ids["job1"]
    set_job(app, job, status="completed", completed_at=datetime.now(UTC), kind="consultation")
    body = tech1.push(
        tech1.mutation(
            "update_job", job_id=job, fields={"fault_category": {"from": None, "to": "misuse"}}
        ),
        tech1.mutation("add_note", **note(job, "补充说明")),
        tech1.mutation("start_visit", id=new_id(), job_id=job, arrived_at=NOW),
        tech1.mutation("complete_job", job_id=job, completed_at=NOW),
    )
    statuses = [(r["status"], r.get("reason")) for r in body["results"]]
    assert statuses == [
        ("conflict", "completed"),
        ("conflict", "completed"),
        ("conflict", "completed"),
        ("duplicate", None),
    ]
    after = job_row(app, job)
    assert (after.status, after.fault_category) == ("completed", None)  # who pays: unchanged
    assert count(app, Note) == 1  # evidence is kept
    (edit,) = _conflicts(app, field="fault_category")
    assert edit.client_value == "misuse"
    # The admin takes the device's side of the evidence conflict: the job is open again.
    (opened,) = _conflicts(app, field="status", reason="completed")
    r = client.post(
        f"/api/sync/conflicts/{opened.id}/resolve",
        json={"choice": "client"},
        headers=world.auth("dispatcher"),
    )
    assert r.status_code == 200
    after = job_row(app, job)
    assert (after.status, after.completed_at) == ("in_progress", None)
