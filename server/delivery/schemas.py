from marshmallow import fields, validate

from server.common.schemas import FullMatch, PageQuerySchema, StrictSchema
from server.delivery.models import EVENT_STATUSES

# The same pattern checks and documents it, so what /api/openapi.json allows is accepted
# (the service then refuses hosts that do not resolve to public addresses: addresses.py).
WEBHOOK_URL = FullMatch(
    r"^https?://([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[!-~]*)?$",
    error="not an http(s) URL",
)


class WebhookSetSchema(StrictSchema):
    url = fields.String(required=True, validate=[WEBHOOK_URL, validate.Length(max=500)])
    # Standard Webhooks format: whsec_ + base64 of 24–64 random bytes (checked by the service).
    secret = fields.String(load_default=None, validate=validate.Length(max=100))


class WebhookSchema(StrictSchema):
    """An endpoint as shown: never its secrets, only when they were set and until when the
    previous one still signs."""

    dealer_id = fields.UUID()
    url = fields.String()
    secret_set_at = fields.AwareDateTime()
    previous_secret_expires_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class WebhookCreatedSchema(WebhookSchema):
    # Only when the server generated the secret (no secret was given): shown this once.
    secret = fields.String()


class AttemptSchema(StrictSchema):
    number = fields.Integer()
    url = fields.String()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    duration_ms = fields.Integer(allow_none=True)
    status_code = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    response = fields.String(allow_none=True)


class DeliverySchema(StrictSchema):
    """An outbox event and every attempt to deliver it; `id` is its `webhook-id`."""

    id = fields.UUID()
    event_type = fields.String()
    key = fields.String()
    status = fields.String()
    attempt_count = fields.Integer(attribute="attempts")
    next_attempt_at = fields.Method("_next_attempt_at", allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    attempts = fields.List(fields.Nested(AttemptSchema), attribute="log")

    def _next_attempt_at(self, event):
        return event.next_attempt_at.isoformat() if event.status == "pending" else None


class DeliveryQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(EVENT_STATUSES))
