"""Dealers and their policy documents."""

from flask import g, request
from flask_smorest import Blueprint

from server.access import rules
from server.auth.access import requires
from server.dealers import service
from server.dealers.models import Dealer
from server.dealers.policy import PolicySchema
from server.dealers.schemas import DealerSchema
from server.errors import ProblemError
from server.extensions import db

bp = Blueprint("dealers", __name__, url_prefix="/api/dealers", description="Dealers and policy")


@bp.get("")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, DealerSchema(many=True))
def list_dealers():
    return db.session.scalars(rules.dealers(g.user).order_by(Dealer.name)).all()


@bp.post("")
@requires("admin")
@bp.arguments(DealerSchema)
@bp.response(201, DealerSchema)
def create_dealer(args):
    dealer = service.create_dealer(args)
    db.session.commit()
    return dealer


@bp.get("/<uuid:dealer_id>")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, DealerSchema)
def get_dealer(dealer_id):
    return rules.get(Dealer, dealer_id, g.user)


@bp.get("/<uuid:dealer_id>/policy")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, PolicySchema)
def get_policy(dealer_id):
    """The dealer's complete policy, defaults filled in."""
    return rules.get(Dealer, dealer_id, g.user).policy


def _body() -> dict:
    # The policy is validated as a whole document by the service (defaults filled in).
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
    policy = service.replace_policy(rules.get(Dealer, dealer_id, g.user), _body())
    db.session.commit()
    return policy


@bp.patch("/<uuid:dealer_id>/policy")
@requires("admin")
@bp.doc(requestBody={"content": {"application/json": {"schema": PolicySchema}}})
@bp.response(200, PolicySchema)
def patch_policy(dealer_id):
    """Change some settings (a JSON merge of nested objects); the rest stay as they are."""
    policy = service.patch_policy(rules.get(Dealer, dealer_id, g.user), _body())
    db.session.commit()
    return policy
