"""Schema pieces shared by features."""

import uuid
from datetime import date, datetime

from marshmallow import Schema, fields, validate


def jsonable(value):
    """A column value as JSON: times and dates in ISO 8601, UUIDs as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


class StrictSchema(Schema):
    """Unknown fields are an error (marshmallow's default, stated for readers)."""

    class Meta:
        ordered = True


class PartialSchema(StrictSchema):
    """For PATCH: every field optional, and absent fields stay absent (no load_default)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class RowSchema(StrictSchema):
    id = fields.UUID(dump_only=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    deleted_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class ClientIdMixin(StrictSchema):
    # Clients may choose the UUID (offline creates); otherwise the server does.
    id = fields.UUID(load_default=None)


def Text(max_len: int, **kwargs):
    return fields.String(validate=validate.Length(min=1, max=max_len), **kwargs)


def OptionalText(max_len: int, **kwargs):
    return fields.String(validate=validate.Length(max=max_len), allow_none=True, **kwargs)


class PageQuerySchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


_page_schemas: dict = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """A response schema {items, page, page_size, total} around `item_schema`."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(
            name,
            (StrictSchema,),
            {
                "items": fields.List(fields.Nested(item_schema)),
                "page": fields.Integer(),
                "page_size": fields.Integer(),
                "total": fields.Integer(),
            },
        )
    return _page_schemas[item_schema]
