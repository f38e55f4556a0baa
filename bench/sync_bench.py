"""Sync benchmark: N devices × M mutations pushed concurrently over HTTP to gunicorn.

Runs on PostgreSQL (127.0.0.1:5432, a scratch database it creates and drops) and on
SQLite (a temporary file). For each it prints mutations/s applied with batches, p50/p95
push latency, the naive one-request-per-mutation baseline, a technician's day
(200 mutations) pushed, and a first pull of 500 jobs. The last line is one JSON object.

    .venv/bin/python bench/sync_bench.py [--quick] [--database postgresql|sqlite|both]
        [--batch 100] [--pullers N: pull threads running during the batched pushes]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOW = datetime.now(UTC).isoformat()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, devices: int, pull_jobs: int) -> dict:
    """Schema by the real migrations; one technician per device, each with a job."""
    from flask_migrate import upgrade

    from server import create_app
    from server.auth.models import DeviceToken, User
    from server.auth.service import hash_token
    from server.dealers.models import Dealer
    from server.dealers.policy import load_policy
    from server.desk.models import Customer, Job, Unit
    from server.extensions import db
    from server.field.models import Note
    from server.warranty.models import WarrantyRecord

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    out = {"devices": []}
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        dealer = Dealer(name="基准净水", policy_doc=load_policy({}))
        db.session.add(dealer)
        db.session.flush()
        probe = User()
        probe.set_password("bench-password")

        def technician(name):
            user = User(
                username=name,
                display_name=name,
                role="technician",
                password_hash=probe.password_hash,
            )
            db.session.add(user)
            db.session.flush()
            token = uuid.uuid4().hex
            db.session.add(DeviceToken(user_id=user.id, token_hash=hash_token(token)))
            return user, token

        def job_for(user, n):
            customer = Customer(name=f"客户{n}", phone=f"138{n:08d}", address=f"杭州市文三路{n}号")
            unit = Unit(customer=customer, dealer_id=dealer.id, model="RO-400G", serial=f"SN-B-{n}")
            db.session.add_all([customer, unit])
            db.session.flush()
            db.session.add(WarrantyRecord(unit_id=unit.id, dealer_id=dealer.id))
            job = Job(
                customer_id=customer.id,
                unit_id=unit.id,
                dealer_id=dealer.id,
                kind="installation",
                status="assigned",
                technician_id=user.id,
                address=customer.address,
            )
            db.session.add(job)
            db.session.flush()
            return job

        for i in range(devices + 1):  # one spare for the day-push figure
            user, token = technician(f"bench{i}")
            out["devices"].append({"token": token, "job": str(job_for(user, i).id)})
        puller, token = technician("puller")
        for n in range(pull_jobs):
            job = job_for(puller, 10_000 + n)
            db.session.add(Note(job_id=job.id, body="预约已确认"))
        out["puller"] = token
        db.session.commit()
        db.engine.dispose()
    return out


class Device:
    def __init__(self, base, token, job):
        self.base, self.job = base, job
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.client_id = str(uuid.uuid4())
        self.next_id = 1
        self.diagnosis = None

    def mutation(self):
        """A technician's mix: notes, readings, checklist answers, photos, field edits."""
        n = self.next_id
        kind = n % 5
        if kind == 0:
            new = f"诊断 {n}"
            m = (
                "update_job",
                {"job_id": self.job, "fields": {"diagnosis": {"from": self.diagnosis, "to": new}}},
            )
            self.diagnosis = new
        elif kind == 1:
            m = (
                "add_measurement",
                {
                    "id": str(uuid.uuid4()),
                    "job_id": self.job,
                    "kind": "inlet_pressure",
                    "value": 2.5,
                    "unit": "bar",
                    "measured_at": NOW,
                },
            )
        elif kind == 2:
            m = (
                "answer_checklist",
                {
                    "id": str(uuid.uuid4()),
                    "job_id": self.job,
                    "item": "floor_drain",
                    "value": True,
                    "answered_at": NOW,
                },
            )
        elif kind == 3:
            m = (
                "add_photo",
                {
                    "id": str(uuid.uuid4()),
                    "job_id": self.job,
                    "purpose": "site",
                    "sha256": uuid.uuid4().hex * 2,
                    "taken_at": NOW,
                },
            )
        else:
            m = ("add_note", {"id": str(uuid.uuid4()), "job_id": self.job, "body": f"备注 {n}"})
        self.next_id += 1
        return {"mutation_id": n, "name": m[0], "args": m[1], "at": NOW}

    def prepare(self, count):
        """Build and encode a batch ahead of time: the phone does this, not the server."""
        batch = [self.mutation() for _ in range(count)]
        body = {"schema_version": 1, "client_id": self.client_id, "mutations": batch}
        return count, json.dumps(body, ensure_ascii=False).encode()

    def send(self, prepared):
        count, payload = prepared
        started = time.perf_counter()
        for _ in range(20):
            r = self.http.post(
                f"{self.base}/api/sync/push",
                data=payload,
                headers={"Content-Type": "application/json"},
            )
            if r.status_code != 503:
                break
            time.sleep(0.05)  # transient: the protocol says retry the same batch
        elapsed = time.perf_counter() - started
        r.raise_for_status()
        body = r.json()
        applied = sum(x["status"] in ("applied", "merged") for x in body["results"])
        if applied != count:
            raise RuntimeError(f"only {applied}/{count} applied: {body['results'][:3]}")
        return elapsed

    def push(self, count):
        return self.send(self.prepare(count))


