"""Console pages for dispatch: the board (today and tomorrow) with assign and reassign,
and technicians' profiles (districts served, skills).

Reads come from server/desk/dispatch.py; an assignment is the jobs API's own
`desk.service.assign` (the lifecycle's `assign` / `unassign` move), and a profile is
checked by the API's schema: one rule each, whichever way in.
"""

import uuid
from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from server.access import rules as access
from server.admin.views import bp, figure, menu, page
from server.common import tx
from server.common.zone import service_zone
from server.desk import dispatch, technicians
from server.desk import service as desk
from server.desk.dispatch_schemas import DayQuerySchema, TechnicianProfileSchema
from server.desk.models import JOB_KINDS, Job
from server.exceptions import DomainError
from server.extensions import db

menu("admin.dispatch", "派工", "Dispatch")
menu("admin.technicians", "技师", "Technicians")


def _waiting_today(user) -> int:
    zone = service_zone()
    return len(dispatch.unassigned(user, dispatch.today(zone), zone))


figure("admin.dispatch", _waiting_today)
TOP = 3  # suggestions shown beside an unassigned job
SEPARATORS = (",", "，", "、", ";", "；", "\n")


def _day(value: str | None, zone):
    if not value:
        return dispatch.today(zone)
    try:
        return DayQuerySchema().load({"day": value})["day"]
    except ValidationError:
        abort(400, "day: YYYY-MM-DD")


def _hm(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%H:%M") if moment else ""


def _when(job, zone) -> str:
    if job.window_start is None:
        return "未排期 · no window"
    start = job.window_start.astimezone(zone)
    return f"{start:%m-%d %H:%M}–{_hm(job.window_end, zone)}"


def _ranked(job, day, zone, cache: dict):
    """Suggestions for the job, or None when the lifecycle would refuse to assign it.
    `cache`: what each day's ranking reads, read once per day for the whole page."""
    on = dispatch.suggestion_day(job, zone, day)
    if on not in cache:
        cache[on] = dispatch.booked(g.user, on, zone)
    try:
        return dispatch.suggest(g.user, job, on, zone, cache[on])
    except DomainError:
        return None


@bp.get("/dispatch", endpoint="dispatch")
@page
def dispatch_board():
    zone = service_zone()
    today = dispatch.today(zone)
    day = _day(request.args.get("day"), zone)
    data = dispatch.board(g.user, day, zone)
    start, _ = dispatch.day_bounds(day, zone)
    cache: dict = {}
    columns = [
        {
            "technician": column.technician,
            "load": column.load,
            "jobs": [
                {"job": job, "when": _when(job, zone), "options": _ranked(job, day, zone, cache)}
                for job in column.jobs
            ],
        }
        for column in data["technicians"]
    ]
    waiting = []
    for job in data["unassigned"]:
        ranked = _ranked(job, day, zone, cache) or []
        waiting.append(
            {
                "job": job,
                "when": _when(job, zone),
                "overdue": job.window_start is not None and job.window_start < start,
                "top": ranked[:TOP],
                "options": ranked,
            }
        )
    tabs = [(today, "今天", "Today"), (today + timedelta(days=1), "明天", "Tomorrow")]
    return render_template(
        "admin/dispatch.html",
        day=day,
        tabs=tabs,
        zone=zone.key,
        columns=columns,
        waiting=waiting,
    )


def _uuid(value: str | None):
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        abort(400, "not an id")


def _why(exc: DomainError) -> str:
    """The refusal as a person reads it: its detail and each field's messages."""
    fields = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in (exc.errors or {}).items())
    return f"{exc.detail} {fields}".strip()


@bp.post("/dispatch/assign")
@page
def dispatch_assign():
    """Assign, reassign (another technician) or unassign (empty) one job."""
    job_id = _uuid(request.form.get("job_id"))
    technician_id = _uuid(request.form.get("technician_id"))
    back = url_for("admin.dispatch", day=request.form.get("day") or None)
    if job_id is None:
        abort(400, "job_id")
    try:
        job = access.get(Job, job_id, g.user, for_update=True)
        desk.assign(job, technician_id, g.user)
        unskilled = technician_id is not None and dispatch.lacks_skill(job, technician_id)
        tx.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(f"未能派工 · Not assigned: {_why(exc)}")
        return redirect(back)
    if technician_id is None:
        flash("已取消指派 · Unassigned.")
    else:
        name = job.technician.display_name
        flash(f"已派给 {name} · Assigned to {name}.")
        if unskilled:
            flash(f"注意：{name} 未登记此类工作的技能 · Note: {name} is not listed for {job.kind}.")
    return redirect(back)


def _profile_form() -> dict:
    """The form as the API would send it: districts split on commas or lines."""
    text = request.form.get("districts", "")
    for sep in SEPARATORS[1:]:
        text = text.replace(sep, SEPARATORS[0])
    districts = [d.strip() for d in text.split(SEPARATORS[0]) if d.strip()]
    return {"districts": districts, "skills": request.form.getlist("skills")}


def _technicians_page(error=None, status=200):
    known = technicians.profiles()
    rows = [technicians.view(t, known.get(t.id)) for t in technicians.technicians()]
    body = render_template(
        "admin/technicians.html",
        rows=rows,
        kinds=JOB_KINDS,
        editable=g.user.role == "admin",
        error=error,
    )
    return body, status


@bp.get("/technicians", endpoint="technicians")
@page
def technicians_page():
    return _technicians_page()


@bp.post("/technicians/<uuid:user_id>")
@page
def technician_update(user_id):
    if g.user.role != "admin":
        abort(403)
    try:
        args = TechnicianProfileSchema().load(_profile_form())
        user = technicians.technician(user_id)
    except ValidationError as exc:
        return _technicians_page(exc.messages, 422)
    except DomainError as exc:
        return _technicians_page({"technician": [exc.detail]}, 404)
    profile = technicians.update(user, args)
    tx.commit()
    flash(f"已保存 {profile['display_name']} · Saved.")
    return redirect(url_for("admin.technicians"))
