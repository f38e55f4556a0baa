"""Many devices at once, answers lost, batches resent, office edits racing: nothing is lost,
nothing is applied twice, every held value stays recoverable, and no request gets a 500.
PostgreSQL: real row locks, real concurrency (SQLite has one writer)."""

import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.desk.models import Job
from server.extensions import db
from server.field.models import Note, Visit
from server.sync.models import SyncClient, SyncConflict, SyncMutation
from tests.conftest import is_postgres
from tests.sync.conftest import NOW, Device, new_id, note
from tests.sync.test_concurrency import run_threads

pytestmark = pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL concurrency")

JOBS = 5
DEVICES = 10
MUTATIONS = 60


def _jobs(app, world) -> list[str]:
    """tech1's job plus four more of theirs, two hours apart."""
    with app.app_context():
        base = db.session.get(Job, uuid.UUID(world.ids["job1"]))
        ids = [str(base.id)]
        for n in range(1, JOBS):
            start = base.window_start + timedelta(days=n)
            job = Job(
                customer_id=base.customer_id,
                unit_id=base.unit_id,
                dealer_id=base.dealer_id,
                kind="repair",
                status="scheduled",
                technician_id=base.technician_id,
                window_start=start,
                window_end=start + timedelta(hours=2),
            )
            db.session.add(job)
            db.session.flush()
            ids.append(str(job.id))
        db.session.commit()
        db.session.remove()
    return ids


class Phone:
    """A device that loses a fifth of its answers and resends, as phones in basements do."""

    def __init__(self, client, headers, jobs, seed):
        self.device = Device(client, headers)
        self.rng = random.Random(seed)
        self.jobs = jobs
        self.sent: list[dict] = []
        self.notes: set[str] = set()
        self.held_values: dict[int, object] = {}  # mutation id → the description it sent
        self.visits: dict[str, str] = {}  # job → the latest visit started on it
        self.visit_ids: set[str] = set()

    def make(self):
        job = self.rng.choice(self.jobs)
        kind = self.rng.random()
        d = self.device
        if kind < 0.45:
            n = note(job, f"{d.client_id[:4]}-{d.next_id}")
            self.notes.add(n["id"])
            return d.mutation("add_note", **n)
        if kind < 0.6:
            value = f"{d.client_id[:4]} 描述 {d.next_id}"
            m = d.mutation(
                "update_job", job_id=job, fields={"description": {"from": None, "to": value}}
            )
            self.held_values[m["mutation_id"]] = value
            return m
        if kind < 0.75:
            diagnosis = f"诊断 {d.next_id}"
            return d.mutation(
                "update_job", job_id=job, fields={"diagnosis": {"from": None, "to": diagnosis}}
            )
        if kind < 0.85 or job not in self.visits:
            visit = new_id()
            self.visits[job] = visit
            self.visit_ids.add(visit)
            return d.mutation("start_visit", id=visit, job_id=job, arrived_at=NOW)
        return d.mutation(
            "update_visit",
            id=self.visits[job],
            fields={"outcome": {"from": None, "to": f"o{d.next_id}"}},
        )

    def send(self, batch):
        """Send until an answer arrives; 503s are waited out, a 500 fails the test."""
        while True:
            response = self.device.send(batch)
            assert response.status_code in (200, 503), response.get_data(as_text=True)
            if response.status_code == 200:
                return response.get_json()
            time.sleep(0.05)

    def run(self):
        pending = []
        while len(self.sent) < MUTATIONS or pending:
            while len(self.sent) < MUTATIONS and len(pending) < self.rng.randint(1, 12):
                m = self.make()
                self.sent.append(m)
                pending.append(m)
            answer = self.send(pending)
            if self.rng.random() < 0.2:
                continue  # the answer was lost: the same batch goes again
            pending = [m for m in pending if m["mutation_id"] > answer["last_mutation_id"]]
            if self.rng.random() < 0.1 and len(self.sent) > 3:
                # An old batch resent long after: answered from the record.
                old = self.sent[: self.rng.randint(1, 3)]
                assert {r["status"] for r in self.send(old)["results"]} == {"duplicate"}


