"""Dealers and their policies. Raises server.exceptions; flushes, never commits."""

import sqlalchemy as sa
from marshmallow import ValidationError

from server.audit.service import record
from server.dealers.models import Dealer
from server.dealers.policy import default_policy, load_policy
from server.exceptions import Conflict, Invalid
from server.extensions import db
from server.warranty import service as warranty

# What else counts by a dealer's policy and keeps figures from it (request deadlines):
# {name: recount(dealer_id)}, wired by the app (server/__init__.py), so dealers knows none.
ON_POLICY_CHANGE: dict = {}


def policy_of(dealer_id) -> dict:
    """The complete policy of a dealer (the default policy for none)."""
    if dealer_id is None:
        return default_policy()
    return db.session.get(Dealer, dealer_id).policy


def create_dealer(args: dict) -> Dealer:
    if db.session.scalar(sa.select(Dealer.id).where(Dealer.name == args["name"])):
        raise Conflict("A dealer with that name exists.")
    dealer = Dealer(**args, policy_doc=load_policy({}))
    db.session.add(dealer)
    db.session.flush()
    record("create", "dealer", dealer.id, {"name": dealer.name})
    return dealer


def replace_policy(dealer: Dealer, document: dict) -> dict:
    """Validate and store a whole policy; anything left out takes the default. Audited."""
    try:
        policy = load_policy(document)
    except ValidationError as exc:
        raise Invalid.fields(exc.messages, "The policy is not valid.") from exc
    record("update_policy", "dealer", dealer.id, {"before": dealer.policy, "after": policy})
    dealer.policy_doc = policy
    db.session.flush()
    # Warranty periods are counted by the policy: the dealer's records are recounted.
    warranty.refresh_dealer(dealer.id)
    # So are the figures others keep from it (the deadlines of its requests still running).
    for recount in ON_POLICY_CHANGE.values():
        recount(dealer.id)
    return policy


def patch_policy(dealer: Dealer, patch: dict) -> dict:
    """Change some settings (a JSON merge of nested objects); the rest stay as they are."""
    return replace_policy(dealer, _merge(dealer.policy, patch))


def _merge(base: dict, patch: dict) -> dict:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged
