"""Delivery bench: from a technician's completing push to the dealer's webhook holding the
evidence, with the dealer up, as deployed: gunicorn serving the app, `flask worker` in its
own process (default poll interval), a receiver on 127.0.0.1, PostgreSQL (or SQLite).

Each job is an installation whose photos were uploaded earlier (and derived by the
worker); the measured push records the rest of the visit and `complete_job`. Latency is
push answered → webhook received. The reference is the floor a synchronous design would
have: one POST of the same body straight to the receiver (what the push itself would then
wait for, and lose when the dealer is down). The last line is one JSON object.

    .venv/bin/python bench/delivery_bench.py [--quick] [--database postgresql|sqlite]
"""

import argparse
import hashlib
import io
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
import sqlalchemy as sa
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from sync_bench import PG_ADMIN, _die_with_parent, serve, stop  # noqa: E402

STATEMENT = "本人确认以上内容属实。"
STROKES = [{"points": [{"x": 10 + i, "y": 20 + (i % 7), "time": i * 8} for i in range(60)]}]


class Receiver:
    """The dealer's system: answers 200 at once and notes when each job's event came."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                at = time.perf_counter()
                payload = json.loads(body)
                if payload.get("type") == "evidence.completed":
                    outer.arrived.setdefault(payload["job_id"], at)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def jpeg(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(40):
        x, y = rng.randrange(1500), rng.randrange(1100)
        image.paste(tuple(rng.randrange(256) for _ in range(3)), (x, y, x + 100, y + 100))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed(url: str, jobs: int, receiver_url: str) -> dict:
    """A dealer with its webhook, a technician with a token, `jobs` scheduled installations."""
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade

    from server import create_app
    from server.auth.models import DeviceToken, User
    from server.auth.service import hash_token
    from server.dealers.policy import load_policy
    from server.delivery.models import WebhookEndpoint
    from server.delivery.signing import generate_secret
    from server.desk.models import Customer, Job, Unit
    from server.extensions import db
    from server.models import Dealer

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
    with app.app_context():
        upgrade()
        dealer = Dealer(name="基准净水", policy_doc=load_policy({}))
        tech = User(username="bench-tech", display_name="师傅", role="technician")
        tech.password_hash = "!"  # noqa: S105 - never signs in: no hash matches "!"
        db.session.add_all([dealer, tech])
        db.session.flush()
        token = uuid.uuid4().hex
        db.session.add(DeviceToken(user_id=tech.id, token_hash=hash_token(token)))
        db.session.add(
            WebhookEndpoint(
                dealer_id=dealer.id,
                url=receiver_url,
                secret=generate_secret(),
                secret_set_at=datetime.now(UTC),
            )
        )
        start = datetime.now(UTC) + timedelta(hours=1)
        ids = []
        for n in range(jobs):
            customer = Customer(name=f"客户{n}", phone=f"139{n:08d}", address=f"文三路{n}号")
            db.session.add(customer)
            db.session.flush()
            unit = Unit(customer_id=customer.id, dealer_id=dealer.id, model="RO", serial=f"B{n}")
            db.session.add(unit)
            db.session.flush()
            job = Job(
                customer_id=customer.id,
                unit_id=unit.id,
                dealer_id=dealer.id,
                kind="installation",
                status="scheduled",
                technician_id=tech.id,
                window_start=start,
                window_end=start + timedelta(hours=2),
            )
            db.session.add(job)
            db.session.flush()
            ids.append(str(job.id))
        db.session.commit()
        db.engine.dispose()
    return {"token": token, "jobs": ids}


def start_worker(url: str, instance: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "bench-secret",
        "WEBHOOK_ALLOW_PRIVATE": "1",
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/flask"), "--app", "wsgi", "worker"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        preexec_fn=_die_with_parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Phone:
    def __init__(self, base: str, token: str):
        self.base, self.http = base, requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.client_id, self.next_id = str(uuid.uuid4()), 1

    def push(self, mutations: list[tuple[str, dict]]) -> dict:
        now = datetime.now(UTC).isoformat()
        batch = []
        for name, args in mutations:
            batch.append({"mutation_id": self.next_id, "name": name, "args": args, "at": now})
            self.next_id += 1
        body = {"schema_version": 1, "client_id": self.client_id, "mutations": batch}
        response = self.http.post(f"{self.base}/api/sync/push", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def upload(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        headers = {"Content-Type": "image/jpeg", "X-Media-Purpose": "site"}
        url = f"{self.base}/api/media/{digest}"
        self.http.put(url, data=data, headers=headers, timeout=60).raise_for_status()
        return digest


def visit(job: str, photos: dict[str, str]) -> list[tuple[str, dict]]:
    """An installation as the app records it, ending in complete_job."""
    now = datetime.now(UTC).isoformat()

    def record(**values):
        return {"id": str(uuid.uuid4()), "job_id": job, **values}

    def answer(item, value=True):
        return ("answer_checklist", record(item=item, value=value, answered_at=now))

    def signed(purpose):
        text_hash = hashlib.sha256(STATEMENT.encode()).hexdigest()
        return (
            "add_signature",
            record(
                purpose=purpose,
                signer_name="张伟",
                statement_text=STATEMENT,
                statement_sha256=text_hash,
                strokes=STROKES,
                signed_at=now,
            ),
        )

    visit_id = str(uuid.uuid4())
    return [
        ("start_visit", {"id": visit_id, "job_id": job, "arrived_at": now}),
        answer("unbox_check"),
        signed("unbox_verification"),
        answer("floor_drain"),
        (
            "add_measurement",
            record(kind="inlet_pressure", value=2.5, unit="kgf/cm2", measured_at=now),
        ),
        answer("install_steps"),
        *[
            ("add_photo", record(purpose=purpose, sha256=sha, taken_at=now))
            for purpose, sha in photos.items()
        ],
        answer("leak_check"),
        answer("briefing"),
        signed("acceptance"),
        ("complete_job", {"job_id": job, "completed_at": now}),
    ]


def wait_processed(phone: Phone, shas: list[str], timeout=120) -> None:
    deadline = time.monotonic() + timeout
    pending = set(shas)
    while pending and time.monotonic() < deadline:
        for sha in list(pending):
            status = phone.http.get(f"{phone.base}/api/media/{sha}/status", timeout=30)
            if status.ok and status.json().get("status") == "ready":
                pending.discard(sha)
        time.sleep(0.2)
    if pending:
        raise RuntimeError(f"{len(pending)} photos were never derived")


def run(database: str, jobs: int) -> dict:
    instance = tempfile.mkdtemp(prefix="delivery-bench-")
    pg_name = f"delivery_bench_{os.getpid()}"
    admin = None
    if database == "postgresql":
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {pg_name}"))
            c.execute(sa.text(f"CREATE DATABASE {pg_name}"))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    else:
        url = f"sqlite:///{instance}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{instance}/media"
    receiver = Receiver()
    web = worker = None
    try:
        data = seed(url, jobs, receiver.url)
        web, base = serve(url, instance, 2, 4)
        worker = start_worker(url, instance)
        phone = Phone(base, data["token"])
        latencies = []
        for n, job in enumerate(data["jobs"]):
            photos = {
                purpose: phone.upload(jpeg(n * 10 + i))
                for i, purpose in enumerate(("finished_installation", "gauge", "site"))
            }
            wait_processed(phone, list(photos.values()))
            answer = phone.push(visit(job, photos))
            answered = time.perf_counter()
            last = answer["results"][-1]
            if last["status"] != "applied":
                raise RuntimeError(f"completion refused: {last}")
            deadline = answered + 60
            while job not in receiver.arrived and time.perf_counter() < deadline:
                time.sleep(0.01)
            if job not in receiver.arrived:
                raise RuntimeError("the webhook never came")
            latencies.append((receiver.arrived[job] - answered) * 1000)
        # The synchronous floor: one POST of a package-sized body to the same receiver.
        body = json.dumps({"type": "bench", "pad": "x" * 12_000})
        direct = []
        for _ in range(jobs):
            t0 = time.perf_counter()
            requests.post(receiver.url, data=body, timeout=10).raise_for_status()
            direct.append((time.perf_counter() - t0) * 1000)
    finally:
        for proc in (worker, web):
            if proc is not None:
                stop(proc)
        receiver.server.shutdown()
        shutil.rmtree(instance, ignore_errors=True)
        if admin is not None:
            with admin.connect() as c:
                c.execute(sa.text(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))
            admin.dispose()
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    result = {
        "database": database,
        "jobs": jobs,
        "p50_ms": round(statistics.median(latencies)),
        "p95_ms": round(p95),
        "max_ms": round(latencies[-1]),
        "direct_post_p50_ms": round(statistics.median(direct), 1),
    }
    print(
        f"[{database}] completion → webhook received over {jobs} jobs: "
        f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms; "
        f"a direct POST alone: {result['direct_post_p50_ms']} ms",
        flush=True,
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 jobs instead of 100")
    parser.add_argument("--database", choices=["postgresql", "sqlite", "both"], default="both")
    args = parser.parse_args()
    jobs = 20 if args.quick else 100
    databases = ["postgresql", "sqlite"] if args.database == "both" else [args.database]
    load = os.getloadavg()[0]
    results = [run(database, jobs) for database in databases]
    print(json.dumps({"load_average": round(load, 2), "results": results}))


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
