"""Sync against a peer: this server's push beside PouchDB Server 4.2.0's `_bulk_docs`.

Both servers run on 127.0.0.1 at once and are driven with the same client shape:
N concurrent clients sending batches of 100 documents — creates, updates of records
created earlier, and every fourth batch a replay of one already applied. Rounds are
interleaved A/B, B/A, A/B … and each pair's ratio (this server's documents per second
over the peer's) is printed with the median. This server runs under gunicorn on a scratch
PostgreSQL database (fsync as the cluster is configured); PouchDB Server on LevelDB in a
temporary directory. Before the measured pairs, one pair runs on the empty database, then
the database is prefilled in SQL to a year of a mid-size service center (evidence rows,
change-log rows and idempotency records; `--prefill`), so indexes are the size they would be.
Then 1, 4 and 16 concurrent clients in timed rounds (`--scaling-rounds` of
`--scaling-seconds` each, the client counts interleaved; medians), and the realistic mix
(bench/peer_mix.py: signatures, visits, complete_job with its rules, parts, fees, clashing
edits, duplicates and rejections), this server alone. The last line is JSON.

    .venv/bin/python bench/peer_bench.py [--quick] [--pairs 7] [--prefill 1000000]

PouchDB Server is installed from bench/peer/package-lock.json (`npm ci`) on first use.
Semantics differ (docs/performance.md, "Sync against a peer"): PouchDB keeps no
idempotency record and merges nothing, and LevelDB does not fsync per batch.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_mix import BATCH as MIX_BATCH
from peer_mix import make_jobs, run_mix
from prefill import prefill
from sync_bench import NOW, PG_ADMIN, _die_with_parent, free_port, seed, serve, stop

HERE = Path(__file__).resolve().parent
PEER = HERE / "peer"
BATCH = 100
UPDATES = 20  # per batch; the other 80 are creates


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds(pids) -> float:
    """User + system CPU of these processes so far (Linux /proc, clock ticks)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def children(pid) -> list[int]:
    out = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        for kid in kids:
            out += children(int(kid))
    return out


# --- this server -------------------------------------------------------------


class Project:
    name = "project"

    def __init__(self, base, devices, engine):
        self.base, self.devices, self.engine = base, devices, engine
        self.proc_pids = []

    def client(self, i):
        return ProjectClient(self.base, self.devices[i])

    def pids(self):
        with self.engine.connect() as c:
            backends = c.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            ).scalars()
            return self.proc_pids + list(backends)


