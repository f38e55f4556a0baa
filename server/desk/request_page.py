"""The public request form at /request: zh-CN first, for a phone, no login. CSRF-safe (a
token in the session cookie), rate-limited per address, with a honeypot field. The rules
are server/desk/public.py's, shared with POST /api/public/requests."""

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from server.common import tx
from server.dealers.models import Dealer
from server.desk import public
from server.desk.intake_schemas import PUBLIC_KINDS, PublicRequestSchema
from server.desk.public_api import reference
from server.exceptions import Invalid, Throttled
from server.extensions import db
from server.web.pages import check_csrf, csrf_token

bp = Blueprint("request_form", __name__, template_folder="templates")

KIND_NAMES = {
    "installation": ("安装", "Installation"),
    "repair": ("维修", "Repair"),
    "filter_change": ("更换滤芯", "Filter change"),
    "maintenance": ("保养清洗", "Maintenance"),
    "water_test": ("水质检测", "Water test"),
}
FIELDS = ("name", "phone", "address", "kind", "description", "serial", "dealer_id", "website")


def _render(status=200, errors=None, values=None, done=None, retry=None):
    dealers = db.session.execute(sa.select(Dealer.id, Dealer.name).order_by(Dealer.name)).all()
    body = render_template(
        "desk/request_form.html",
        kinds=[(k, *KIND_NAMES[k]) for k in PUBLIC_KINDS],
        dealers=dealers,
        errors=errors or {},
        values=values or {},
        done=done,
        retry=retry,
        csrf_token=csrf_token,
    )
    headers = {"Retry-After": str(retry)} if retry else {}
    return body, status, headers


@bp.route("/request", methods=["GET", "POST"])
def request_form():
    if request.method == "GET":
        return _render()
    check_csrf()
    values = {k: request.form.get(k, "").strip() for k in FIELDS}
    data = {k: v for k, v in values.items() if v or k in ("website",)}
    try:
        args = PublicRequestSchema().load(data)
        row = public.submit(args, request.remote_addr or "?")
    except ValidationError as exc:
        return _render(422, exc.messages, values)
    except Invalid as exc:
        db.session.rollback()  # nothing half-written
        return _render(422, exc.errors or {"": [exc.detail]}, values)
    except Throttled as exc:
        db.session.rollback()
        return _render(429, values=values, retry=int(exc.retry_after))
    tx.commit()
    return _render(201, done={"reference": reference(row)})