def concurrent_push(devices, per_device, batch):
    latencies, lock = [], threading.Lock()
    plans = {}
    for device in devices:
        sizes = [min(batch, per_device - k) for k in range(0, per_device, batch)]
        plans[device] = [device.prepare(n) for n in sizes]

    def run(device):
        for prepared in plans[device]:
            t = device.send(prepared)
            with lock:
                latencies.append(t)

    threads = [threading.Thread(target=run, args=(d,)) for d in devices]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "mutations": len(devices) * per_device,
        "seconds": elapsed,
        "mutations_per_s": len(devices) * per_device / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1 if len(latencies) > 1 else 0] * 1000,
    }


def first_pull(base, token):
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    started, cursor, changes, jobs = time.perf_counter(), None, 0, 0
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        r = http.get(f"{base}/api/sync/pull", params=params)
        r.raise_for_status()
        body = r.json()
        changes += len(body["changes"])
        jobs += sum(c["entity"] == "jobs" for c in body["changes"])
        cursor = body["cursor"]
        if not cursor.startswith("s"):
            break
    return time.perf_counter() - started, changes, jobs


class Pullers:
    """Threads repeating a 500-job first pull while the batched pushes run.

    Each push holds one subtransaction per mutation open in its transaction; these
    readers show whether that slows everybody else (docs/performance.md, "## Sync").
    """

    def __init__(self, base, token, count):
        self.base, self.token, self.count = base, token, count
        self.done = threading.Event()
        self.pulls, self.changes, self.lock = 0, 0, threading.Lock()

    def _loop(self):
        while not self.done.is_set():
            _, changes, _ = first_pull(self.base, self.token)
            with self.lock:
                self.pulls += 1
                self.changes += changes

    def __enter__(self):
        self.threads = [threading.Thread(target=self._loop) for _ in range(self.count)]
        self.started = time.perf_counter()
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        for t in self.threads:
            t.join()
        self.seconds = time.perf_counter() - self.started


