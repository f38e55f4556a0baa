"""A dealer's webhook and delivery log: admins, and the dealer's own users (another dealer's
is 404, as if it did not exist; other roles 403)."""

from flask import g
from flask_smorest import Blueprint

from server.access import rules
from server.auth.access import requires
from server.common import tx
from server.common.paging import paginate
from server.common.schemas import page_of
from server.dealers.models import Dealer
from server.delivery import schemas, service, settings
from server.delivery.models import OutboxEvent

bp = Blueprint(
    "delivery", __name__, url_prefix="/api/dealers", description="Webhooks and deliveries"
)
WHO = ("admin", "dealer")


def _dealer(dealer_id) -> Dealer:
    return rules.get(Dealer, dealer_id, g.user)


@bp.get("/<uuid:dealer_id>/webhook")
@requires(*WHO)
@bp.response(200, schemas.WebhookSchema)
def get_webhook(dealer_id):
    """Where the dealer's events go (never the secret)."""
    return service.get_endpoint(_dealer(dealer_id))


@bp.put("/<uuid:dealer_id>/webhook")
@requires(*WHO)
@bp.arguments(schemas.WebhookSetSchema)
@bp.response(200, schemas.WebhookCreatedSchema)
def set_webhook(args, dealer_id):
    """Set the URL; a new `secret` rotates (the previous one signs too for a grace period).
    Without a secret a new endpoint gets a generated one, answered this once."""
    endpoint, generated = service.set_endpoint(
        _dealer(dealer_id), args["url"], args["secret"], settings.current()
    )
    tx.commit()
    shown = {name: getattr(endpoint, name) for name in schemas.WebhookSchema().fields}
    return {**shown, "secret": generated} if generated else shown


@bp.delete("/<uuid:dealer_id>/webhook")
@requires(*WHO)
@bp.response(204)
def delete_webhook(dealer_id):
    """Stop delivering; events wait in the outbox until a webhook is set again."""
    service.remove_endpoint(_dealer(dealer_id))
    tx.commit()


@bp.post("/<uuid:dealer_id>/webhook/test")
@requires(*WHO)
@bp.response(202, schemas.DeliverySchema)
def test_webhook(dealer_id):
    """Queue a `ping` event; the worker sends it like any other (once, no retries)."""
    event = service.ping(_dealer(dealer_id))
    tx.commit()
    return event


@bp.get("/<uuid:dealer_id>/deliveries")
@requires(*WHO)
@bp.arguments(schemas.DeliveryQuerySchema, location="query")
@bp.response(200, page_of(schemas.DeliverySchema))
def list_deliveries(args, dealer_id):
    """The dealer's events, newest first, each with its attempts (status code, error,
    duration); `status=dead` lists those waiting for a redelivery."""
    query = service.deliveries(_dealer(dealer_id), args.get("status"))
    return paginate(query, args, OutboxEvent.created_at.desc(), OutboxEvent.id)


@bp.post("/<uuid:dealer_id>/deliveries/<uuid:event_id>/redeliver")
@requires(*WHO)
@bp.response(202, schemas.DeliverySchema)
def redeliver(dealer_id, event_id):
    """Send the event again with the same `webhook-id` (a fresh retry schedule)."""
    event = service.redeliver(_dealer(dealer_id), event_id)
    tx.commit()
    return event
