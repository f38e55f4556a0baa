"""A mutation's arguments read without the schema machinery, when they are well formed.

marshmallow's Schema.load costs ~40 µs per mutation in hooks, error stores and dispatch,
a fifth of a push's Python. Well-formed arguments (no unknown or unstorable text, every
field valid) are read here field by field with the schema's own fields: plain
comparisons for a UUID, a string, a boolean and a raw value, a dict of nested objects
(a field edit's `{"from", "to"}` per field) by the nested schema's own plan, the field's
own `deserialize` (with its validators) for anything else, and the schema's
`validates_schema` hooks after. The first
doubt (an unknown key, text no database stores, any ValidationError or other exception)
returns None and the caller loads through the schema, so every refusal and its wording
stay marshmallow's (tests/sync/test_argsfast.py compares both on a corpus).
"""

import uuid

from marshmallow import Schema, fields
from marshmallow.utils import missing

from server.common.schemas import unstorable_text

_UUID, _STRING, _BOOLEAN, _RAW, _NESTED_DICT, _OTHER = range(6)


def _plain_nested(field) -> "Plan | None":
    """The nested schema's plan, for a Nested field that only loads its schema."""
    if type(field) is not fields.Nested or field.validators or field.many:
        return None
    if field.only is not None or field.exclude or field.unknown is not None:
        return None
    if not isinstance(field.nested, type) or field.allow_none:
        return None
    plan = Plan(field.schema)
    return plan if plan.usable else None


def _kind(field) -> int:
    # Exact classes only: a subclass (UnitField, Time) may read its value differently.
    if field.pre_load or field.post_load:
        return _OTHER
    if type(field) is fields.UUID and not field.validators:
        return _UUID
    if type(field) is fields.String:
        return _STRING
    if type(field) is fields.Boolean and not field.validators:
        return _BOOLEAN
    if type(field) is fields.Raw and not field.validators:
        return _RAW
    if (
        type(field) is fields.Dict
        and type(field.key_field) is fields.String
        and not field.key_field.validators
        and not field.allow_none
    ):
        return _NESTED_DICT  # if its values have a plain nested plan: Plan.__init__
    return _OTHER


class Plan:
    """How to read one schema's arguments; None from `load` means "ask the schema"."""

    def __init__(self, schema: Schema):
        self.schema = schema
        hooks = schema._hooks
        usable = set(hooks) <= {"pre_load", "validates_schema"} and [
            name for name, _many, _kw in hooks.get("pre_load", [])
        ] in ([], ["_refuse_unstorable_text"])
        self.validators = [
            getattr(schema, name)
            for name, many, kw in hooks.get("validates_schema", [])
            if not many and not kw.get("pass_original")
        ]
        usable = usable and len(self.validators) == len(hooks.get("validates_schema", []))
        self.usable = usable and schema.partial is None and not schema.only
        self.fields, self.nested = [], {}
        for name, field in schema.load_fields.items():
            key, kind = field.data_key or name, _kind(field)
            if kind == _NESTED_DICT:
                # One plan per nested schema, built once: it is what reads each value.
                plan = _plain_nested(field.value_field)
                if plan is None:
                    kind = _OTHER
                else:
                    self.nested[key] = plan
            self.fields.append((key, field.attribute or name, field, kind))
        self.keys = frozenset(key for key, _attr, _field, _kind in self.fields)

    def load(self, raw) -> dict | None:
        if not self.usable or type(raw) is not dict or not raw.keys() <= self.keys:
            return None
        try:
            if unstorable_text(raw):
                return None
            out = {}
            for key, attr, field, kind in self.fields:
                value = raw.get(key, missing)
                if kind == _UUID and type(value) is str:
                    value = uuid.UUID(value)
                elif kind == _STRING and type(value) is str:
                    for check in field.validators:
                        check(value)
                elif (kind == _BOOLEAN and (value is True or value is False)) or (
                    kind == _RAW
                    and value is not missing
                    and (value is not None or field.allow_none)
                ):
                    pass  # taken as they are
                elif kind == _NESTED_DICT and type(value) is dict:
                    value = self._nested_dict(key, field, value)
                    if value is None:
                        return None
                else:
                    value = field.deserialize(value, key, raw)
                    if value is missing:
                        continue
                out[attr] = value
            for check in self.validators:
                check(out, partial=None, many=False, unknown=None)
        except Exception:  # any doubt: the schema decides, and words the refusal
            return None
        return out

    def _nested_dict(self, key, field, value: dict) -> dict | None:
        """A Dict of String keys and Nested values, as `field.deserialize` would give it."""
        plan, out = self.nested[key], {}
        for name, item in value.items():
            if type(name) is not str:
                return None
            loaded = plan.load(item)
            if loaded is None:
                return None
            out[name] = loaded
        for check in field.validators:
            check(out)
        return out
