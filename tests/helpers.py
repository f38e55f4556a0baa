"""Assertions shared by tests."""

import sqlalchemy as sa

from server.extensions import db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, *, field: str | None = None) -> dict:
    """The response is a problem+json error with `status` (and an error for `field`)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert body["detail"]
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def job_row(app, job_id):
    """The job as stored now, detached (readable after the session closes)."""
    import uuid

    from server.desk.models import Job

    with app.app_context():
        job = db.session.get(Job, uuid.UUID(str(job_id)))
        db.session.expunge(job)
        db.session.remove()
        return job


def set_job(app, job_id, **values) -> None:
    """Change a job behind the API's back (a state a test needs to start from)."""
    import uuid

    from server.desk.models import Job

    with app.app_context():
        job = db.session.get(Job, uuid.UUID(str(job_id)))
        for key, value in values.items():
            setattr(job, key, value)
        db.session.commit()
        db.session.remove()


def another_job(app, world, like="job1", **values) -> str:
    """A further job at the household of `like` (same customer, unit, dealer, technician)."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from server.desk.models import Job

    with app.app_context():
        base = db.session.get(Job, uuid.UUID(world.ids[like]))
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        fields = {
            "customer_id": base.customer_id,
            "unit_id": base.unit_id,
            "dealer_id": base.dealer_id,
            "kind": "repair",
            "status": "scheduled",
            "technician_id": base.technician_id,
            "window_start": start,
            "window_end": start + timedelta(hours=2),
            **values,
        }
        job = Job(**fields)
        db.session.add(job)
        db.session.commit()
        job_id = str(job.id)
        db.session.remove()
        return job_id
