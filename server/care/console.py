"""Console pages (/admin/): complaints (list, detail: owner, deadline, notes, moves) and the
filter reminders due. The same service functions as the API; pages only parse and show."""

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy.orm import selectinload

from server.access import rules as access
from server.admin.views import bp, figure, menu, page
from server.auth.models import OFFICE_ROLES, User
from server.care import api, complaints, messages, schemas
from server.care import reminders as due_dates
from server.care.models import COMPLAINT_STATUSES, MESSAGE_STATUSES, CareMessage, Complaint
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.desk import intake
from server.exceptions import DomainError, Invalid
from server.extensions import db
from server.web.pages import attempt

menu("admin.complaints_page", "投诉", "Complaints")
menu("admin.reminders", "滤芯提醒", "Filter reminders")
menu("admin.care_messages", "客户消息", "Customer messages")

# The reminders page lists units due within this many days unless asked otherwise; the
# home page's figure counts the same list.
DUE_WITHIN_DAYS = 30


def _count(query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


figure(
    "admin.complaints_page",
    lambda user: _count(access.complaints(user).where(Complaint.status != "closed")),
)
figure(
    "admin.reminders",
    lambda user: len(due_dates.due_within(access.units(user), utcnow(), DUE_WITHIN_DAYS)),
)
figure(
    "admin.care_messages",
    lambda user: _count(sa.select(CareMessage).where(CareMessage.status == "dead")),
)
STATUS_NAMES = {"open": "待处理", "in_progress": "处理中", "closed": "已关闭"}
PAGE = 50


@bp.get("/complaints")
@page
def complaints_page():
    status = request.args.get("status") or None
    query = access.complaints(g.user)
    if status in COMPLAINT_STATUSES:
        query = query.where(Complaint.status == status)
    if request.args.get("overdue"):
        query = query.where(complaints.overdue(utcnow()))
    query = query.options(selectinload(Complaint.customer), selectinload(Complaint.owner))
    rows = db.session.scalars(query.order_by(Complaint.due_at, Complaint.id).limit(PAGE)).all()
    return render_template(
        "care/complaints.html",
        rows=rows,
        now=utcnow(),
        status=status,
        names=STATUS_NAMES,
        overdue=bool(request.args.get("overdue")),
        is_overdue=complaints.is_overdue,
        office=_office(),
    )


def _office() -> list[User]:
    """Who may own a complaint: the office's active users."""
    query = sa.select(User).where(User.role.in_(OFFICE_ROLES), User.active.is_(True))
    return db.session.scalars(query.order_by(User.display_name)).all()


def _complaint(complaint_id) -> Complaint:
    try:
        return access.get(Complaint, complaint_id, g.user, for_update=request.method == "POST")
    except DomainError:
        abort(404)


@bp.get("/complaints/<uuid:complaint_id>")
@page
def complaint_page(complaint_id):
    complaint = _complaint(complaint_id)
    office = _office()
    zone = db.session.get(Dealer, complaint.dealer_id).policy["timezone"]
    return render_template(
        "care/complaint.html",
        c=complaint,
        office=office,
        zone=zone,
        due_local=complaint.due_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M"),
        overdue=complaints.is_overdue(complaint, utcnow()),
        names=STATUS_NAMES,
    )


def _local_time(text: str, zone: str) -> datetime:
    """A datetime-local field's value, in the dealer's zone."""
    try:
        moment = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    except ValueError as exc:
        raise ValidationError("not a date and time", "due_at") from exc
    # As the API's Time field: years that always have a UTC value.
    if not 1970 <= moment.year <= 2199:
        raise ValidationError("not a date and time", "due_at")
    return moment


def _act(complaint: Complaint, action: str) -> str:
    form, now = request.form, utcnow()
    if action == "update":
        zone = db.session.get(Dealer, complaint.dealer_id).policy["timezone"]
        args = schemas.ComplaintUpdateSchema().load(
            {"owner_id": form.get("owner_id") or None, "summary": form.get("summary", "")}
        )
        if form.get("due_at"):
            args["due_at"] = _local_time(form["due_at"], zone)
        complaints.update(complaint, args, g.user)
        return "已保存 · Saved."
    if action == "note":
        body = schemas.ComplaintNoteSchema().load({"body": form.get("body", "").strip()})["body"]
        complaints.add_note(complaint, body, g.user)
        return "备注已添加 · Note added."
    if action == "start":
        complaints.move(complaint, "start", g.user, now, text=None)
    elif action == "close":
        text = schemas.CloseSchema().load({"resolution": form.get("resolution", "").strip()})
        complaints.move(complaint, "close", g.user, now, text=text["resolution"])
    elif action == "reopen":
        text = schemas.ReopenSchema().load({"reason": form.get("reason", "").strip()})
        complaints.move(complaint, "reopen", g.user, now, text=text["reason"])
    else:
        abort(400)
    return "状态已更新 · Status changed."


@bp.post("/complaints/<uuid:complaint_id>")
@page
def complaint_act(complaint_id):
    complaint = _complaint(complaint_id)
    attempt(lambda: _act(complaint, request.form.get("action", "")), lambda said: said)
    return redirect(url_for("admin.complaint_page", complaint_id=complaint_id))


def _open_from_form() -> Complaint:
    """A complaint taken on the phone: the customer by phone number, the unit by serial
    (or the customer's only unit), so its dealer and deadline follow."""
    form = request.form
    said = {k: form.get(k, "").strip() or None for k in ("phone", "serial")}
    customer = intake.find_customer(said)
    if customer is None:
        raise Invalid("phone", "no customer has this number")
    unit = intake.find_unit(said)
    if unit is None and said["serial"] is None:
        units = [u for u in customer.units if u.deleted_at is None]
        unit = units[0] if len(units) == 1 else None
    args = schemas.ComplaintCreateSchema().load(
        {
            "customer_id": str(customer.id),
            "unit_id": str(unit.id) if unit else None,
            "summary": form.get("summary", "").strip(),
            "details": form.get("details", "").strip() or None,
            "owner_id": form.get("owner_id") or None,
        }
    )
    return complaints.open_complaint(args, g.user, utcnow())


@bp.post("/complaints/new")
@page
def open_complaint():
    opened = attempt(_open_from_form, "投诉已登记 · Complaint opened.")
    if opened is None:
        return redirect(url_for("admin.complaints_page"))
    return redirect(url_for("admin.complaint_page", complaint_id=opened.id))


@bp.get("/reminders")
@page
def reminders():
    try:
        args = schemas.DueQuerySchema().load(
            {
                "within_days": request.args.get("within_days", str(DUE_WITHIN_DAYS)),
                "page_size": "500",
            }
        )
    except ValidationError:
        abort(400)
    due = api.due_page(g.user, args)
    return render_template("care/reminders.html", due=due, within_days=args["within_days"])


@bp.get("/care-messages")
@page
def care_messages():
    """The latest texts to customers, newest first; dead ones can be sent again."""
    status = request.args.get("status") or None
    query = sa.select(CareMessage)
    if status in MESSAGE_STATUSES:
        query = query.where(CareMessage.status == status)
    rows = db.session.scalars(
        query.order_by(CareMessage.created_at.desc(), CareMessage.id).limit(PAGE * 2)
    ).all()
    return render_template("care/messages.html", rows=rows, status=status)


@bp.post("/care-messages/<uuid:message_id>/retry")
@page
def retry_message(message_id):
    message = db.session.get(CareMessage, message_id, with_for_update=True)
    if message is None:
        abort(404)
    attempt(lambda: messages.retry(message, utcnow()), "已重新排队 · Queued again.")
    return redirect(url_for("admin.care_messages", status="dead"))
