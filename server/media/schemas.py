from marshmallow import fields, validate

from server.common.schemas import StrictSchema
from server.media.access import VARIANTS


class MediaObjectSchema(StrictSchema):
    sha256 = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    mime = fields.String(dump_only=True)
    byte_size = fields.Integer(dump_only=True)
    width = fields.Integer(dump_only=True)
    height = fields.Integer(dump_only=True)
    original_kept = fields.Boolean(dump_only=True)
    display_sha256 = fields.String(dump_only=True, allow_none=True)
    display_width = fields.Integer(dump_only=True, allow_none=True)
    display_height = fields.Integer(dump_only=True, allow_none=True)
    display_bytes = fields.Integer(dump_only=True, allow_none=True)
    thumb_sha256 = fields.String(dump_only=True, allow_none=True)
    error = fields.String(dump_only=True, allow_none=True)


class MissingQuerySchema(StrictSchema):
    job_id = fields.UUID(load_default=None)


class MissingItemSchema(StrictSchema):
    sha256 = fields.String()
    kind = fields.String()
    record_id = fields.UUID()
    job_id = fields.UUID(allow_none=True)


class MissingSchema(StrictSchema):
    items = fields.List(fields.Nested(MissingItemSchema))


class LinkQuerySchema(StrictSchema):
    variant = fields.String(load_default="display", validate=validate.OneOf(VARIANTS))
    # A week at most: links go into webhook payloads and dealer portals, not archives.
    expires_in = fields.Integer(load_default=3600, validate=validate.Range(60, 7 * 24 * 3600))


class LinkSchema(StrictSchema):
    url = fields.String()
    expires_at = fields.Integer()


class SignatureRenderSchema(StrictSchema):
    strokes = fields.Raw(required=True)
    width = fields.Integer(load_default=None, validate=validate.Range(1, 4000))
    height = fields.Integer(load_default=None, validate=validate.Range(1, 4000))
