from marshmallow import fields, validate

from server.common.schemas import FullMatch, OptionalText, StrictSchema, Text

# The same pattern checks and documents it, so what /api/openapi.json allows is accepted.
WEBHOOK_URL = FullMatch(
    r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?(/[!-~]*)?$",
    error="not an http(s) URL",
)


class DealerSchema(StrictSchema):
    id = fields.UUID(dump_only=True)
    name = Text(120, required=True)
    contact_phone = OptionalText(40, load_default=None)
    webhook_url = fields.String(
        load_default=None, allow_none=True, validate=[WEBHOOK_URL, validate.Length(max=500)]
    )
    created_at = fields.AwareDateTime(dump_only=True)
