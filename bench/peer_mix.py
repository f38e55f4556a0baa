"""The realistic mix for peer_bench.py: a technician's installation day, pushed in batches.

Per job, 18 mutations: start_visit; five checklist answers; two signatures (200-point
strokes, the server renders each PNG); a reading; a photo record; a part; a fee; a field
edit that applies and one that clashes (held for an admin: a conflict); a resent photo
record (a duplicate); a note with an empty body (a rejection); a note; and complete_job
with its completion rules. Batches of 100 cut across jobs as a day's outbox would. The
peer has no equivalent (it would store the same documents without a rule), so this
figure is this server's alone; every answer is counted, whatever its status.
"""

import hashlib
import json
import time
import uuid
from collections import Counter

import sqlalchemy as sa
from prefill import _clone, _uuid
from sync_bench import NOW

BATCH = 100
STROKES = [{"points": [{"x": i % 300, "y": (i * 7) % 120, "time": i * 8} for i in range(200)]}]
STATEMENT = "本人确认以上安装内容属实，设备运行正常。"


def make_jobs(engine, per_technician: int) -> dict:
    """Fresh installation jobs for every technician, cloned from the one each holds."""
    with engine.begin() as conn:
        techs = conn.execute(
            sa.text("SELECT id FROM users WHERE role = 'technician' ORDER BY username")
        ).scalars()
        out = {}
        for k, tech in enumerate(techs):
            tag = f"mix{k}-"
            _clone(
                conn,
                "jobs",
                per_technician,
                {
                    "id": _uuid(tag),
                    "status": "'assigned'",
                    "kind": "'installation'",
                    "completed_at": "NULL",
                    "diagnosis": "NULL",
                    "description": "NULL",
                },
                where=f"technician_id = '{tech}'",
            )
            out[str(tech)] = [
                str(uuid.UUID(hashlib.md5(f"{tag}{g}".encode()).hexdigest()))  # noqa: S324
                for g in range(per_technician)
            ]
    return out


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _job_mutations(job: str) -> list[tuple[str, dict]]:
    visit = str(uuid.uuid4())

    def new(**kw):
        return {"id": str(uuid.uuid4()), "job_id": job, "visit_id": visit, **kw}

    def answer(item):
        return "answer_checklist", new(item=item, value=True, answered_at=NOW)

    def signature(purpose):
        return "add_signature", new(
            purpose=purpose,
            signer_name="张伟",
            statement_text=STATEMENT,
            statement_sha256=_sha(STATEMENT),
            strokes=STROKES,
            signed_at=NOW,
        )

    photo = new(purpose="finished_installation", sha256=_sha(str(uuid.uuid4())), taken_at=NOW)
    return [
        ("start_visit", {"id": visit, "job_id": job, "arrived_at": NOW}),
        answer("unbox_check"),
        signature("unbox_verification"),
        answer("floor_drain"),
        ("add_measurement", new(kind="inlet_pressure", value=250, unit="kPa", measured_at=NOW)),
        answer("install_steps"),
        ("add_photo", photo),
        answer("leak_check"),
        answer("briefing"),
        ("add_part", new(part_code="PP-10", name="PP棉滤芯", quantity=1, unit_price_fen=0)),
        ("add_fee", new(kind="part", description="滤芯", amount_fen=0, payer="nobody")),
        ("update_job", {"job_id": job, "fields": {"diagnosis": {"from": None, "to": "安装"}}}),
        ("update_job", {"job_id": job, "fields": {"description": {"from": "旧", "to": "新"}}}),
        signature("acceptance"),
        ("add_photo", photo),  # resent: a duplicate
        ("add_note", new(body="")),  # refused: invalid_args
        ("add_note", new(body="客户已确认")),
        ("complete_job", {"job_id": job, "completed_at": NOW}),
    ]


class MixClient:
    def __init__(self, base, token, jobs):
        import requests

        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.http.headers["Content-Type"] = "application/json"
        self.base, self.jobs, self.client_id = base, list(jobs), str(uuid.uuid4())
        self.pending, self.next_id, self.statuses = [], 1, Counter()

    def batch(self):
        while len(self.pending) < BATCH:
            self.pending += _job_mutations(self.jobs.pop())
        out, self.pending = self.pending[:BATCH], self.pending[BATCH:]
        mutations = []
        for name, args in out:
            mutations.append({"mutation_id": self.next_id, "name": name, "args": args, "at": NOW})
            self.next_id += 1
        return mutations

    def send(self) -> int:
        mutations = self.batch()
        body = {"schema_version": 1, "client_id": self.client_id, "mutations": mutations}
        payload = json.dumps(body, ensure_ascii=False).encode()
        for _ in range(40):
            r = self.http.post(f"{self.base}/api/sync/push", data=payload)
            if r.status_code != 503:
                break
            time.sleep(0.05)
        r.raise_for_status()
        self.statuses.update(x["status"] for x in r.json()["results"])
        return len(mutations)


def run_mix(base, devices, jobs_by_tech, tokens_to_tech, clients, batches):
    """`clients` threads, `batches` pushes of 100 each; docs/s and the answers' statuses."""
    import threading

    workers = [
        MixClient(base, d["token"], jobs_by_tech[tokens_to_tech[d["token"]]])
        for d in devices[:clients]
    ]
    for w in workers:
        w.send()  # warm
    counts = [0] * clients

    def go(i):
        for _ in range(batches):
            counts[i] += workers[i].send()

    for w in workers:
        w.statuses.clear()
    threads = [threading.Thread(target=go, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    statuses = Counter()
    for w in workers:
        statuses.update(w.statuses)
    return {"per_s": round(sum(counts) / seconds), "statuses": dict(statuses)}
