"""Care fixtures: a completed job, its survey link, and a way to read the link's token."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from server.extensions import db
from tests.helpers import set_job


def completed(app, job_id, *, ago=timedelta(hours=1)) -> str:
    set_job(app, job_id, status="completed", completed_at=datetime.now(UTC) - ago)
    return job_id


def token_of(url: str) -> str:
    return re.search(r"/survey/([^/?#]+)$", url).group(1)


def path_of(url: str) -> str:
    return "/survey/" + token_of(url)


@pytest.fixture
def done_job(app, world):
    return completed(app, world.ids["job1"])


@pytest.fixture
def link(client, world, done_job):
    """The survey URL of job1, issued by the office."""
    r = client.post(f"/api/jobs/{done_job}/survey", headers=world.auth("dispatcher"))
    assert r.status_code == 200, r.get_json()
    return r.get_json()["url"]


def survey_row(app, job_id):
    from server.care.models import Survey

    with app.app_context():
        import sqlalchemy as sa

        row = db.session.scalar(sa.select(Survey).where(Survey.job_id == uuid.UUID(job_id)))
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
        return row


def set_survey(app, job_id, **values) -> None:
    import sqlalchemy as sa

    from server.care.models import Survey

    with app.app_context():
        row = db.session.scalar(sa.select(Survey).where(Survey.job_id == uuid.UUID(job_id)))
        for key, value in values.items():
            setattr(row, key, value)
        db.session.commit()
        db.session.remove()


def in_the_past() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=1)
