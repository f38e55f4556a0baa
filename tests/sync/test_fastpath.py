"""PostgreSQL pipelines runs of evidence inserts; a refused row must fail alone."""

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
