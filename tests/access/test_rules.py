"""What a technician's device holds is written once: rules.on_device and its SQL twin.

The truth table below is written from the decision (open or completed work, until the job
is locked: dealer-approved or closed), independently of lifecycle.ON_DEVICE. The SQL
twin is checked against the Python rule on real rows, one per status and lock, and so
are the REST list, the change log's audiences and the pull built on them.
"""

import itertools
import pathlib
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.access import rules
from server.auth.models import User
from server.desk import lifecycle
from server.desk.models import Job
from server.extensions import db
from tests.helpers import another_job
from tests.sync.conftest import Device

HELD = {"new", "assigned", "scheduled", "in_progress", "completed"}
LOCKED_AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CASES = list(itertools.product(lifecycle.STATUSES, (False, True)))


def _case_id(case):
    status, locked = case
    return f"{status}-{'locked' if locked else 'unlocked'}"


@pytest.mark.parametrize("status, locked", CASES, ids=[_case_id(c) for c in CASES])
def test_on_device_truth_table(status, locked):
    assert rules.on_device(status, locked) is (status in HELD and not locked)


def test_every_status_is_in_the_table():
    assert set(lifecycle.STATUSES) >= HELD
    assert {s for s, _ in CASES} == set(lifecycle.STATUSES)


@pytest.fixture
def every_state(app, world):
    """One job of tech1's per status × lock, at job1's household: {(status, locked): id}."""
    return {
        (status, locked): uuid.UUID(
            another_job(app, world, status=status, locked_at=LOCKED_AT if locked else None)
        )
        for status, locked in CASES
    }


def test_on_device_sql_agrees_with_on_device_on_real_rows(app, world, every_state):
    expected = {i for (status, locked), i in every_state.items() if rules.on_device(status, locked)}
    assert len(expected) == len(HELD)  # the fixture made what the table speaks of
    with app.app_context():
        ids = list(every_state.values())
        matched = set(
            db.session.scalars(sa.select(Job.id).where(Job.id.in_(ids), rules.on_device_sql()))
        )
        # Its negation too: NULLs must not make a row fall out of both sides.
        unmatched = set(
            db.session.scalars(sa.select(Job.id).where(Job.id.in_(ids), ~rules.on_device_sql()))
        )
        tech1 = db.session.scalar(sa.select(User).where(User.username == "tech1"))
        listed = set(db.session.scalars(rules.job_ids(tech1).where(Job.id.in_(ids))))
        db.session.remove()
    assert matched == expected
    assert unmatched == set(ids) - expected
    assert listed == expected


def test_audiences_hold_the_technician_exactly_while_on_device():
    tech, dealer = uuid.uuid4(), uuid.uuid4()
    for status, locked in CASES:
        held = rules.audiences(
            technician_id=tech, dealer_id=dealer, status=status, locked=locked, deleted=False
        )
        # A dealer keeps every job of its own; the technician only while on the device.
        assert held == ({tech, dealer} if rules.on_device(status, locked) else {dealer})
        gone = rules.audiences(
            technician_id=tech, dealer_id=dealer, status=status, locked=locked, deleted=True
        )
        assert gone == set()
        unassigned = rules.audiences(
            technician_id=None, dealer_id=dealer, status=status, locked=locked, deleted=False
        )
        assert unassigned == {dealer}


def test_a_technicians_snapshot_and_rest_list_hold_exactly_the_jobs_on_device(
    client, world, every_state
):
    expected = {str(i) for (s, locked), i in every_state.items() if rules.on_device(s, locked)}
    everything = {str(i) for i in every_state.values()}
    changes, _ = Device(client, world.auth("tech1")).pull_all()
    pulled = {c["id"] for c in changes if c["entity"] == "jobs"}
    assert pulled & everything == expected
    listed = client.get("/api/jobs", query_string={"page_size": 500}, headers=world.auth("tech1"))
    assert {item["id"] for item in listed.get_json()["items"]} & everything == expected
    # The dealer keeps every one of its jobs, locked or not.
    changes, _ = Device(client, world.auth("dealer1")).pull_all()
    assert {c["id"] for c in changes if c["entity"] == "jobs"} >= everything


def test_only_the_rules_read_the_statuses_a_device_holds():
    """No second copy: the statuses are lifecycle's, the rule is rules.on_device's."""
    server = pathlib.Path(__file__).resolve().parents[2] / "server"
    users = {
        str(path.relative_to(server))
        for path in server.rglob("*.py")
        if "ON_DEVICE" in path.read_text(encoding="utf-8")
    }
    assert users == {"desk/lifecycle.py", "access/rules.py"}
