"""Concurrency on PostgreSQL: exactly-once under parallel pushes, and a pull that never
skips a change when transactions commit out of sequence order."""

import random
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.field.models import Note
from server.sync import changes as changes_hook
from server.sync.models import ChangeLog, SyncClient, SyncMutation
from tests.conftest import is_postgres
from tests.sync.conftest import Device, count, note

pytestmark = pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL concurrency")


def run_threads(n, target):
    errors = []

    def wrapped(i):
        try:
            target(i)
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if errors:
        raise errors[0]


def test_twenty_devices_pushing_at_once_lose_and_double_nothing(app, world):
    job = world.ids["job1"]
    devices = [Device(app.test_client(), world.auth("tech1")) for _ in range(20)]
    batches = [
        [[d.mutation("add_note", **note(job, f"{i}-{b}-{k}")) for k in range(10)] for b in range(3)]
        for i, d in enumerate(devices)
    ]

    def work(i):
        device = devices[i]
        for batch in batches[i]:
            device.push(*batch)
            # A retry racing nothing: answered from the record.
            again = device.push(*batch)
            assert {r["status"] for r in again["results"]} == {"duplicate"}

    run_threads(20, work)
    assert count(app, Note) == 20 * 30
    assert count(app, SyncMutation) == 20 * 30
    with app.app_context():
        lasts = db.session.scalars(sa.select(SyncClient.last_mutation_id)).all()
        db.session.remove()
    assert sorted(lasts) == [30] * 20


def test_one_batch_sent_by_twenty_threads_at_once_applies_once(app, world):
    job = world.ids["job1"]
    device = Device(app.test_client(), world.auth("tech1"))
    batch = [device.mutation("add_note", **note(job)) for _ in range(20)]
    answers = []

    def work(_):
        answers.append(
            Device(app.test_client(), world.auth("tech1"), device.client_id).push(*batch)
        )

    run_threads(20, work)
    assert count(app, Note) == 20
    applied = [r for a in answers for r in a["results"] if r["status"] == "applied"]
    assert len(applied) == 20  # each mutation applied by exactly one of the twenty pushes
    assert all(a["last_mutation_id"] == 20 for a in answers)


def test_a_reader_never_skips_a_change_committed_out_of_sequence_order(app, world):
    """Deterministic: T1 writes first but commits last; the reader in between must not
    advance its cursor past T1's change (it waits below T1, the oldest writer)."""
    job = uuid.UUID(world.ids["job1"])
    reader = Device(app.test_client(), world.auth("tech1"))
    _, cursor = reader.pull_all()
    engine_session = sa.orm.sessionmaker(bind=_engine(app))
    with engine_session() as t1, engine_session() as t2:
        first = Note(job_id=job, body="T1 started first")
        t1.add(first)
        t1.flush()  # rows written, transaction open
        second = Note(job_id=job, body="T2 started second")
        t2.add(second)
        t2.commit()
        changes, cursor = reader.pull_all(cursor)
        assert changes == []  # held below T1, still running: nothing is passed over
        t1.commit()
    changes, _ = reader.pull_all(cursor)
    assert [c["data"]["body"] for c in changes] == ["T1 started first", "T2 started second"]


def test_a_reader_never_skips_a_change_whose_seq_is_below_one_it_has_read(app, world):
    """No lock orders the writers: T1 logs its change (taking the lower seq) and commits
    after T2 logged and committed a higher one. A reader following seq alone would pass
    T1's change for good; the reader follows (transaction, seq)."""
    job = uuid.UUID(world.ids["job1"])
    reader = Device(app.test_client(), world.auth("tech1"))
    _, cursor = reader.pull_all()
    engine_session = sa.orm.sessionmaker(bind=_engine(app))
    with engine_session() as t2, engine_session() as t1:
        t2.add(Note(job_id=job, body="T2"))
        t2.flush()  # T2 takes the older transaction id
        t1.add(Note(job_id=job, body="T1"))
        t1.flush()
        changes_hook._before_commit(t1)  # T1's change row is written: the lower seq is T1's
        t2.commit()
        seqs = dict(t2.execute(sa.select(ChangeLog.entity_id, ChangeLog.seq)).all())
        got, cursor = reader.pull_all(cursor)
        assert [c["data"]["body"] for c in got] == ["T2"]
        t1.commit()
    got, _ = reader.pull_all(cursor)
    assert [c["data"]["body"] for c in got] == ["T1"]
    t1_seq = next(c["seq"] for c in got)
    assert t1_seq < max(seqs.values())  # it really was passed in seq order


