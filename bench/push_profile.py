"""In-process CPU of the push path, with peer_bench.py's create/update mix.

Seeds a scratch PostgreSQL database (by the real migrations), then pushes batches of 100
(80 creates of four kinds, 20 `update_job` edits; every fourth batch a resend) through
Flask's test client, one device after another, and prints the process CPU per mutation
(client work included: the test client's JSON encoding is a small share). `--profile`
prints cProfile's top entries; `--args` times loading the arguments alone.

    .venv/bin/python bench/push_profile.py [--batches 40] [--profile] [--args]
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_bench import ProjectClient, cpu_seconds
from sync_bench import PG_ADMIN, seed


def loading(bodies) -> None:
    """CPU to load the mix's args: the schema alone against Mutation.load (fast or not)."""
    from server.sync.mutations import MUTATIONS

    ms = [m for payload, _h in bodies for m in json.loads(payload)["mutations"]]
    for label, load in (
        ("schema.load", lambda m: MUTATIONS[m["name"]].schema.load(m["args"])),
        ("Mutation.load", lambda m: getattr(MUTATIONS[m["name"]], "load", None)),
    ):
        c0 = time.process_time()
        for _ in range(3):
            for m in ms:
                got = load(m)
                if got is None:  # the code before argsfast.py: the schema alone
                    MUTATIONS[m["name"]].schema.load(m["args"])
                elif callable(got):
                    got(m["args"])
        print(f"args, {label}: {(time.process_time() - c0) * 1e6 / len(ms) / 3:.1f} µs/mutation")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=40)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--top", type=int, default=40)
    p.add_argument(
        "--args", action="store_true", help="also time loading the args alone, schema vs fast"
    )
    args = p.parse_args()
    name = f"purifier_perf2_prof_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f"CREATE DATABASE {name}"))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        data = seed(url, 4, 0)
        from server import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        http = app.test_client()
        devices = [ProjectClient("", d) for d in data["devices"][:4]]
        # Warm up: first requests import and compile.
        bodies = []
        for k in range(args.batches + 4):
            for d in devices:
                # Every fourth batch resends the one before, as peer_bench.py does.
                batch = d.last if k % 4 == 3 else d.batch()
                d.last = batch
                body = {"schema_version": 1, "client_id": d.client_id, "mutations": batch}
                headers = {
                    "Authorization": d.http.headers["Authorization"],
                    "Content-Type": "application/json",
                }
                bodies.append((json.dumps(body, ensure_ascii=False).encode(), headers))

        def send(chunk):
            for payload, headers in chunk:
                r = http.post("/api/sync/push", data=payload, headers=headers)
                assert r.status_code == 200, r.get_json()
                got = r.get_json()["results"]
                bad = [x for x in got if x["status"] not in ("applied", "merged", "duplicate")]
                assert not bad, bad[:2]

        send(bodies[: 4 * 4])
        timed = bodies[4 * 4 :]
        prof = cProfile.Profile() if args.profile else None
        with sa.create_engine(url).connect() as c:
            backends = (
                c.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity"
                        " WHERE datname = :d AND pid <> pg_backend_pid()"
                    ),
                    {"d": name},
                )
                .scalars()
                .all()
            )
        b0 = cpu_seconds(backends)
        c0, w0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        send(timed)
        if prof:
            prof.disable()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        backend = cpu_seconds(backends) - b0
        n = len(timed) * 100
        print(
            f"{n} mutations: CPU {cpu * 1000 / n:.3f} ms/mutation in-process, "
            f"PostgreSQL backend {backend * 1000 / n:.3f} ms, "
            f"wall {wall * 1000 / n:.3f} ms; load {os.getloadavg()[0]:.1f}"
        )
        if args.args:
            loading(timed)
        if prof:
            stats = pstats.Stats(prof)
            stats.sort_stats("tottime").print_stats(args.top)
            stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
