"""The dealer's own settings in the portal: where its events go (the webhook), the delivery
log with redelivery, and consent to charges for missing or damaged goods. The same service
functions as the API (server/delivery/, server/field/); pages here only parse and show."""

import uuid

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from marshmallow import ValidationError

from server.access import rules as access
from server.common import tx
from server.dealers.models import Dealer
from server.delivery import schemas as delivery_schemas
from server.delivery import service as delivery
from server.delivery import settings
from server.delivery.models import EVENT_STATUSES, WebhookEndpoint
from server.desk import lifecycle
from server.desk.models import Customer, Job
from server.exceptions import DomainError
from server.extensions import db
from server.field import fees
from server.field import service as field
from server.field.models import FeeAgreement
from server.field.schemas import FeeAgreementArgs
from server.portal.views import bp, portal_page
from server.web.pages import attempt

PAGE = 50


def _dealer() -> Dealer:
    """The signed-in dealer's own row (an admin picks one with ?dealer=<id>)."""
    dealer_id = g.user.dealer_id or request.args.get("dealer")
    try:
        return access.get(Dealer, dealer_id, g.user)
    except (DomainError, ValueError, TypeError):
        abort(404)


def _back(endpoint: str, **values):
    if g.user.dealer_id is None:
        values["dealer"] = request.args.get("dealer")
    return redirect(url_for(endpoint, **values))


def _messages(errors: dict) -> dict:
    return {name: " ".join(map(str, found)) for name, found in errors.items()}


@bp.route("/webhook", methods=["GET", "POST"])
@portal_page
def webhook():
    dealer = _dealer()
    errors, secret = {}, None
    if request.method == "POST":
        try:
            data = delivery_schemas.WebhookSetSchema().load(
                {
                    "url": request.form.get("url", "").strip(),
                    "secret": request.form.get("secret", "").strip() or None,
                }
            )
            _, secret = delivery.set_endpoint(
                dealer, data["url"], data["secret"], settings.current()
            )
            tx.commit()
        except ValidationError as exc:
            errors = _messages(exc.messages)
        except DomainError as exc:
            db.session.rollback()
            errors = _messages(exc.errors or {"url": [exc.detail]})
        if not errors and secret is None:
            flash("已保存 · Saved.")
            return _back("portal.webhook")
    page = render_template(
        "portal/webhook.html",
        endpoint=db.session.get(WebhookEndpoint, dealer.id),
        errors=errors,
        secret=secret,  # a generated secret: on this answer only, never again
        form=request.form,
    )
    return page, 422 if errors else 200


@bp.post("/webhook/test")
@portal_page
def webhook_test():
    attempt(lambda: delivery.ping(_dealer()), "测试已排队发送 · A test is on its way.")
    return _back("portal.deliveries")


@bp.post("/webhook/remove")
@portal_page
def webhook_remove():
    attempt(
        lambda: delivery.remove_endpoint(_dealer()),
        "已停止推送；证据包将保留待推送 · Stopped; packages wait for a new webhook.",
    )
    return _back("portal.webhook")


@bp.get("/deliveries")
@portal_page
def deliveries():
    dealer = _dealer()
    chosen = request.args.get("status") or None
    if chosen is not None and chosen not in EVENT_STATUSES:
        abort(400, "Unknown status.")
    try:
        page = max(1, min(int(request.args.get("page", 1)), 10_000))
    except ValueError:
        abort(400, "Not a page number.")
    query = delivery.deliveries(dealer, chosen).order_by(
        delivery.OutboxEvent.created_at.desc(), delivery.OutboxEvent.id
    )
    events = db.session.scalars(query.offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    return render_template(
        "portal/deliveries.html",
        events=events[:PAGE],
        more=len(events) > PAGE,
        page=page,
        chosen=chosen,
    )


@bp.post("/deliveries/<uuid:event_id>/redeliver")
@portal_page
def redeliver(event_id):
    attempt(
        lambda: delivery.redeliver(_dealer(), event_id),
        "已重新排队 · Queued again, with the same webhook-id.",
    )
    return _back("portal.deliveries")


@bp.get("/open")
@portal_page
def open_jobs():
    consented = (
        sa.select(sa.func.coalesce(sa.func.sum(FeeAgreement.amount_fen), 0))
        .where(
            FeeAgreement.job_id == Job.id,
            FeeAgreement.kind == "goods",
            FeeAgreement.party == fees.AGREED_BY["goods"],
            FeeAgreement.deleted_at.is_(None),
        )
        .scalar_subquery()
    )
    query = (
        sa.select(Job, Customer, consented)
        .join(Customer, Customer.id == Job.customer_id)
        .where(Job.id.in_(access.job_ids(g.user)), Job.status.in_(lifecycle.OPEN))
        .order_by(Job.window_start.is_(None), Job.window_start, Job.id)
        .limit(500)
    )
    return render_template("portal/open.html", rows=db.session.execute(query).all())


@bp.post("/jobs/<uuid:job_id>/consent")
@portal_page
def consent(job_id):
    job = access.get(Job, job_id, g.user, for_update=True)
    try:
        amount = round(float(request.form.get("amount", "").strip()) * 100)
        args = FeeAgreementArgs().load(
            {
                "id": str(uuid.uuid4()),
                "kind": "goods",
                "amount_fen": amount,
                "party": "dealer",
                "party_name": g.user.display_name,
                "way": "portal",
                "note": request.form.get("note", "").strip()[:500] or None,
            }
        )
        field.add_evidence("fee_agreement", job, g.user, args)
        tx.commit()
        flash("已记录同意 · Consent recorded.")
    except (ValueError, OverflowError):
        flash("金额无效 · Not an amount.")
    except ValidationError as exc:
        flash("；".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.messages.items()))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.detail)
    return redirect(url_for("portal.open_jobs"))
