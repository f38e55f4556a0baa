"""Intake: a request from any channel, with its customer and unit found by phone number or
serial (or created when new), and its SLA deadlines. Raises server.exceptions; flushes,
never commits."""

import sqlalchemy as sa

from server.audit.service import record
from server.common.models import utcnow
from server.desk import clocks, service
from server.desk.models import Customer, ServiceRequest, Unit
from server.exceptions import Conflict, Invalid
from server.extensions import db


def _live(model, *where):
    return db.session.scalars(sa.select(model).where(model.deleted_at.is_(None), *where)).all()


def find_customer(args: dict) -> Customer | None:
    """The customer by id, else by phone number (one match only), else None."""
    if args.get("customer_id") is not None:
        return service._existing(Customer, args["customer_id"], "customer_id")
    if args.get("phone") is None:
        return None
    found = _live(Customer, Customer.phone == args["phone"])
    if len(found) > 1:
        raise Invalid("phone", "several customers have this number; give customer_id")
    return found[0] if found else None


def find_unit(args: dict) -> Unit | None:
    if args.get("unit_id") is not None:
        return service._existing(Unit, args["unit_id"], "unit_id")
    if args.get("serial") is None:
        return None
    found = _live(Unit, Unit.serial == args["serial"])
    return found[0] if found else None


def _new_customer(args: dict) -> Customer:
    missing = [k for k in ("phone", "name", "address") if args.get(k) is None]
    for key in missing:
        raise Invalid(key, "required for a new customer (no customer has this number)")
    keys = ("name", "phone", "address", "city", "district")
    return service.create_customer({k: args.get(k) for k in keys})


def _new_unit(args: dict, customer: Customer) -> Unit:
    if args.get("model") is None or args.get("dealer_id") is None:
        raise Invalid("serial", "unknown serial; give model and dealer_id to register the unit")
    return service.create_unit(
        {
            "customer_id": customer.id,
            "dealer_id": args["dealer_id"],
            "model": args["model"],
            "serial": args["serial"],
            "purchase_date": args.get("purchase_date"),
            "proof_of_purchase_sha256": args.get("proof_of_purchase_sha256"),
        }
    )


def intake(args: dict) -> ServiceRequest:
    """Record a request; find or create its customer and unit. `args`: channel, kind,
    description, received_at; customer_id or phone (+ name, address, city, district for a
    new customer); unit_id or serial (+ model, dealer_id, purchase_date for a new unit);
    dealer_id without a unit; proof_of_purchase_sha256 (set on the unit)."""
    unit = find_unit(args)
    customer = find_customer(args)
    if customer is None and unit is not None and args.get("phone") is None:
        customer = unit.customer  # found by serial alone
    if customer is None and args.get("phone") is None:
        raise Invalid("serial", "unknown serial; give the customer's phone number")
    if customer is None:
        customer = _new_customer(args)
    if unit is None and args.get("serial") is not None:
        unit = _new_unit(args, customer)
    elif unit is not None and unit.customer_id != customer.id:
        field = "unit_id" if args.get("unit_id") else "serial"
        raise Invalid(field, "registered to another customer")
    proof = args.get("proof_of_purchase_sha256")
    if proof is not None:
        if unit is None:
            raise Invalid("proof_of_purchase_sha256", "needs the unit (unit_id or serial)")
        if unit.proof_of_purchase_sha256 != proof:
            service.update_unit(unit, {"proof_of_purchase_sha256": proof})
    if unit is None and args.get("dealer_id") is None:
        raise Invalid("dealer_id", "required when the unit is not known")
    request = service.create_request(
        {
            "customer_id": customer.id,
            "unit_id": unit.id if unit else None,
            "dealer_id": None if unit else args.get("dealer_id"),
            "kind": args["kind"],
            "channel": args["channel"],
            "description": args.get("description"),
            "received_at": args.get("received_at"),
        }
    )
    return request


def acknowledge(request: ServiceRequest, actor) -> ServiceRequest:
    """The desk has seen the request: its acknowledge clock is met (once)."""
    if request.status in clocks.STOPPED:
        raise Conflict(f"The request is {request.status}.", slug="request-closed")
    if request.acknowledged_at is None:
        request.acknowledged_at = utcnow()
        if request.status == "new":
            request.status = "acknowledged"
        record("acknowledge", "service_request", request.id, {"by": str(actor.id)})
        db.session.flush()
    return request
