"""PostgreSQL pipelines runs of evidence inserts; a refused row must fail alone."""

import itertools

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.field.models import Note
from server.sync.models import ChangeLog
from tests.conftest import is_postgres
from tests.sync.conftest import count, note

pytestmark = pytest.mark.skipif(not is_postgres(), reason="the pipeline is PostgreSQL's")


@pytest.fixture
def refuse_boom(app):
    """A constraint the schema cannot know about, as a later migration might add."""
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(
                sa.text("ALTER TABLE job_notes ADD CONSTRAINT test_no_boom CHECK (body <> 'boom')")
            )
        yield
        with db.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE job_notes DROP CONSTRAINT test_no_boom"))


def test_a_refused_insert_in_a_pipelined_run_fails_alone(app, world, tech1, refuse_boom):
    job = world.ids["job1"]
    first = note(job, "one")
    with app.app_context():
        logged = db.session.scalar(sa.select(sa.func.max(ChangeLog.seq)))
        db.session.remove()
    body = tech1.push(
        tech1.mutation("add_note", **first),
        tech1.mutation("add_note", **note(job, "boom")),
        tech1.mutation("add_note", **note(job, "two")),
        tech1.mutation("add_note", **first),
        tech1.mutation("update_job", job_id=job, fields={"diagnosis": {"from": None, "to": "x"}}),
        tech1.mutation("add_note", **note(job, "three")),
    )
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["applied", "rejected", "applied", "duplicate", "applied", "applied"]
    assert body["results"][1]["reason"] == "constraint"
    assert count(app, Note) == 3
    with app.app_context():
        entities = db.session.scalars(
            sa.select(ChangeLog.entity).where(ChangeLog.seq > logged)
        ).all()
        db.session.remove()
    assert sorted(entities) == ["job_notes"] * 3 + ["jobs"]


@pytest.fixture
def refuse_boom_diagnosis(app):
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(
                sa.text("ALTER TABLE jobs ADD CONSTRAINT test_no_boom CHECK (diagnosis <> 'boom')")
            )
        yield
        with db.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE jobs DROP CONSTRAINT test_no_boom"))


def test_a_refused_queued_edit_fails_alone_and_the_edits_after_it_merge_on_what_stands(
    app, world, tech1, refuse_boom_diagnosis
):
    """Edits wait in the pipeline with the inserts; when the database refuses one, the
    push is done again unqueued, so later edits are merged against the stored value."""
    job = world.ids["job1"]

    def edit(old, new):
        return tech1.mutation(
            "update_job", job_id=job, fields={"diagnosis": {"from": old, "to": new}}
        )

    body = tech1.push(
        edit(None, "漏水"),
        tech1.mutation("add_note", **note(job, "one")),
        edit("漏水", "boom"),
        tech1.mutation("add_note", **note(job, "two")),
        edit("boom", "滤芯堵塞"),
        edit("漏水", "滤芯堵塞"),
    )
    statuses = [r["status"] for r in body["results"]]
    assert statuses[:4] == ["applied", "applied", "rejected", "applied"]
    assert body["results"][2]["reason"] == "constraint"
    # "from boom" no longer matches what is stored ("漏水"): a clash the policy settles.
    assert statuses[4] in ("merged", "conflict")
    assert count(app, Note) == 2
    with app.app_context():
        from server.desk.models import Job

        assert db.session.get(Job, job).diagnosis == "滤芯堵塞"
        db.session.remove()


def test_queued_edits_land_in_order_with_the_evidence_between_them(app, world, tech1):
    job = world.ids["job1"]
    values = [None, "一", "二", "三"]
    mutations = []
    for old, new in itertools.pairwise(values):
        mutations.append(
            tech1.mutation("update_job", job_id=job, fields={"diagnosis": {"from": old, "to": new}})
        )
        mutations.append(tech1.mutation("add_note", **note(job, new)))
    body = tech1.push(*mutations)
    assert {r["status"] for r in body["results"]} == {"applied"}
    with app.app_context():
        from server.desk.models import Job

        row = db.session.get(Job, job)
        assert row.diagnosis == "三"
        version = row.version
        db.session.remove()
    # The next push reads what the queue wrote, version included.
    again = tech1.push(
        tech1.mutation("update_job", job_id=job, fields={"diagnosis": {"from": "三", "to": "四"}})
    )
    assert again["results"][0]["status"] == "applied"
    with app.app_context():
        from server.desk.models import Job

        assert db.session.get(Job, job).version == version + 1
        db.session.remove()
