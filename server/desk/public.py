"""The public request form's rules (no login): a customer's own request, channel "web",
and the per-address rate limit that keeps floods out. Raises server.exceptions; flushes,
never commits.

The limit is counted in the database (`form_submissions`), not in memory: gunicorn runs
several workers and restarts them, and each would keep its own count in memory. Only
accepted submissions are counted (refused input writes nothing, so it cannot flood the
desk). Concurrent sends from one address may pass the limit by the few in flight.
"""

import math
from datetime import timedelta

import sqlalchemy as sa

from server.common.models import utcnow
from server.desk import intake, service
from server.desk.models import Customer, FormSubmission, ServiceRequest
from server.exceptions import Invalid, Throttled
from server.extensions import db

# Security settings, not dealer policy: a household sends a request or two an hour.
WINDOW = timedelta(hours=1)
PER_ADDRESS = 5
# All addresses together: a spread-out flood still cannot bury the desk.
OVERALL = 300


def _throttle(address: str) -> None:
    now = utcnow()
    db.session.execute(sa.delete(FormSubmission).where(FormSubmission.at < now - WINDOW))
    recent = sa.select(sa.func.count(), sa.func.min(FormSubmission.at)).where(
        FormSubmission.at >= now - WINDOW
    )
    for query, limit in (
        (recent.where(FormSubmission.address == address), PER_ADDRESS),
        (recent, OVERALL),
    ):
        sent, oldest = db.session.execute(query).one()
        if sent >= limit:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
            wait = max(1, math.ceil((oldest + WINDOW - now).total_seconds()))
            raise Throttled(
                "Too many requests from this address; please call the hotline or try later "
                "(提交过于频繁，请稍后再试或致电客服).",
                slug="form-throttled",
                retry_after=wait,
            )
    db.session.add(FormSubmission(address=address[:64], at=now))


def submit(args: dict, address: str) -> ServiceRequest:
    """A request from the public form. A customer is found by phone number (one match) or
    created; the unit is attached only when its serial is that customer's (nothing about
    another customer is revealed or changed); the seller comes from a known serial."""
    _throttle(address)
    owners = db.session.scalars(
        sa.select(Customer.id).where(Customer.phone == args["phone"], Customer.deleted_at.is_(None))
    ).all()
    if len(owners) == 1:
        customer_id = owners[0]
    else:
        keys = ("name", "phone", "address")
        customer_id = service.create_customer({k: args[k] for k in keys}).id
    description = args["description"]
    unit = intake.find_unit({"serial": args.get("serial")})
    payload = {"channel": "web", "kind": args["kind"], "customer_id": customer_id}
    if unit is not None and unit.customer_id == customer_id:
        payload["unit_id"] = unit.id
    else:
        if args.get("serial"):
            description += f"\n序列号 Serial: {args['serial']}"
        payload["dealer_id"] = unit.dealer_id if unit else args.get("dealer_id")
        if payload["dealer_id"] is None:
            raise Invalid("dealer_id", "请选择购买的经销商 · choose where you bought it")
    payload["description"] = f"{description}\n地址 Address: {args['address']}"
    return intake.intake(payload)
