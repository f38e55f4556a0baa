"""Field-level merge: the base decides, the field's policy settles clashes."""

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from server.desk.models import Job
from server.extensions import db
from server.field.models import Note, Photo
from server.sync.models import SyncConflict
from tests.helpers import job_row
from tests.sync.conftest import Device, count, note, photo


def _conflicts(app, **filters):
    with app.app_context():
        rows = db.session.scalars(sa.select(SyncConflict).filter_by(**filters)).all()
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
        return rows


def edit(device, job, **changes):
    return device.mutation(
        "update_job", job_id=job, fields={k: {"from": f, "to": t} for k, (f, t) in changes.items()}
    )


def test_two_devices_editing_different_fields_both_apply(app, client, world, tech1):
    phone = Device(client, world.auth("tech1"))
    job = world.ids["job1"]
    a = tech1.push(edit(tech1, job, diagnosis=(None, "进水接头松动")))
    b = phone.push(edit(phone, job, fault_category=(None, "joint_loose")))
    assert a["results"][0]["status"] == "applied"
    assert b["results"][0]["status"] == "applied"
    row = job_row(app, job)
    assert (row.diagnosis, row.fault_category) == ("进水接头松动", "joint_loose")
    assert _conflicts(app) == []


def test_same_field_held_for_an_admin_when_the_policy_says_so(app, client, world, tech1):
    phone = Device(client, world.auth("tech1"))
    job = world.ids["job1"]
    tech1.push(edit(tech1, job, description=(None, "客户要求加装前置过滤器")))
    body = phone.push(edit(phone, job, description=(None, "厨房水槽下空间不足")))
    result = body["results"][0]
    assert result["status"] == "conflict"
    assert result["fields"] == {"description": "held"}
    assert job_row(app, job).description == "客户要求加装前置过滤器"
    (conflict,) = _conflicts(app, status="open")
    assert conflict.field == "description"
    assert conflict.base is None
    assert conflict.server_value == "客户要求加装前置过滤器"
    assert conflict.client_value == "厨房水槽下空间不足"
    assert str(conflict.client_id) == phone.client_id
    assert result["conflicts"] == [str(conflict.id)]


def test_same_field_observed_on_site_technician_wins_and_is_recorded(app, client, world, tech1):
    phone = Device(client, world.auth("tech1"))
    job = world.ids["job1"]
    tech1.push(edit(tech1, job, diagnosis=(None, "滤瓶破裂")))
    body = phone.push(edit(phone, job, diagnosis=(None, "接头渗水")))
    assert body["results"][0]["status"] == "merged"
    assert body["results"][0]["fields"] == {"diagnosis": "client_won"}
    assert job_row(app, job).diagnosis == "接头渗水"
    (conflict,) = _conflicts(app)
    assert (conflict.status, conflict.resolution) == ("resolved", "policy_client")


def test_schedule_is_office_wins_while_other_fields_still_apply(app, client, world, tech1):
    job = world.ids["job1"]
    before = job_row(app, job)
    office = world.auth("dispatcher")
    new_start = "2026-12-01T01:00:00+00:00"
    r = client.post(
        f"/api/jobs/{job}/schedule",
        headers=office,
        json={"window_start": new_start, "window_end": "2026-12-01T03:00:00+00:00"},
    )
    assert r.status_code == 200
    seen = before.window_start.isoformat()
    body = tech1.push(
        edit(
            tech1,
            job,
            window_start=(seen, "2026-12-02T01:00:00+00:00"),
            diagnosis=(None, "压力偏高"),
        )
    )
    result = body["results"][0]
    assert result["status"] == "merged"
    assert result["fields"] == {"window_start": "server_won", "diagnosis": "applied"}
    row = job_row(app, job)
    assert row.window_start.isoformat() == new_start
    assert row.diagnosis == "压力偏高"


def test_an_edit_to_what_the_server_already_has_is_a_no_op(app, world, tech1):
    job = world.ids["job1"]
    tech1.push(edit(tech1, job, diagnosis=(None, "x")))
    body = tech1.push(edit(tech1, job, diagnosis=("y", "x")))
    assert body["results"][0]["fields"] == {"diagnosis": "unchanged"}
    assert _conflicts(app) == []


def test_bad_values_and_unknown_fields_reject_the_whole_edit(app, world, tech1):
    job = world.ids["job1"]
    body = tech1.push(
        edit(tech1, job, fault_category=(None, "gremlins"), diagnosis=(None, "ok")),
        edit(tech1, job, technician_id=(None, world.ids["tech1"])),
    )
    assert [r["status"] for r in body["results"]] == ["rejected", "rejected"]
    assert "fault_category" in body["results"][0]["errors"]
    assert "technician_id" in body["results"][1]["errors"]
    assert job_row(app, job).diagnosis is None


def test_work_on_a_job_reassigned_while_offline_is_kept_and_raises_a_conflict(
    app, client, world, tech1
):
    job = world.ids["job1"]
    tech1.pull_all()  # the phone had the job, then went offline
    r = client.post(
        f"/api/jobs/{job}/assign",
        headers=world.auth("dispatcher"),
        json={"technician_id": world.ids["tech2"]},
    )
    assert r.status_code == 200
    shot = photo(job, "finished_installation")
    body = tech1.push(
        tech1.mutation("add_photo", **shot),
        tech1.mutation("add_note", **note(job, "已安装完毕")),
        edit(tech1, job, diagnosis=(None, "正常")),
    )
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["conflict", "conflict", "conflict"]
    assert count(app, Photo, id=uuid.UUID(shot["id"])) == 1
    assert count(app, Note) == 1
    assert job_row(app, job).diagnosis is None  # held, not applied
    opened = _conflicts(app, status="open")
    assert {(c.field, c.reason) for c in opened} == {
        ("technician_id", "reassigned"),
        ("diagnosis", "reassigned"),
    }
    scope = next(c for c in opened if c.field == "technician_id")
    assert scope.server_value == world.ids["tech2"]
    assert scope.client_value == world.ids["tech1"]