class ProjectClient:
    def __init__(self, base, device):
        self.base, self.job = base, device["job"]
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {device['token']}"
        self.http.headers["Content-Type"] = "application/json"
        self.client_id = str(uuid.uuid4())
        self.next_id, self.diagnosis, self.last = 1, None, None

    def _create(self, n):
        kind = n % 4
        new = str(uuid.uuid4())
        if kind == 0:
            return "add_note", {"id": new, "job_id": self.job, "body": f"备注 {n}"}
        if kind == 1:
            return "add_measurement", {
                "id": new,
                "job_id": self.job,
                "kind": "inlet_pressure",
                "value": 2.5,
                "unit": "bar",
                "measured_at": NOW,
            }
        if kind == 2:
            return "answer_checklist", {
                "id": new,
                "job_id": self.job,
                "item": "floor_drain",
                "value": True,
                "answered_at": NOW,
            }
        return "add_photo", {
            "id": new,
            "job_id": self.job,
            "purpose": "site",
            "sha256": uuid.uuid4().hex * 2,
            "taken_at": NOW,
        }

    def batch(self):
        out = []
        for k in range(BATCH):
            n = self.next_id
            if k % (BATCH // UPDATES) == 0:
                new = f"诊断 {n}"
                edit = {"diagnosis": {"from": self.diagnosis, "to": new}}
                name, args = "update_job", {"job_id": self.job, "fields": edit}
                self.diagnosis = new
            else:
                name, args = self._create(n)
            out.append({"mutation_id": n, "name": name, "args": args, "at": NOW})
            self.next_id += 1
        return out

    def send(self, replay: bool) -> int:
        mutations = self.last if replay and self.last else self.batch()
        body = {"schema_version": 1, "client_id": self.client_id, "mutations": mutations}
        payload = json.dumps(body, ensure_ascii=False).encode()
        for _ in range(40):
            r = self.http.post(f"{self.base}/api/sync/push", data=payload)
            if r.status_code != 503:
                break
            time.sleep(0.05)  # transient: the protocol says resend the same batch
        r.raise_for_status()
        want = ("duplicate",) if mutations is self.last else ("applied", "merged")
        done = sum(x["status"] in want for x in r.json()["results"])
        if done != len(mutations):
            raise RuntimeError(f"{done}/{len(mutations)} {want}: {r.json()['results'][:2]}")
        self.last = mutations
        return len(mutations)


# --- the peer ----------------------------------------------------------------


class Peer:
    name = "pouchdb"

    def __init__(self, base, proc):
        self.base, self.proc = base, proc

    def client(self, i):
        return PeerClient(self.base)

    def pids(self):
        return children(self.proc.pid)


class PeerClient:
    def __init__(self, base):
        self.url = f"{base}/bench/_bulk_docs"
        self.http = requests.Session()
        self.http.headers["Content-Type"] = "application/json"
        self.revs, self.order, self.next_id, self.last = {}, [], 1, None
        self.prefix = uuid.uuid4().hex[:12]

    def batch(self):
        docs = []
        for k in range(BATCH):
            n = self.next_id
            self.next_id += 1
            if k % (BATCH // UPDATES) == 0 and self.order:
                doc_id = self.order[(n * 7) % len(self.order)]
                if any(d["_id"] == doc_id for d in docs):
                    doc_id = None
                if doc_id is not None:
                    docs.append(
                        {"_id": doc_id, "_rev": self.revs[doc_id], "diagnosis": f"诊断 {n}"}
                    )
                    continue
            docs.append(
                {
                    "_id": f"{self.prefix}-{n}",
                    "type": "measurement",
                    "job_id": self.prefix,
                    "kind": "inlet_pressure",
                    "value": 2.5,
                    "unit": "bar",
                    "measured_at": NOW,
                }
            )
        return docs

    def send(self, replay: bool) -> int:
        docs = self.last if replay and self.last else self.batch()
        payload = json.dumps({"docs": docs}, ensure_ascii=False).encode()
        r = self.http.post(self.url, data=payload)
        r.raise_for_status()
        results = r.json()
        if docs is self.last:
            # A replay: the peer answers each document with a conflict, writing nothing.
            if sum(x.get("error") == "conflict" for x in results) != len(docs):
                raise RuntimeError(f"peer replay: {results[:2]}")
        else:
            ok = [x for x in results if x.get("ok")]
            if len(ok) != len(docs):
                raise RuntimeError(f"peer: {len(ok)}/{len(docs)} ok: {results[:2]}")
            for x in ok:
                if x["id"] not in self.revs:
                    self.order.append(x["id"])
                self.revs[x["id"]] = x["rev"]
        self.last = docs
        return len(docs)


def start_peer(workdir):
    if not (PEER / "node_modules" / "pouchdb-server").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER, check=True)
    port = free_port()
    proc = subprocess.Popen(
        [
            str(PEER / "node_modules/.bin/pouchdb-server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            workdir,
            "--no-color",
            "--no-stdout-logs",
        ],
        cwd=workdir,
        start_new_session=True,
        preexec_fn=_die_with_parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(base, timeout=5).ok:
                requests.put(f"{base}/bench", timeout=30).raise_for_status()
                return Peer(base, proc)
        except requests.RequestException:
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError("pouchdb-server did not start")


# --- rounds ------------------------------------------------------------------


def round_of(server, clients: int, batches: int, seconds: float | None = None) -> dict:
    """`clients` threads, each sending `batches` batches (or for `seconds`, at least one);
    every 4th is a replay. Rounds by time keep a 1-client round as long as a 16-client one,
    so a slow start or a stray checkpoint weighs the same in each."""
    workers = [server.client(i) for i in range(clients)]
    for w in workers:
        w.send(False)  # warm: connections open, revisions known
    counts = [0] * clients
    deadline = [0.0]

    def more(b: int) -> bool:
        return b < batches if seconds is None else b == 0 or time.perf_counter() < deadline[0]

    def run(i):
        b = 0
        while more(b):
            counts[i] += workers[i].send(replay=b % 4 == 3)
            b += 1

    pids = server.pids()
    cpu0 = cpu_seconds(pids)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    deadline[0] = started + (seconds or 0)
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    cpu = cpu_seconds(pids) - cpu0
    docs = sum(counts)
    return {"per_s": docs / seconds, "docs": docs, "cpu_ms_per_doc": cpu * 1000 / docs}


def pairs(project, peer, n, clients, batches, label, seconds=None) -> list[dict]:
    out = []
    for k in range(n):
        order = (project, peer) if k % 2 == 0 else (peer, project)
        got = {s.name: round_of(s, clients, batches, seconds) for s in order}
        ratio = got["project"]["per_s"] / got["pouchdb"]["per_s"]
        row = {"ratio": ratio, "load": load(), **got}
        out.append(row)
        print(
            f"[{label}] pair {k + 1}: project {got['project']['per_s']:.0f}/s "
            f"({got['project']['cpu_ms_per_doc']:.2f} ms CPU/doc), pouchdb "
            f"{got['pouchdb']['per_s']:.0f}/s ({got['pouchdb']['cpu_ms_per_doc']:.2f}), "
            f"ratio {ratio:.2f}; load {row['load']}",
            flush=True,
        )
    return out


def scale(project, peer, clients, rounds: int, seconds: float) -> dict:
    """Throughput at 1, 4 and 16 clients: `rounds` timed pairs each, the client counts
    interleaved so drift in the machine's load falls on all of them alike. Past
    saturation (4 clients on 2 cores) more clients must not mean fewer documents."""
    runs = {n: [] for n in clients}
    for k in range(rounds):
        for n in clients:
            runs[n] += pairs(project, peer, 1, n, 1, f"{n} clients, round {k + 1}", seconds)
    out = {}
    for n, rows in runs.items():
        out[n] = {
            name: round(statistics.median(r[name]["per_s"] for r in rows))
            for name in ("project", "pouchdb")
        }
    wide, narrow = max(clients), sorted(clients)[-2]
    for name in ("project", "pouchdb"):
        per_round = [
            w[name]["per_s"] / n[name]["per_s"]
            for w, n in zip(runs[wide], runs[narrow], strict=True)
        ]
        out[f"{wide}_vs_{narrow}_{name}"] = {
            "median_ratio": round(out[wide][name] / out[narrow][name], 2),
            "range": [round(min(per_round), 2), round(max(per_round), 2)],
        }
    return out


def summary(rows) -> dict:
    return {
        "project_per_s": round(statistics.median(r["project"]["per_s"] for r in rows)),
        "pouchdb_per_s": round(statistics.median(r["pouchdb"]["per_s"] for r in rows)),
        "ratio": round(statistics.median(r["ratio"] for r in rows), 3),
        "ratio_range": [
            round(min(r["ratio"] for r in rows), 2),
            round(max(r["ratio"] for r in rows), 2),
        ],
        "project_cpu_ms": round(statistics.median(r["project"]["cpu_ms_per_doc"] for r in rows), 3),
        "pouchdb_cpu_ms": round(statistics.median(r["pouchdb"]["cpu_ms_per_doc"] for r in rows), 3),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smaller run, under 2 minutes")
    p.add_argument("--pairs", type=int, help="measured A/B pairs after the prefill")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--batches", type=int, help="batches per client per round")
    p.add_argument("--prefill", type=int, help="rows of each kind written before measuring")
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--scaling-rounds", type=int, help="timed rounds per client count")
    p.add_argument("--scaling-seconds", type=float, help="seconds per scaling round")
    args = p.parse_args()
    args.scaling_rounds = args.scaling_rounds or (2 if args.quick else 5)
    args.scaling_seconds = args.scaling_seconds or (3.0 if args.quick else 5.0)
    args.pairs = args.pairs or (3 if args.quick else 7)
    args.batches = args.batches or (6 if args.quick else 16)
    args.prefill = (
        args.prefill if args.prefill is not None else (200_000 if args.quick else 1_000_000)
    )

    instance = tempfile.mkdtemp(prefix="peer-bench-")
    pg_name = f"purifier_perf_bench_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {pg_name}"))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    engine = sa.create_engine(url)
    proc = peer = None
    try:
        with engine.connect() as c:
            fsync = c.execute(sa.text("SHOW fsync")).scalar()
            sync_commit = c.execute(sa.text("SHOW synchronous_commit")).scalar()
        data = seed(url, max(16, args.clients), 0)
        proc, base = serve(url, instance, args.workers, args.threads)
        project = Project(base, data["devices"], engine)
        project.proc_pids = children(proc.pid)
        peer = start_peer(tempfile.mkdtemp(dir=instance))
        print(
            f"PostgreSQL fsync={fsync} synchronous_commit={sync_commit}; "
            f"gunicorn {args.workers}x{args.threads}; load {load()}",
            flush=True,
        )
        empty = pairs(project, peer, 1, args.clients, args.batches, "empty")
        t0 = time.perf_counter()
        rows = prefill(engine, args.prefill)
        print(f"prefilled {rows} in {time.perf_counter() - t0:.0f}s; load {load()}", flush=True)
        measured = pairs(project, peer, args.pairs, args.clients, args.batches, "prefilled")
        scaling = scale(project, peer, (1, 4, 16), args.scaling_rounds, args.scaling_seconds)
        jobs = make_jobs(engine, (args.batches + 1) * MIX_BATCH // 18 + 5)
        with engine.connect() as c:
            tech_of = {
                d["token"]: str(
                    c.execute(
                        sa.text("SELECT technician_id FROM jobs WHERE id = :j"), {"j": d["job"]}
                    ).scalar()
                )
                for d in data["devices"]
            }
        mix = run_mix(base, data["devices"], jobs, tech_of, args.clients, args.batches)
        print(
            f"realistic mix, {args.clients} clients: {json.dumps(mix)}; load {load()}", flush=True
        )
    finally:
        if peer is not None:
            stop(peer.proc)
        if proc is not None:
            stop(proc)
        engine.dispose()
        shutil.rmtree(instance, ignore_errors=True)
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"))
        admin.dispose()
    final = summary(measured)
    print(f"empty: {json.dumps(summary(empty))}")
    print(f"scaling: {json.dumps(scaling)}")
    print(
        json.dumps(
            {
                "project_per_s": final["project_per_s"],
                "pouchdb_per_s": final["pouchdb_per_s"],
                "ratio": final["ratio"],
                "pairs": args.pairs,
                "prefilled_rows": rows,
                "database": "postgresql",
                "ratio_range": final["ratio_range"],
                "cpu_ms_per_doc": [final["project_cpu_ms"], final["pouchdb_cpu_ms"]],
                "empty_ratio": summary(empty)["ratio"],
                "scaling": scaling,
                "mix": mix,
                "load": load(),
            }
        )
    )


if __name__ == "__main__":
    main()
