"""Schema pieces shared by features."""

import re
import uuid
from datetime import date, datetime
from typing import ClassVar

from marshmallow import Schema, ValidationError, fields, pre_load, validate


def jsonable(value):
    """A column value as JSON: times and dates in ISO 8601, UUIDs as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# U+0000 cannot be stored in PostgreSQL text; a lone UTF-16 surrogate (a JavaScript slice
# that cut an emoji in half) cannot be encoded as UTF-8 by any database driver.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "contains U+0000 (NUL), which cannot be stored"
SURROGATE_MESSAGE = "contains an unpaired UTF-16 surrogate (broken text encoding)"


def unstorable_text(value) -> str | None:
    """Why `value` (any JSON value) holds text no database stores, or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _UNSTORABLE.search(item)
            if found:
                return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


def _loaded_by_own_schema(field) -> bool:
    """A Nested field's schema checks its own input (its errors then name the inner field)."""
    if isinstance(field, fields.Nested):
        return True
    if isinstance(field, fields.List):
        return _loaded_by_own_schema(field.inner)
    return False


class StrictSchema(Schema):
    """Unknown fields are an error (marshmallow's default, stated for readers), and so is
    text no database can store, in any field (`text_checked_elsewhere` names exceptions)."""

    # Fields whose text another schema checks (a push mutation's `args`: per mutation).
    text_checked_elsewhere: ClassVar[tuple[str, ...]] = ()

    class Meta:
        ordered = True

    @pre_load
    def _refuse_unstorable_text(self, data, **kwargs):
        if not hasattr(data, "items"):
            return data  # not an object: marshmallow answers that itself
        by_key = getattr(self, "_fields_by_key", None)
        if by_key is None:  # once per schema instance: pushes load thousands of args
            by_key = {f.data_key or name: f for name, f in self.load_fields.items()}
            self._fields_by_key = by_key
        errors = {}
        for key in data:
            if key in self.text_checked_elsewhere:
                continue
            field, value = by_key.get(key), data[key]
            if field is not None and _loaded_by_own_schema(field):
                value = None
            elif (
                isinstance(field, fields.Dict)
                and isinstance(value, dict)
                and field.value_field is not None
                and _loaded_by_own_schema(field.value_field)
            ):
                value = list(value)  # the keys here; each value's schema checks the value
            problem = unstorable_text(key) or unstorable_text(value)
            if problem:
                errors[key] = [problem]
        if errors:
            raise ValidationError(errors)
        return data


class PartialSchema(StrictSchema):
    """For PATCH: every field optional, and absent fields stay absent (no load_default)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


# Times a request may carry: aware, written in the years 1970–2199. Python's datetime stops
# at years 1 and 9999, so "0001-01-01T00:00:00+14:00" has no UTC value at all; nothing this
# service records lies outside these years, and inside them every offset converts. The
# pattern states the years in /api/openapi.json.
FIRST_YEAR, LAST_YEAR = 1970, 2199
YEARS = "must be written in the years 1970–2199"


class _InTheYears:
    """A date or time in the years FIRST_YEAR–LAST_YEAR (the pattern tells schemathesis)."""

    def __init__(self, **kwargs):
        metadata = {"pattern": "^(19[7-9][0-9]|2[01][0-9][0-9])-", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
            raise ValidationError(YEARS)
        return parsed


class Time(_InTheYears, fields.AwareDateTime):
    """An ISO 8601 time with an offset, in the years FIRST_YEAR–LAST_YEAR."""


class Day(_InTheYears, fields.Date):
    """A calendar day (YYYY-MM-DD) in the same years as `Time`."""


class FullMatch(validate.Regexp):
    """A Regexp that must match the whole value: `$` alone lets "SN123\\n" through.

    The pattern keeps its `^…$` so the OpenAPI document states it portably."""

    def __call__(self, value):
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


SHA256 = FullMatch(r"^[0-9a-f]{64}$", error="64 lowercase hex digits")

# Money in fen (1/100 yuan): a million yuan is more than any service line.
MAX_FEN = 100_000_000


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


# Far beyond any list, and within every database's integers once multiplied by a page size.
MAX_PAGE = 1_000_000


class PageQuerySchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
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
