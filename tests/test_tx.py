"""Views commit once; work queued for after the commit never undoes or fails it."""

import pytest
import sqlalchemy as sa

from server.common import tx
from server.desk.models import Customer
from server.extensions import db
from server.field.models import Photo
from server.media import processing
from tests.helpers import count
from tests.sync.conftest import photo, tech1  # noqa: F401


def test_work_after_commit_runs_after_it_and_a_failure_there_keeps_the_commit(ctx, world):
    ran = []
    db.session.add(Customer(name="王芳", phone="13800001111", address="杭州"))

    def first():
        # The commit is visible by now.
        ran.append(db.session.scalar(sa.select(sa.func.count()).select_from(Customer)))

    def broken():
        raise RuntimeError("the re-derive failed")

    tx.after_commit(first)
    tx.after_commit(broken)
    tx.after_commit(lambda: ran.append("later"))
    tx.commit()
    assert ran == [3, "later"]
    assert count(Customer) == 3


def test_a_rollback_drops_the_queued_work(ctx, world):
    ran = []
    db.session.add(Customer(name="王芳", phone="13800001111", address="杭州"))
    db.session.flush()
    tx.after_commit(lambda: ran.append("no"))
    db.session.rollback()
    tx.commit()
    assert ran == []
    assert count(Customer) == 2


def test_a_push_is_answered_as_committed_when_the_photo_check_after_it_fails(
    app, world, tech1, monkeypatch
):
    def broken(photos):
        raise RuntimeError("media store unreachable")

    monkeypatch.setattr(processing, "photos_recorded", broken)
    body = tech1.push(tech1.mutation("add_photo", **photo(world.ids["job1"], "gauge")))
    assert body["results"][0]["status"] == "applied"
    with app.app_context():
        assert count(Photo) == 1
        db.session.remove()


@pytest.fixture(autouse=True)
def _no_queue_left(app):
    yield
    with app.app_context():
        assert not db.session.info.get(tx.QUEUE)
