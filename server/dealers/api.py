"""Dealers and their policy documents."""

import sqlalchemy as sa
from flask import g, request
from flask_smorest import Blueprint
from marshmallow import ValidationError

from server.audit.service import record
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.dealers.models import Dealer
from server.dealers.policy import PolicySchema, load_policy
from server.dealers.schemas import DealerSchema
from server.errors import ProblemError
from server.extensions import db

bp = Blueprint("dealers", __name__, url_prefix="/api/dealers", description="Dealers and policy")


def dealer_in_scope(dealer_id) -> Dealer:
    """Office sees every dealer; a dealer user only its own; others none (404)."""
    dealer = db.session.get(Dealer, dealer_id)
    user = g.user
    visible = dealer is not None and (
        user.role in OFFICE_ROLES or (user.role == "dealer" and user.dealer_id == dealer.id)
    )
    if not visible:
        raise ProblemError(404, "No such dealer.", slug="not-found")
    return dealer


@bp.get("")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, DealerSchema(many=True))
def list_dealers():
    query = sa.select(Dealer).order_by(Dealer.name)
    if g.user.role == "dealer":
        query = query.where(Dealer.id == g.user.dealer_id)
    return db.session.scalars(query).all()


@bp.post("")
@requires("admin")
@bp.arguments(DealerSchema)
@bp.response(201, DealerSchema)
def create_dealer(args):
    if db.session.scalar(sa.select(Dealer.id).where(Dealer.name == args["name"])):
        raise ProblemError(409, "A dealer with that name exists.", slug="conflict")
    dealer = Dealer(**args, policy_doc=load_policy({}))
    db.session.add(dealer)
    db.session.flush()
    record("create", "dealer", dealer.id, {"name": dealer.name})
    db.session.commit()
    return dealer


@bp.get("/<uuid:dealer_id>")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, DealerSchema)
def get_dealer(dealer_id):
    return dealer_in_scope(dealer_id)


@bp.get("/<uuid:dealer_id>/policy")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, PolicySchema)
def get_policy(dealer_id):
    """The dealer's complete policy, defaults filled in."""
    return dealer_in_scope(dealer_id).policy


def _save_policy(dealer: Dealer, document: dict) -> dict:
    try:
        policy = load_policy(document)
    except ValidationError as exc:
        raise ProblemError(
            422, "The policy is not valid.", slug="validation-error", errors=exc.messages
        ) from exc
    record("update_policy", "dealer", dealer.id, {"before": dealer.policy, "after": policy})
    dealer.policy_doc = policy
    db.session.commit()
    return policy


def _body() -> dict:
    body = request.get_json(silent=False)
    if not isinstance(body, dict):
        raise ProblemError(422, "The policy must be a JSON object.", slug="validation-error")
    return body


@bp.put("/<uuid:dealer_id>/policy")
@requires("admin")
@bp.doc(requestBody={"content": {"application/json": {"schema": PolicySchema}}})
@bp.response(200, PolicySchema)
def replace_policy(dealer_id):
    """Replace the whole policy; anything left out takes the default."""
    return _save_policy(dealer_in_scope(dealer_id), _body())


def _merge(base: dict, patch: dict) -> dict:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


@bp.patch("/<uuid:dealer_id>/policy")
@requires("admin")
@bp.doc(requestBody={"content": {"application/json": {"schema": PolicySchema}}})
@bp.response(200, PolicySchema)
def patch_policy(dealer_id):
    """Change some settings (a JSON merge of nested objects); the rest stay as they are."""
    dealer = dealer_in_scope(dealer_id)
    return _save_policy(dealer, _merge(dealer.policy, _body()))
