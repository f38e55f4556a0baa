"""PostgreSQL pipelines runs of evidence inserts; a refused row must fail alone."""

import itertools
import uuid

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


@pytest.fixture
def careful_replays(monkeypatch):
    """Count the pushes that fell back to the one-by-one replay (the real one runs)."""
    from server.sync import fastpath

    calls = []
    original = fastpath._one_by_one

    def counted(queue):
        calls.append(len(queue))
        return original(queue)

    monkeypatch.setattr(fastpath, "_one_by_one", counted)
    return calls


def test_creates_sent_again_under_new_numbers_are_duplicates_without_the_careful_replay(
    app, world, tech1, tech2, careful_replays
):
    job = world.ids["job1"]
    first, second = note(job, "一"), note(job, "二")
    body = tech1.push(tech1.mutation("add_note", **first), tech1.mutation("add_note", **second))
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    # A phone that lost its numbering sends the same records as new mutations, one of them
    # twice in the same push, with a new record between them.
    third = note(job, "三")
    again = tech1.push(
        tech1.mutation("add_note", **second),
        tech1.mutation("add_note", **third),
        tech1.mutation("add_note", **third),
        tech1.mutation("add_note", **first),
    )
    assert [r["status"] for r in again["results"]] == [
        "duplicate",
        "applied",
        "duplicate",
        "duplicate",
    ]
    # Another technician's record may not take an id that is already a record of job1.
    taken = tech2.push(tech2.mutation("add_note", **{**first, "job_id": world.ids["job2"]}))
    assert taken["results"][0]["status"] == "rejected"
    assert taken["results"][0]["reason"] == "id_taken"
    assert count(app, Note) == 3
    assert careful_replays == []  # the lookup answered all of it; COPY wrote the rest


def test_an_id_written_by_a_racing_transaction_after_the_lookup_fails_alone(
    app, world, tech1, careful_replays
):
    """The lookup cannot see a row another transaction has not committed yet: COPY then
    waits for it and fails on the unique index, and the careful replay answers."""
    import threading

    job, other_job = world.ids["job1"], world.ids["job2"]
    raced = note(job, "抢先")
    with app.app_context():
        other = db.engine.connect()
        other.begin()
        other.execute(
            Note.__table__.insert().values(id=raced["id"], job_id=other_job, body="别人的")
        )
        threading.Timer(0.5, other.commit).start()
        body = tech1.push(
            tech1.mutation("add_note", **note(job, "前")),
            tech1.mutation("add_note", **raced),
            tech1.mutation("add_note", **note(job, "后")),
        )
        other.close()
        db.session.remove()
    assert [r["status"] for r in body["results"]] == ["applied", "rejected", "applied"]
    assert body["results"][1]["reason"] == "id_taken"
    assert careful_replays == [3]
    assert count(app, Note, job_id=uuid.UUID(job)) == 2
