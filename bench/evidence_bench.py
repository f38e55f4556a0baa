"""Evidence bench: server time to build the package of a job with 12 photos, 4 signatures,
readings, answers, parts and fees, on SQLite and PostgreSQL.

The reference is the floor of the same work: reading the job's rows once (the queries the
build needs) — what is above it is manifest assembly, canonical JSON and hashing. The last
line is one JSON object.

    .venv/bin/python bench/evidence_bench.py [--quick]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def seed_job(db, models):
    """A completed installation with a realistic amount of evidence, every photo processed."""
    from server.dealers.policy import load_policy

    m = models
    now = datetime.now(UTC)
    dealer = m.Dealer(name=f"基准{uuid.uuid4().hex[:6]}", policy_doc=load_policy({}))
    tech = m.User(
        username=f"t{uuid.uuid4().hex[:8]}",
        display_name="师傅",
        role="technician",
        password_hash="!",  # noqa: S106 - never signs in: no hash matches "!"
    )
    customer = m.Customer(name="客户", phone="13900000000", address="杭州市文三路1号")
    db.session.add_all([dealer, tech, customer])
    db.session.flush()
    unit = m.Unit(customer_id=customer.id, dealer_id=dealer.id, model="RO", serial=uuid.uuid4().hex)
    db.session.add(unit)
    db.session.flush()
    job = m.Job(
        customer_id=customer.id,
        unit_id=unit.id,
        dealer_id=dealer.id,
        kind="installation",
        status="completed",
        technician_id=tech.id,
        completed_at=now,
    )
    db.session.add(job)
    db.session.flush()
    common = {"job_id": job.id, "created_by": tech.id}
    for n in range(12):
        digest = uuid.uuid4().hex * 2
        db.session.add(
            m.MediaObject(
                sha256=digest,
                kind="image",
                status="ready",
                mime="image/jpeg",
                byte_size=300_000,
                width=2048,
                height=1536,
                stripped_sha256=digest,
            )
        )
        db.session.add(
            m.Photo(purpose="site" if n else "gauge", sha256=digest, taken_at=now, **common)
        )
    for purpose in ("unbox_verification", "pressure_valve_waiver", "acceptance", "repair_slip"):
        png = uuid.uuid4().hex * 2
        db.session.add(
            m.MediaObject(
                sha256=png,
                kind="signature",
                status="ready",
                mime="image/png",
                byte_size=9_000,
                width=600,
                height=200,
            )
        )
        text = "本人确认以上内容属实。" * 8
        db.session.add(
            m.Signature(
                purpose=purpose,
                signer_name="张伟",
                statement_text=text,
                statement_sha256="0" * 64,
                strokes=[{"points": [{"x": 1, "y": 1, "time": 0}] * 200}],
                png_sha256=png,
                signed_at=now,
                **common,
            )
        )
    for item in ("unbox_check", "floor_drain", "install_steps", "leak_check", "briefing"):
        db.session.add(
            m.ChecklistAnswer(item=item, answer={"value": True}, answered_at=now, **common)
        )
    for kind in ("inlet_pressure", "outlet_pressure", "tds_in"):
        db.session.add(
            m.Measurement(
                kind=kind,
                value=320.5,
                unit="kPa" if "pressure" in kind else "mg/L",
                original_value=3.27,
                original_unit="kgf/cm2" if "pressure" in kind else "mg/L",
                measured_at=now,
                **common,
            )
        )
    for n in range(3):
        db.session.add(
            m.PartUsed(part_code=f"P{n}", name="滤芯", quantity=1, unit_price_fen=3500, **common)
        )
        db.session.add(
            m.FeeLine(
                kind="labor", description="上门费", amount_fen=5000, payer="customer", **common
            )
        )
    db.session.commit()
    return job.id


def measure(url: str, runs: int) -> dict:
    from flask_migrate import upgrade

    from server import create_app
    from server import models as m
    from server.evidence import service
    from server.evidence.models import EvidencePackage
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    builds, reads = [], []
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        for _ in range(runs):
            job_id = seed_job(db, m)
            db.session.expire_all()
            job = db.session.get(m.Job, job_id)
            started = time.perf_counter()
            package = service.job_completed(job)
            db.session.commit()
            builds.append((time.perf_counter() - started) * 1000)
            assert package.status == "built" and len(package.manifest["photos"]) == 12
            db.session.expire_all()
            started = time.perf_counter()
            for model in (
                m.Photo,
                m.Signature,
                m.ChecklistAnswer,
                m.Measurement,
                m.PartUsed,
                m.FeeLine,
                m.Visit,
                m.Note,
            ):
                db.session.scalars(sa.select(model).where(model.job_id == job_id)).all()
            reads.append((time.perf_counter() - started) * 1000)
        size = len(
            json.dumps(db.session.scalars(sa.select(EvidencePackage.manifest).limit(1)).one())
        )
        db.engine.dispose()
    return {
        "build_ms": round(statistics.median(builds), 1),
        "build_p95_ms": round(sorted(builds)[int(len(builds) * 0.95) - 1], 1),
        "reading_rows_ms": round(statistics.median(reads), 1),
        "manifest_bytes": size,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    runs = 10 if parser.parse_args().quick else 40
    result = {"load": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        result["sqlite"] = measure(f"sqlite:///{tmp}/bench.sqlite3", runs)
        name = f"evidence_bench_{os.getpid()}"
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
        try:
            result["postgresql"] = measure(
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", runs
            )
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    for db_name in ("sqlite", "postgresql"):
        r = result[db_name]
        print(
            f"[{db_name}] package of 12 photos, 4 signatures: build {r['build_ms']} ms median, "
            f"p95 {r['build_p95_ms']} ms (reading its rows alone: {r['reading_rows_ms']} ms); "
            f"manifest {r['manifest_bytes']} bytes"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