def test_work_on_a_cancelled_job_is_kept_and_raises_a_conflict(app, client, world, tech1):
    job = world.ids["job1"]
    r = client.post(
        f"/api/jobs/{job}/cancel", headers=world.auth("dispatcher"), json={"reason": "客户取消"}
    )
    assert r.status_code == 200
    body = tech1.push(tech1.mutation("add_note", **note(job)))
    assert body["results"][0]["status"] == "conflict"
    assert body["results"][0]["reason"] == "cancelled"
    assert count(app, Note) == 1
    (c,) = _conflicts(app, status="open")
    assert (c.field, c.server_value) == ("status", "cancelled")


def test_edits_to_a_locked_job_become_conflicts(app, world, tech1):
    job = world.ids["job1"]
    with app.app_context():
        from server.common.models import utcnow

        db.session.get(Job, uuid.UUID(job)).locked_at = utcnow()
        db.session.commit()
    body = tech1.push(edit(tech1, job, diagnosis=(None, "补充")))
    assert body["results"][0]["status"] == "conflict"
    assert job_row(app, job).diagnosis is None
    (c,) = _conflicts(app, status="open")
    assert (c.field, c.reason) == ("diagnosis", "locked")


def test_a_job_never_assigned_to_the_technician_is_out_of_scope(app, world, tech2):
    body = tech2.push(tech2.mutation("add_note", **note(world.ids["job1"])))
    assert body["results"][0]["reason"] == "out_of_scope"
    assert count(app, Note) == 0 and _conflicts(app) == []


@pytest.fixture
def refuse_boom(app):
    """A refusal the schema cannot know about (a later migration's constraint), both databases."""
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    sa.text(
                        "ALTER TABLE jobs ADD CONSTRAINT test_no_boom "
                        "CHECK (diagnosis IS NULL OR diagnosis <> 'boom')"
                    )
                )
            else:
                conn.execute(
                    sa.text(
                        "CREATE TRIGGER test_no_boom BEFORE UPDATE OF diagnosis ON jobs "
                        "WHEN NEW.diagnosis = 'boom' BEGIN SELECT RAISE(ABORT, 'no boom'); END"
                    )
                )
        yield
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("ALTER TABLE jobs DROP CONSTRAINT test_no_boom"))
            else:
                conn.execute(sa.text("DROP TRIGGER test_no_boom"))


def test_an_edit_the_database_refuses_leaves_no_trace_in_the_change_log(
    app, world, tech1, refuse_boom
):
    """The savepoint rollback also drops the changes it had captured for the log."""
    from server.sync.models import ChangeLog

    job = world.ids["job1"]
    with app.app_context():
        logged = db.session.scalar(sa.select(sa.func.max(ChangeLog.seq)))
        db.session.remove()
    body = tech1.push(
        edit(tech1, job, diagnosis=(None, "boom")),
        tech1.mutation("add_note", **note(job)),
    )
    assert [r["status"] for r in body["results"]] == ["rejected", "applied"]
    assert body["results"][0]["reason"] == "constraint"
    assert job_row(app, job).diagnosis is None
    with app.app_context():
        entities = db.session.scalars(
            sa.select(ChangeLog.entity).where(ChangeLog.seq > logged)
        ).all()
        db.session.remove()
    assert entities == ["job_notes"]


def test_a_window_edit_that_would_end_before_the_office_moved_start_is_held_and_the_rest_applies(
    app, client, world, tech1
):
    job = world.ids["job1"]
    before = job_row(app, job)
    start, end = before.window_start, before.window_end  # a two-hour window
    office = Device(client, world.auth("dispatcher"))
    moved = start + timedelta(hours=1)
    office.push(edit(office, job, window_start=(start.isoformat(), moved.isoformat())))
    # The device still sees the old window and pulls the end in, before the new start.
    wanted_end = start + timedelta(minutes=30)
    result = tech1.push(
        edit(
            tech1,
            job,
            window_end=(end.isoformat(), wanted_end.isoformat()),
            diagnosis=(None, "滤芯堵塞"),
        )
    )["results"][0]
    assert result["status"] == "conflict"
    assert result["fields"] == {"window_end": "held", "diagnosis": "applied"}
    after = job_row(app, job)
    assert (after.window_start, after.window_end, after.diagnosis) == (moved, end, "滤芯堵塞")
    (held,) = _conflicts(app, field="window_end", status="open")
    assert [str(held.id)] == result["conflicts"]
    assert datetime.fromisoformat(held.client_value) == wanted_end
    assert datetime.fromisoformat(held.server_value) == end


def test_a_window_the_device_itself_sends_backwards_is_refused_whole(app, world, tech1):
    job = world.ids["job1"]
    before = job_row(app, job)
    result = tech1.push(
        edit(
            tech1,
            job,
            window_start=(before.window_start.isoformat(), before.window_end.isoformat()),
            window_end=(before.window_end.isoformat(), before.window_start.isoformat()),
            diagnosis=(None, "x"),
        )
    )["results"][0]
    assert (result["status"], result["reason"]) == ("rejected", "invalid_args")
    assert job_row(app, job).diagnosis is None
