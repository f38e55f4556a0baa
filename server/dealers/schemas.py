from marshmallow import fields

from server.common.schemas import OptionalText, StrictSchema, Text


class DealerSchema(StrictSchema):
    id = fields.UUID(dump_only=True)
    name = Text(120, required=True)
    contact_phone = OptionalText(40, load_default=None)
    created_at = fields.AwareDateTime(dump_only=True)
