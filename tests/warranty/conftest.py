"""Helpers for warranty tests: a unit with known dates, repair jobs, the office completing."""

import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa

from server.desk.models import Job, ServiceRequest, Unit
from server.extensions import db
from tests.sync.conftest import sha

D = date.fromisoformat


def set_unit(app, world, unit="unit1", **values) -> None:
    """Give the world's unit known dates (tests must not depend on today)."""
    with app.app_context():
        row = db.session.get(Unit, uuid.UUID(world.ids[unit]))
        for key, value in values.items():
            setattr(row, key, D(value) if isinstance(value, str) else value)
        db.session.commit()
        db.session.remove()


def repair_job(
    app, world, fault="joint_loose", *, unit="unit1", reported=None, kind="repair", tech="tech1"
) -> str:
    """An in-progress job on the world's unit; `reported`: its request's received_at."""
    with app.app_context():
        row = db.session.get(Unit, uuid.UUID(world.ids[unit]))
        request_id = None
        if reported is not None:
            request = ServiceRequest(
                customer_id=row.customer_id,
                unit_id=row.id,
                dealer_id=row.dealer_id,
                kind=kind,
                channel="phone",
                received_at=datetime.fromisoformat(reported),
            )
            db.session.add(request)
            db.session.flush()
            request_id = request.id
        job = Job(
            request_id=request_id,
            customer_id=row.customer_id,
            unit_id=row.id,
            dealer_id=row.dealer_id,
            kind=kind,
            status="in_progress",
            technician_id=world.users[tech].id,
            diagnosis="接头松动" if kind == "repair" else None,
            fault_category=fault,
        )
        db.session.add(job)
        db.session.commit()
        job_id = str(job.id)
        db.session.remove()
        return job_id


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def signature_body(purpose: str, signed_at: str) -> dict:
    text = "本人确认以上内容属实。"
    return {
        "purpose": purpose,
        "signer_name": "张伟",
        "statement_text": text,
        "statement_sha256": sha(text),
        "strokes": [{"points": [{"x": 1, "y": 2, "time": 0}, {"x": 5, "y": 9, "time": 8}]}],
        "signed_at": signed_at,
    }


def complete_repair(client, world, job_id, who="dispatcher"):
    """The office records what a repair needs and completes it (as a device would)."""
    headers = world.auth(who)
    answer = {"item": "test_run", "value": True, "answered_at": now()}
    r = client.post(f"/api/jobs/{job_id}/checklist-answers", json=answer, headers=headers)
    assert r.status_code == 201, r.get_json()
    body = signature_body("repair_slip", now())
    r = client.post(f"/api/jobs/{job_id}/signatures", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    return client.post(
        f"/api/jobs/{job_id}/complete", json={"completed_at": now()}, headers=headers
    )


def decision_rows(app, job_id):
    from server.warranty.models import LiabilityDecision

    with app.app_context():
        rows = db.session.scalars(
            sa.select(LiabilityDecision).where(LiabilityDecision.job_id == uuid.UUID(job_id))
        ).all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return rows
