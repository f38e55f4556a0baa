"""Satisfaction surveys: one per completed job, answered once through a signed link.

The link's token is the survey id signed with the app's secret (itsdangerous): it cannot
be forged or altered, and names nothing else. What makes it single-use and expiring is the
row: `answered_at` (answered once) and `expires_at` (set when the link is sent, extended
by a resend). A job gets its survey when the office sends the link
(`POST /api/jobs/<id>/survey`) or when the worker's scan finds it completed without one
(`scan_completed`): the completion path itself is not touched, whichever way a job was
completed (office, push, conflict resolution).
"""

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from server.audit.service import record
from server.care import complaints, messages
from server.care.models import Survey
from server.dealers.models import Dealer
from server.desk.models import Customer, Job
from server.exceptions import Conflict
from server.extensions import db
from server.warranty.facts import DONE

SALT = "care-survey"


class LinkError(Exception):
    """Why a link does not open a survey: tampered, unknown, used or expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def token_for(survey: Survey, secret: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps(str(survey.id))


def url_for_survey(survey: Survey, secret: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}/survey/{token_for(survey, secret)}"


def open_link(token: str, secret: str, now: datetime, *, for_update: bool = False) -> Survey:
    """The survey a link names if it may still be answered; LinkError otherwise."""
    try:
        survey_id = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature as exc:
        raise LinkError("tampered") from exc
    try:
        query = sa.select(Survey).where(Survey.id == uuid.UUID(str(survey_id)))
    except ValueError as exc:  # signed by us, so never; but never a 500 either
        raise LinkError("tampered") from exc
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    survey = db.session.scalar(query)
    if survey is None:
        raise LinkError("unknown")
    if survey.answered_at is not None:
        raise LinkError("used")
    if survey.expires_at <= now:
        raise LinkError("expired")
    return survey


def link_days(job: Job) -> int:
    return db.session.get(Dealer, job.dealer_id).policy["care"]["survey_link_days"]


def of_job(job: Job) -> Survey | None:
    return db.session.scalar(sa.select(Survey).where(Survey.job_id == job.id))


def issue(job: Job, now: datetime, secret: str, base_url: str) -> tuple[Survey, str]:
    """Create the job's survey (or extend its link) and queue the link to the customer.

    409 `job-not-completed` for unfinished work, 409 `survey-answered` once answered.
    """
    if job.status not in DONE or job.completed_at is None or job.deleted_at is not None:
        raise Conflict("A survey follows a completed job.", slug="job-not-completed")
    survey = of_job(job)
    expires_at = now + timedelta(days=link_days(job))
    if survey is None:
        survey = Survey(job_id=job.id, expires_at=expires_at)
        db.session.add(survey)
        db.session.flush()
        record("create", "survey", survey.id, {"job": str(job.id)})
    elif survey.answered_at is not None:
        raise Conflict("The customer has answered this survey.", slug="survey-answered")
    else:
        survey.expires_at = expires_at
        record("resend", "survey", survey.id, {"expires_at": expires_at.isoformat()})
    url = url_for_survey(survey, secret, base_url)
    customer = db.session.get(Customer, job.customer_id)
    body = (
        f"【满意度调查】感谢您选择我们的服务，请为本次服务评分：{url} "
        f"[Survey] Please rate our service: {url}"
    )
    # One message per link sent: a resend (a new expiry) is a new message.
    key = f"survey:{survey.id}:{expires_at.isoformat()}"
    messages.enqueue(key, "survey_link", customer, body, unit_id=job.unit_id)
    db.session.flush()
    return survey, url


def answer(survey: Survey, rating: int, comments: str | None, now: datetime, low_max: int):
    """Record the answer (the caller opened the link with for_update); a rating at or
    below `low_max` opens a complaint. Returns the complaint or None."""
    if survey.answered_at is not None:
        raise Conflict("This survey was answered.", slug="survey-answered")
    survey.rating, survey.comments, survey.answered_at = rating, comments or None, now
    db.session.flush()
    record("answer", "survey", survey.id, {"rating": rating})
    if rating <= low_max:
        return complaints.open_from_survey(survey, now)
    return None


def low_rating_max(survey: Survey) -> int:
    job = db.session.get(Job, survey.job_id)
    return db.session.get(Dealer, job.dealer_id).policy["care"]["low_rating_max"]


def scan_completed(now: datetime, secret: str, base_url: str, lookback_days: float) -> int:
    """Surveys for jobs completed in the last `lookback_days` that have none; the count."""
    surveyed = sa.select(Survey.job_id)
    jobs = db.session.scalars(
        sa.select(Job)
        .where(
            Job.status.in_(DONE),
            Job.completed_at >= now - timedelta(days=lookback_days),
            Job.deleted_at.is_(None),
            Job.id.not_in(surveyed),
        )
        .order_by(Job.completed_at, Job.id)
        .limit(200)
    ).all()
    for job in jobs:
        issue(job, now, secret, base_url)
    return len(jobs)
