"""Console pages of the service desk: intake (look-up by phone or serial), the request list
with its clocks, a request's timeline, the appointment call, the escalation list.

Views only: the rules are server/desk/intake.py, appointments.py and clocks.py's, exactly as
for the API; who sees which request is server/access/'s.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import g, redirect, render_template, request, url_for

from server.access import rules as access
from server.admin.views import bp, figure, menu, page
from server.common import tx
from server.common.zone import service_zone
from server.dealers.models import Dealer
from server.dealers.service import policy_of
from server.desk import appointments, clocks, intake
from server.desk.intake_schemas import AppointmentCallArgs, IntakeSchema
from server.desk.models import (
    CHANNELS,
    JOB_KINDS,
    REQUEST_STATUSES,
    Customer,
    Job,
    ServiceRequest,
    Unit,
)
from server.extensions import db
from server.field.models import Visit
from server.media import service as media
from server.web.pages import FILE_FORMS, submit

menu("admin.requests", "服务请求", "Requests")
menu("admin.intake_form", "受理", "Intake")
menu("admin.escalations", "超时预警", "Escalations")
figure("admin.escalations", lambda user: len(clocks.escalations(access.requests(user))))

PAGE_SIZE = 50
STATE_NAMES = {
    "met": "达成 met",
    "running": "计时中 running",
    "breached": "超时 breached",
    "stopped": "停止 stopped",
}
CLOCK_NAMES = {
    "acknowledge": "受理 Acknowledge",
    "contact": "联系 Contact",
    "on_site": "上门 On site",
    "resolve": "完成 Resolve",
}


def _short(iso: str | None) -> str:
    """'2026-12-07T10:55:00+08:00' → '12-07 10:55' (already in the dealer's zone)."""
    return iso[5:16].replace("T", " ") if iso else "—"


def _left(minutes) -> str:
    if minutes is None:
        return ""
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def _clock_rows(req, met=None) -> list[dict]:
    doc = clocks.document(req, met=met)
    return [
        {
            **c,
            "label": CLOCK_NAMES[c["name"]],
            "state_label": STATE_NAMES[c["state"]],
            "due_short": _short(c["due"]),
            "met_short": _short(c["met_at"]) if c["met_at"] else "",
            "left": _left(c["minutes_left"]),
        }
        for c in doc["clocks"]
    ]


def _form_values(names) -> dict:
    return {k: v.strip() for k in names if (v := request.form.get(k, "")).strip()}


def _aware(value: str | None, zone: str):
    """A datetime-local input (wall time in `zone`) as ISO 8601 with its offset."""
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        return value  # the schema names the field
    return naive.replace(tzinfo=ZoneInfo(zone)).isoformat()


@bp.get("/requests")
@page
def requests():
    query = access.requests(g.user)
    status = request.args.get("status")
    if status in REQUEST_STATUSES:
        query = query.where(ServiceRequest.status == status)
    rows = db.session.scalars(
        query.order_by(ServiceRequest.received_at.desc()).limit(PAGE_SIZE)
    ).all()
    met = clocks.met_times(rows)
    items = [(r, _clock_rows(r, met[r.id])) for r in rows]
    return render_template(
        "admin/requests.html", items=items, statuses=REQUEST_STATUSES, status=status
    )


FILE_FORMS.add("admin.intake_form")


def _take(values: dict) -> ServiceRequest:
    """The intake form's request, with its proof-of-purchase photo if one was chosen."""
    staged = None
    try:
        photo = request.files.get("proof_photo")
        if photo and photo.filename:
            # Hashed first, kept only once the request it belongs to is recorded.
            staged, values["proof_of_purchase_sha256"] = media.staged_upload(photo, g.user)
        args = IntakeSchema().load({k: v for k, v in values.items() if v is not None})
        created = intake.intake(args)
        if staged is not None:
            sha = values["proof_of_purchase_sha256"]
            media.keep_staged(staged, sha, g.user, "proof_of_purchase")
        return created
    finally:
        media.drop_staged(staged)


@bp.route("/requests/new", methods=["GET", "POST"])
@page
def intake_form():
    found, errors, values = None, {}, {}
    if request.method == "POST":
        values = _form_values(IntakeSchema().fields)
        values["received_at"] = _aware(values.get("received_at"), service_zone().key)
        created, errors = submit(lambda: _take(values))
        if created is not None:
            return redirect(url_for("admin.request_page", row_id=created.id))
    else:
        values = {k: request.args[k] for k in ("phone", "serial") if request.args.get(k)}
        found = _look_up(values)
    dealers = db.session.execute(sa.select(Dealer.id, Dealer.name).order_by(Dealer.name)).all()
    body = render_template(
        "admin/intake.html",
        found=found,
        errors=errors,
        values=values,
        channels=CHANNELS,
        kinds=JOB_KINDS,
        dealers=dealers,
    )
    return body, 422 if errors else 200


def _look_up(values: dict):
    """What the phone number or serial finds, to show before the request is taken."""
    if not values:
        return None
    customers = db.session.scalars(
        access.customers(g.user).where(Customer.phone == values.get("phone", ""))
    ).all()
    units = db.session.scalars(
        access.units(g.user).where(
            sa.or_(
                Unit.serial == values.get("serial", ""),
                Unit.customer_id.in_([c.id for c in customers]),
            )
        )
    ).all()
    return {"customers": customers, "units": units}


@bp.get("/requests/<uuid:row_id>")
@page
def request_page(row_id):
    req = access.get(ServiceRequest, row_id, g.user)
    zone = ZoneInfo(policy_of(req.dealer_id)["timezone"])
    jobs = db.session.scalars(
        sa.select(Job).where(Job.request_id == req.id, Job.deleted_at.is_(None))
    ).all()
    visits = db.session.scalars(
        sa.select(Visit)
        .where(Visit.job_id.in_([j.id for j in jobs]), Visit.deleted_at.is_(None))
        .order_by(Visit.arrived_at)
    ).all()
    calls = appointments.calls_of(req)
    events = [(req.received_at, "收到请求 Received", req.channel)]
    if req.acknowledged_at:
        events.append((req.acknowledged_at, "已受理 Acknowledged", ""))
    events += [(c.called_at, "约定电话 Appointment call", c.address) for c in calls]
    events += [(v.arrived_at, "工程师到达 Arrived on site", "") for v in visits]
    events += [(j.completed_at, "工单完成 Job completed", j.kind) for j in jobs if j.completed_at]
    timeline = [
        (when.astimezone(zone).strftime("%m-%d %H:%M"), what, note)
        for when, what, note in sorted(events, key=lambda e: e[0])
    ]
    return render_template(
        "admin/request.html",
        req=req,
        clocks=_clock_rows(req),
        timeline=timeline,
        calls=calls,
        jobs=jobs,
        zone=zone,
        stopped=req.status in clocks.STOPPED,
    )


@bp.post("/requests/<uuid:row_id>/acknowledge")
@page
def acknowledge(row_id):
    req = access.get(ServiceRequest, row_id, g.user, for_update=True)
    intake.acknowledge(req, g.user)
    tx.commit()
    return redirect(url_for("admin.request_page", row_id=req.id))


@bp.route("/requests/<uuid:row_id>/call", methods=["GET", "POST"])
@page
def call_form(row_id):
    req = access.get(ServiceRequest, row_id, g.user, for_update=request.method == "POST")
    policy = policy_of(req.dealer_id)
    errors, values = {}, {"address": req.customer.address}
    if request.method == "POST":
        values = _form_values(AppointmentCallArgs().fields)
        for key in ("visit_start", "visit_end", "called_at"):
            values[key] = _aware(values.get(key), policy["timezone"])
        for key in ("no_show_fee_told", "accessories_cleared"):
            values[key] = key in request.form
        for key in ("travel_surcharge_fen", "extra_work_fen"):
            if key in values:  # typed in yuan
                values[key] = _fen(values[key])
        args = {k: v for k, v in values.items() if v is not None}
        called, errors = submit(
            lambda: appointments.record_call(req, AppointmentCallArgs().load(args), g.user)
        )
        if called is not None:
            return redirect(url_for("admin.request_page", row_id=req.id))
    body = render_template(
        "admin/call.html",
        req=req,
        errors=errors,
        values=values,
        no_show_yuan=policy["fees"]["no_show_fen"] / 100,
        radius=policy["service_radius_km"],
        zone=policy["timezone"],
    )
    return body, 422 if errors else 200


def _fen(yuan: str):
    try:
        return round(float(yuan) * 100)
    except (ValueError, OverflowError):
        return yuan  # the schema names the field


@bp.get("/escalations")
@page
def escalations():
    found = clocks.escalations(access.requests(g.user))
    rows = []
    for req, clock in found:
        zone = ZoneInfo(policy_of(req.dealer_id)["timezone"])
        rows.append(
            {
                "req": req,
                "clock": CLOCK_NAMES[clock.name],
                "state": clock.state,
                "state_label": "即将超时 near breach" if clock.near_breach else "超时 breached",
                "due": clock.due.astimezone(zone).strftime("%m-%d %H:%M") if clock.due else "—",
                "left": _left(int(clock.left.total_seconds() // 60)) if clock.left else "",
            }
        )
    return render_template("admin/escalations.html", rows=rows)
