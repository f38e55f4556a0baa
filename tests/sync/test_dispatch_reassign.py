"""Reassigning from the dispatch board, as devices see it (docs/sync-protocol.md §3, §7):
the job leaves the old technician's device and reaches the new one's, and work the old
device had not sent yet is stored and held as a `reassigned` conflict: nothing is lost."""

import uuid

import sqlalchemy as sa

from server.extensions import db
from server.field.models import Note, Photo, Visit
from server.sync.models import SyncConflict
from tests.helpers import form_token, job_row, sign_in_page
from tests.sync.conftest import NOW, count, new_id, note, photo


def _reassign_on_the_board(app, job_id, technician_id):
    console = app.test_client()  # its own session cookie, apart from the devices
    sign_in_page(console, "admin", "dispatcher")
    r = console.post(
        "/admin/dispatch/assign",
        data={
            "csrf": form_token(console, "/admin/dispatch"),
            "job_id": job_id,
            "technician_id": technician_id,
        },
    )
    assert r.status_code == 302
    assert str(job_row(app, job_id).technician_id) == technician_id


def _open_conflicts(app, job_id):
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SyncConflict).where(
                SyncConflict.job_id == uuid.UUID(job_id), SyncConflict.status == "open"
            )
        ).all()
        found = {(c.field, c.reason): (c.server_value, c.client_value, c.held_args) for c in rows}
        db.session.remove()
        return found


def test_unsent_work_of_the_old_device_is_kept_and_held_as_a_reassigned_conflict(
    app, world, tech1, tech2
):
    job = world.ids["job1"]
    visit = new_id()
    tech1.push(tech1.mutation("start_visit", id=visit, job_id=job, arrived_at=NOW))
    _, old_cursor = tech1.pull_all()
    _, new_cursor = tech2.pull_all()
    # The phone goes offline and keeps working; meanwhile the office moves the job.
    shot, remark = photo(job, "finished_installation"), note(job, "已安装完毕")
    outbox = [
        tech1.mutation("add_photo", **shot),
        tech1.mutation("add_note", **remark),
        tech1.mutation(
            "update_job", job_id=job, fields={"diagnosis": {"from": None, "to": "正常"}}
        ),
        tech1.mutation("complete_job", job_id=job, completed_at=NOW),
    ]
    _reassign_on_the_board(app, job, world.ids["tech2"])

    body = tech1.push(*outbox)

    results = body["results"]
    assert [(r["status"], r.get("reason")) for r in results] == [("conflict", "reassigned")] * 4
    # Nothing lost: the evidence is stored, the edit and the completion are held.
    assert count(app, Photo, id=uuid.UUID(shot["id"])) == 1
    assert count(app, Note, id=uuid.UUID(remark["id"])) == 1
    assert count(app, Visit, id=uuid.UUID(visit)) == 1
    row = job_row(app, job)
    assert (row.status, row.diagnosis, str(row.technician_id)) == (
        "in_progress",
        None,
        world.ids["tech2"],
    )
    held = _open_conflicts(app, job)
    assert held[("technician_id", "reassigned")][:2] == (world.ids["tech2"], world.ids["tech1"])
    assert held[("diagnosis", "reassigned")][1] == "正常"
    assert held[("status", "reassigned")][1] == "completed"
    assert held[("status", "reassigned")][2]["completed_at"]
    assert len(held) == 3  # one scope conflict for the job and device, however much work
    # The photo and the note share the one scope conflict.
    assert results[0]["conflicts"] == results[1]["conflicts"]

    # The job leaves the old device and reaches the new one, with the old device's work.
    gone, _ = tech1.pull_all(old_cursor)
    assert [(c["entity"], c["id"], c["op"]) for c in gone] == [("jobs", job, "remove")]
    came, _ = tech2.pull_all(new_cursor)
    arrived = {(c["entity"], c["id"]) for c in came if c["op"] == "upsert"}
    assert {("jobs", job), ("photos", shot["id"]), ("job_notes", remark["id"])} <= arrived
    assert ("visits", visit) in arrived


def test_the_new_technician_works_on_the_job_without_a_conflict(app, world, tech1, tech2):
    job = world.ids["job1"]
    tech1.pull_all()
    _reassign_on_the_board(app, job, world.ids["tech2"])
    result = tech2.push(tech2.mutation("add_note", **note(job, "新师傅到场")))["results"][0]
    assert result["status"] == "applied"
    assert _open_conflicts(app, job) == {}