def _engine(app):
    with app.app_context():
        return db.engine


def test_pull_is_complete_under_concurrent_writers(app, world):
    job = uuid.UUID(world.ids["job1"])
    reader = Device(app.test_client(), world.auth("tech1"))
    _, cursor = reader.pull_all()
    make_session = sa.orm.sessionmaker(bind=_engine(app))
    written, seen = set(), set()
    stop = threading.Event()
    lock = threading.Lock()

    def writer(i):
        rng = random.Random(i)
        for k in range(15):
            with make_session() as s:
                rows = [Note(job_id=job, body=f"w{i}-{k}-{j}") for j in range(rng.randint(1, 3))]
                s.add_all(rows)
                s.flush()
                time.sleep(rng.random() * 0.02)  # hold the transaction open: commits reorder
                s.commit()
                with lock:
                    written.update(str(r.id) for r in rows)

    def read():
        nonlocal cursor
        while not stop.is_set():
            changes, cursor = reader.pull_all(cursor, limit=7)
            seen.update(c["id"] for c in changes if c["entity"] == "job_notes")

    reading = threading.Thread(target=read)
    reading.start()
    try:
        run_threads(8, writer)
    finally:
        stop.set()
        reading.join(timeout=60)
    changes, _ = reader.pull_all(cursor)
    seen.update(c["id"] for c in changes if c["entity"] == "job_notes")
    assert len(written) > 100
    assert seen == written


def _impatient(app):
    """The same database, with every lock wait bounded at 200 ms (an engine setting)."""
    from server import create_app

    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MEDIA_ROOT": app.config["MEDIA_ROOT"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SYNC_LOCK_TIMEOUT_MS": 200,
        }
    )


def test_database_unavailable_is_a_503_with_retry_after_and_nothing_half_applied(app, world):
    """The change log cannot be written in time (a real PostgreSQL lock timeout)."""
    impatient = _impatient(app)
    device = Device(impatient.test_client(), world.auth("tech1"))
    job = world.ids["job1"]
    batch = [device.mutation("add_note", **note(job)) for _ in range(5)]
    blocker = _engine(app).connect()
    try:
        tx = blocker.begin()
        blocker.execute(sa.text("LOCK TABLE change_log IN EXCLUSIVE MODE"))
        response = device.send(batch)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert response.get_json()["type"].endswith("database-unavailable")
        assert count(app, Note) == 0
        assert count(app, SyncMutation) == 0
        assert count(app, SyncClient) == 0
        tx.rollback()
    finally:
        blocker.close()
    body = device.push(*batch)  # the device kept the batch and retries: all of it applies
    assert [r["status"] for r in body["results"]] == ["applied"] * 5
    assert count(app, Note) == 5
    with impatient.app_context():
        db.engine.dispose()


def test_a_row_held_past_the_lock_timeout_is_a_503_for_a_push_and_an_office_edit(app, world):
    impatient = _impatient(app)
    client = impatient.test_client()
    device = Device(client, world.auth("tech1"))
    job = world.ids["job1"]
    holder = _engine(app).connect()
    try:
        tx = holder.begin()
        holder.execute(sa.text("SELECT 1 FROM jobs WHERE id = :id FOR UPDATE"), {"id": job})
        response = device.send([device.mutation("add_note", **note(job))])
        assert response.status_code == 503 and response.headers["Retry-After"]
        office = client.patch(
            f"/api/jobs/{job}", json={"description": "改期"}, headers=world.auth("dispatcher")
        )
        assert office.status_code == 503 and office.headers["Retry-After"]
        tx.rollback()
    finally:
        holder.close()
    assert count(app, Note) == 0
    device.next_id = 1
    assert device.push(device.mutation("add_note", **note(job)))["results"][0]["status"] == (
        "applied"
    )
    with impatient.app_context():
        db.engine.dispose()
