"""Complaints from open to closed. Raises server.exceptions; flushes, never commits.

MOVES is the whole lifecycle: for each move, the statuses it may start from and the status
it leads to. Editing (owner, deadline, summary) is allowed while a complaint is not closed.

| move   | from               | to          | requires              |
|--------|--------------------|-------------|-----------------------|
| start  | open               | in_progress |                       |
| close  | open, in_progress  | closed      | a resolution          |
| reopen | closed             | open        | a reason (as a note)  |
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from server.audit.service import record
from server.auth.models import OFFICE_ROLES, User
from server.care.models import Complaint, ComplaintNote, Survey
from server.common.schemas import jsonable
from server.dealers.models import Dealer
from server.desk.models import Customer, Job, Unit
from server.exceptions import Conflict, Invalid
from server.extensions import db

MOVES = {
    "start": (("open",), "in_progress"),
    "close": (("open", "in_progress"), "closed"),
    "reopen": (("closed",), "open"),
}
EDITABLE = ("owner_id", "due_at", "summary", "details")


def _existing(model, row_id, field):
    row = db.session.get(model, row_id) if row_id is not None else None
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise Invalid(field, "unknown")
    return row


def _check_owner(owner_id) -> None:
    if owner_id is None:
        return
    user = db.session.get(User, owner_id)
    if user is None or not user.active or user.role not in OFFICE_ROLES:
        raise Invalid("owner_id", "not an active admin or dispatcher")


def deadline(dealer_id, opened_at: datetime) -> datetime:
    hours = db.session.get(Dealer, dealer_id).policy["care"]["complaint_deadline_hours"]
    return opened_at + timedelta(hours=hours)


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    return complaint.status != "closed" and complaint.due_at < now


def overdue(now: datetime):
    """`is_overdue` as a SQL condition, for lists."""
    return sa.and_(Complaint.status != "closed", Complaint.due_at < now)


def open_complaint(args: dict, actor, now: datetime) -> Complaint:
    """The office records a complaint; the dealer comes from the job or the unit."""
    customer = _existing(Customer, args["customer_id"], "customer_id")
    dealer_id = args.get("dealer_id")
    job = unit = None
    if args.get("job_id") is not None:
        job = _existing(Job, args["job_id"], "job_id")
        if job.customer_id != customer.id:
            raise Invalid("job_id", "belongs to another customer")
    if args.get("unit_id") is not None:
        unit = _existing(Unit, args["unit_id"], "unit_id")
        if unit.customer_id != customer.id:
            raise Invalid("unit_id", "belongs to another customer")
    known = (job and job.dealer_id) or (unit and unit.dealer_id)
    if known and dealer_id not in (None, known):
        raise Invalid("dealer_id", "differs from the job's or unit's dealer")
    dealer_id = known or dealer_id
    if dealer_id is None:
        raise Invalid("dealer_id", "required when no job_id or unit_id is given")
    _existing(Dealer, dealer_id, "dealer_id")
    _check_owner(args.get("owner_id"))
    complaint = Complaint(
        id=args.get("id") or None,
        customer_id=customer.id,
        dealer_id=dealer_id,
        job_id=job.id if job else None,
        unit_id=unit.id if unit else (job.unit_id if job else None),
        source="office",
        summary=args["summary"],
        details=args.get("details"),
        owner_id=args.get("owner_id"),
        opened_at=now,
        due_at=args.get("due_at") or deadline(dealer_id, now),
    )
    if complaint.id is not None and db.session.get(Complaint, complaint.id) is not None:
        raise Conflict("A complaint with that id exists.")
    db.session.add(complaint)
    db.session.flush()
    record("create", "complaint", complaint.id, {"source": "office"}, actor=actor)
    return complaint


def open_from_survey(survey: Survey, now: datetime) -> Complaint:
    """A low rating opens a complaint, exactly once per survey."""
    existing = db.session.scalar(sa.select(Complaint).where(Complaint.survey_id == survey.id))
    if existing is not None:
        return existing
    job = db.session.get(Job, survey.job_id)
    complaint = Complaint(
        customer_id=job.customer_id,
        dealer_id=job.dealer_id,
        job_id=job.id,
        unit_id=job.unit_id,
        survey_id=survey.id,
        source="survey",
        summary=f"满意度评分 {survey.rating}/5 · Satisfaction rating {survey.rating}/5",
        details=survey.comments,
        opened_at=now,
        due_at=deadline(job.dealer_id, now),
    )
    db.session.add(complaint)
    db.session.flush()
    record("create", "complaint", complaint.id, {"source": "survey", "rating": survey.rating})
    return complaint


def update(complaint: Complaint, args: dict, actor) -> Complaint:
    if complaint.status == "closed":
        raise Conflict(
            "A closed complaint is reopened before it is changed.", slug="complaint-closed"
        )
    if "owner_id" in args:
        _check_owner(args["owner_id"])
    if args.get("due_at") is not None and args["due_at"] < complaint.opened_at:
        raise Invalid("due_at", "before the complaint was opened")
    diff = {}
    for key in EDITABLE:
        if key in args and getattr(complaint, key) != args[key]:
            diff[key] = [jsonable(getattr(complaint, key)), jsonable(args[key])]
            setattr(complaint, key, args[key])
    record("update", "complaint", complaint.id, diff, actor=actor)
    db.session.flush()
    return complaint


def add_note(complaint: Complaint, body: str, actor) -> ComplaintNote:
    note = ComplaintNote(complaint_id=complaint.id, body=body, created_by=actor.id)
    db.session.add(note)
    db.session.flush()
    db.session.expire(complaint, ["notes"])
    return note


def move(complaint: Complaint, name: str, actor, now: datetime, *, text: str | None) -> Complaint:
    """One move of MOVES; 409 `complaint-status` from a status the table does not list."""
    starts, to = MOVES[name]
    if complaint.status not in starts:
        raise Conflict(
            f"A complaint that is {complaint.status} cannot {name}.", slug="complaint-status"
        )
    if name == "close":
        if not text:
            raise Invalid("resolution", "required to close a complaint")
        complaint.resolution, complaint.closed_at = text, now
    elif name == "reopen":
        if not text:
            raise Invalid("reason", "required to reopen a complaint")
        complaint.closed_at = None
        add_note(complaint, f"【重新打开 · Reopened】{text}", actor)
    before = complaint.status
    complaint.status = to
    record(name, "complaint", complaint.id, {"status": [before, to], "text": text}, actor=actor)
    db.session.flush()
    return complaint


def delete(complaint: Complaint, actor, now: datetime) -> None:
    complaint.deleted_at = now
    record("delete", "complaint", complaint.id, actor=actor)
    db.session.flush()
