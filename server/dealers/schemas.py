from marshmallow import fields, validate

from server.common.schemas import OptionalText, StrictSchema, Text


class DealerSchema(StrictSchema):
    id = fields.UUID(dump_only=True)
    name = Text(120, required=True)
    contact_phone = OptionalText(40, load_default=None)
    webhook_url = fields.Url(
        load_default=None, allow_none=True, require_tld=False, validate=validate.Length(max=500)
    )
    created_at = fields.AwareDateTime(dump_only=True)
