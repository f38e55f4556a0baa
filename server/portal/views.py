"""Dealer portal pages: completed jobs and their evidence; accept, or ask for more."""

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError, fields, validate

from server.access import rules as access
from server.common import tx
from server.dealers.service import policy_of
from server.desk import service as desk
from server.desk.models import Customer, Job, Unit
from server.evidence import service as evidence
from server.evidence import status
from server.evidence.links import media_link
from server.evidence.models import EvidencePackage
from server.exceptions import DomainError
from server.extensions import db
from server.web.pages import Area, csrf_token

bp = Blueprint(
    "portal",
    __name__,
    url_prefix="/dealer",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
AREA = Area(("dealer", "admin"), "portal.login", "portal.jobs")
portal_page = AREA.page
FILTERS = {
    "status": fields.String(validate=validate.OneOf(status.STATUSES)),
    "kind": fields.String(validate=validate.Length(max=40)),
    "serial": fields.String(validate=validate.Length(max=80)),
}


@bp.app_context_processor
def _helpers():
    return {"csrf_token": csrf_token, "media_link": media_link}


@bp.app_template_filter("local")
def local_time(value, zone: str = "Asia/Shanghai") -> str:
    """An instant (ISO text or datetime) as the dealer reads it: local time, minutes."""
    if not value:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


# What a dealer may still do with a package in each status.
REVIEWABLE = ("built", "delivered")


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        refused = "此账号不能登录经销商门户 · This account cannot use the dealer portal."
        error = AREA.sign_in("dealer portal", refused)
        if error is None:
            return redirect(AREA.next_page())
    page = render_template("pages/login.html", base="portal/base.html", error=error)
    return page, 401 if error else 200


@bp.post("/logout")
@portal_page
def logout():
    return AREA.sign_out()


@bp.get("/")
@portal_page
def jobs():
    try:
        chosen = {k: f.deserialize(v) for k, v in request.args.items() if (f := FILTERS.get(k))}
    except ValidationError:
        abort(400, "Unknown filter value.")
    inner = sa.orm.aliased(EvidencePackage)
    newest = sa.select(sa.func.max(inner.version)).where(inner.job_id == Job.id).scalar_subquery()
    state = status.expression()
    query = (
        status.joined(
            sa.select(Job, EvidencePackage, Customer, Unit, state).select_from(EvidencePackage)
        )
        .join(Customer, Customer.id == Job.customer_id)
        .outerjoin(Unit, Unit.id == Job.unit_id)
        .where(Job.id.in_(access.job_ids(g.user)), EvidencePackage.version == newest)
        .order_by(EvidencePackage.completed_at.desc())
        .limit(500)
    )
    if chosen.get("status"):
        query = query.where(state == chosen["status"])
    if chosen.get("kind"):
        query = query.where(Job.kind == chosen["kind"])
    if chosen.get("serial"):
        query = query.where(Unit.serial.contains(chosen["serial"]))
    rows = db.session.execute(query).all()
    return render_template("portal/jobs.html", rows=rows, chosen=chosen)


def _job_and_package(job_id):
    job = access.get(Job, job_id, g.user)
    try:
        return job, evidence.get_package(job)
    except DomainError:
        abort(404)


@bp.get("/jobs/<uuid:job_id>")
@portal_page
def job(job_id):
    job, package = _job_and_package(job_id)
    versions = db.session.scalars(
        sa.select(EvidencePackage)
        .where(EvidencePackage.job_id == job.id)
        .order_by(EvidencePackage.version.desc())
    ).all()
    return render_template(
        "portal/job.html",
        job=job,
        package=package,
        state=status.of(package),
        reviewable=REVIEWABLE,
        versions=versions,
        tz=_zone(job),
    )


@bp.get("/jobs/<uuid:job_id>/report")
@portal_page
def report(job_id):
    job, package = _job_and_package(job_id)
    if package.status != "built":
        abort(409, "The evidence is still waiting for its photos.")
    return render_template("portal/report.html", job=job, package=package, tz=_zone(job))


def _zone(job: Job) -> str:
    return policy_of(job.dealer_id)["timezone"]


def _act(job_id, action):
    job = access.get(Job, job_id, g.user, for_update=True)
    try:
        action(job)
        tx.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.detail)
    return redirect(url_for("portal.job", job_id=job_id))


@bp.post("/jobs/<uuid:job_id>/accept")
@portal_page
def accept(job_id):
    return _act(job_id, lambda job: desk.approve(job, g.user))


@bp.post("/jobs/<uuid:job_id>/more")
@portal_page
def ask_for_more(job_id):
    reason = request.form.get("reason", "").strip()[:1000]
    if not reason:
        flash("请写明需要补充什么 · Say what is missing.")
        return redirect(url_for("portal.job", job_id=job_id))
    return _act(job_id, lambda job: desk.request_evidence(job, reason, g.user))