def _die_with_parent():
    # Linux: gunicorn gets SIGTERM if this benchmark dies, so it never outlives the run.
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve(url, instance, workers, threads):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "bench-secret",
    }
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        preexec_fn=_die_with_parent,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/api/health", timeout=5).ok:
                return proc, base
        except requests.RequestException:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run(database, args):
    instance = tempfile.mkdtemp(prefix="sync-bench-")
    pg_name = f"sync_bench_{os.getpid()}"
    if database == "postgresql":
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {pg_name}"))
            c.execute(sa.text(f"CREATE DATABASE {pg_name}"))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite:///{instance}/bench.sqlite3"
    proc = None
    try:
        t0 = time.perf_counter()
        data = seed(url, args.devices, args.pull_jobs)
        print(f"[{database}] seeded in {time.perf_counter() - t0:.1f}s", flush=True)
        proc, base = serve(url, instance, args.workers, args.threads)
        spare = data["devices"][-1]
        users = data["devices"][:-1]
        # Warm up every worker's connections and caches.
        concurrent_push([Device(base, d["token"], d["job"]) for d in users], 5, 5)
        with Pullers(base, data["puller"], args.pullers) as pullers:
            batched = concurrent_push(
                [Device(base, d["token"], d["job"]) for d in users], args.mutations, args.batch
            )
        baseline = concurrent_push(
            [Device(base, d["token"], d["job"]) for d in users], args.baseline_mutations, 1
        )
        day = Device(base, spare["token"], spare["job"])
        started = time.perf_counter()
        day.push(100)
        day.push(100)
        day_s = time.perf_counter() - started
        pull_s, pull_changes, pull_jobs = first_pull(base, data["puller"])
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(instance, ignore_errors=True)
        if database == "postgresql":
            with admin.connect() as c:
                c.execute(sa.text(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))
            admin.dispose()
    print(
        f"[{database}] batched x{args.batch}: {batched['mutations']} mutations in "
        f"{batched['seconds']:.2f}s = {batched['mutations_per_s']:.0f} mutations/s; "
        f"push p50 {batched['p50_ms']:.0f} ms, p95 {batched['p95_ms']:.0f} ms"
    )
    print(
        f"[{database}] baseline (1 per request): {baseline['mutations_per_s']:.0f} mutations/s; "
        f"p50 {baseline['p50_ms']:.1f} ms, p95 {baseline['p95_ms']:.1f} ms; "
        f"ratio {batched['mutations_per_s'] / baseline['mutations_per_s']:.1f}x"
    )
    if args.pullers:
        print(
            f"[{database}] {args.pullers} concurrent pullers during the batched pushes: "
            f"{pullers.pulls} pulls, {pullers.changes / pullers.seconds:.0f} changes/s"
        )
    print(f"[{database}] a technician's day (200 mutations, 2 pushes): {day_s:.3f}s")
    print(
        f"[{database}] first pull: {pull_jobs} jobs, {pull_changes} changes in {pull_s:.3f}s "
        f"= {pull_changes / pull_s:.0f} changes/s",
        flush=True,
    )
    return {
        "database": database,
        "mutations_per_s": round(batched["mutations_per_s"]),
        "baseline_mutations_per_s": round(baseline["mutations_per_s"]),
        "p50_push_ms": round(batched["p50_ms"], 1),
        "p95_push_ms": round(batched["p95_ms"], 1),
        "day_push_s": round(day_s, 3),
        "first_pull_500_s": round(pull_s, 3),
        "pull_changes_per_s": round(pull_changes / pull_s),
        "batch": args.batch,
        "concurrent_pull_changes_per_s": round(pullers.changes / pullers.seconds)
        if args.pullers
        else None,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smaller run, under 60 s")
    p.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    p.add_argument("--devices", type=int)
    p.add_argument("--mutations", type=int, help="per device")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pullers", type=int, default=0, help="pull threads during the pushes")
    args = p.parse_args()
    args.devices = args.devices or (6 if args.quick else 10)
    args.mutations = args.mutations or (400 if args.quick else 1000)
    args.baseline_mutations = max(20, args.mutations // 10)
    args.pull_jobs = 500
    dbs = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = [run(db_name, args) for db_name in dbs]
    final = results[-1]
    if len(results) > 1:
        final = {**final, "others": results[:-1]}
    print(json.dumps(final, ensure_ascii=False))


if __name__ == "__main__":
    main()