def _office(client, world, jobs, stop):
    """The desk edits the same jobs meanwhile: descriptions, and moving windows."""
    rng = random.Random(99)
    office = world.auth("dispatcher")
    while not stop.is_set():
        job = rng.choice(jobs)
        if rng.random() < 0.5:
            r = client.patch(
                f"/api/jobs/{job}", json={"description": f"客服 {rng.random()}"}, headers=office
            )
        else:
            start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=rng.randint(1, 48))
            r = client.post(
                f"/api/jobs/{job}/schedule",
                json={
                    "window_start": start.isoformat(),
                    "window_end": (start + timedelta(hours=2)).isoformat(),
                },
                headers=office,
            )
        assert r.status_code in (200, 503), r.get_data(as_text=True)


def test_chaos_nothing_lost_nothing_doubled_every_held_value_recoverable(app, world):
    jobs = _jobs(app, world)
    phones = [Phone(app.test_client(), world.auth("tech1"), jobs, seed) for seed in range(DEVICES)]
    stop = threading.Event()
    desk = threading.Thread(target=_office, args=(app.test_client(), world, jobs, stop))
    desk.start()
    started = time.monotonic()
    try:
        run_threads(DEVICES, lambda i: phones[i].run())
    finally:
        stop.set()
        desk.join(timeout=60)
    assert time.monotonic() - started < 60

    with app.app_context():
        lasts = dict(
            db.session.execute(sa.select(SyncClient.id, SyncClient.last_mutation_id)).all()
        )
        records = db.session.execute(
            sa.select(SyncMutation.client_id, SyncMutation.mutation_id, SyncMutation.result)
        ).all()
        notes = set(map(str, db.session.scalars(sa.select(Note.id))))
        visits = set(map(str, db.session.scalars(sa.select(Visit.id))))
        conflicts = {str(c.id): c for c in db.session.scalars(sa.select(SyncConflict))}
        db.session.remove()
    # Exactly once: every mutation of every device recorded once, every note stored once.
    assert {str(k): v for k, v in lasts.items()} == {p.device.client_id: MUTATIONS for p in phones}
    assert len(records) == DEVICES * MUTATIONS
    assert set().union(*(p.notes for p in phones)) == notes
    assert visits == set().union(*(p.visit_ids for p in phones))
    # Every held description is recoverable, with its own device and mutation (or the same
    # device's identical earlier value), never replaced by another value.
    results = {(str(c), m): r for c, m, r in records}
    for phone in phones:
        for mutation_id, value in phone.held_values.items():
            result = results[(phone.device.client_id, mutation_id)]
            assert result["status"] in ("applied", "conflict"), result
            for cid in result["conflicts"]:
                held = conflicts[cid]
                assert (str(held.client_id), held.client_value) == (phone.device.client_id, value)
                assert held.mutation_id <= mutation_id


def test_a_visit_edit_waiting_on_the_jobs_lock_merges_against_what_the_office_wrote(
    app, world, tech1
):
    job = world.ids["job1"]
    visit = new_id()
    tech1.push(tech1.mutation("start_visit", id=visit, job_id=job, arrived_at=NOW))
    engine = _engine(app)
    holder = engine.connect()
    tx = holder.begin()
    # The office's edit: the job's row lock first (as every writer takes it), then the visit.
    holder.execute(sa.text("SELECT 1 FROM jobs WHERE id = :id FOR UPDATE"), {"id": job})
    holder.execute(
        sa.text("UPDATE visits SET outcome = 'refused', version = version + 1 WHERE id = :id"),
        {"id": visit},
    )
    answers = []
    pushing = threading.Thread(
        target=lambda: answers.append(
            tech1.push(
                tech1.mutation(
                    "update_visit", id=visit, fields={"outcome": {"from": None, "to": "completed"}}
                )
            )
        )
    )
    pushing.start()
    time.sleep(0.5)  # the push is now waiting on the job's lock
    tx.commit()
    holder.close()
    pushing.join(timeout=30)
    (result,) = answers[0]["results"]
    # It saw the office's value: a clash the field policy settled, on the record; not a
    # silent "applied" over a value it never saw, and not a 500.
    assert result["status"] == "merged" and result["fields"] == {"outcome": "client_won"}
    with app.app_context():
        (settled,) = db.session.scalars(
            sa.select(SyncConflict).where(SyncConflict.field == "outcome")
        ).all()
        assert (settled.server_value, settled.client_value) == ("refused", "completed")
        assert db.session.get(Visit, uuid.UUID(visit)).outcome == "completed"
        db.session.remove()


def _engine(app):
    with app.app_context():
        return db.engine
