"""The fields a device may edit, how each value is checked, and who wins a clash.

Policies (docs/sync-protocol.md §4): TECHNICIAN wins what was observed on site, OFFICE
wins the schedule and the address, ADMIN holds the clash for a person to settle.
Assignment and status are never edited by a device; they move through the lifecycle.
"""

from marshmallow import ValidationError, fields, validate

from server.common.schemas import Time
from server.field.vocab import FAULT_CATEGORIES

TECHNICIAN, OFFICE, ADMIN = "technician", "office", "admin"


def _text(n):
    return fields.String(allow_none=True, validate=validate.Length(max=n))


# entity → field → (marshmallow field that checks the value, policy)
EDITABLE = {
    "jobs": {
        "diagnosis": (_text(4000), TECHNICIAN),
        "fault_category": (
            fields.String(allow_none=True, validate=validate.OneOf(FAULT_CATEGORIES)),
            TECHNICIAN,
        ),
        "description": (_text(4000), ADMIN),
        "address": (_text(300), OFFICE),
        "window_start": (Time(allow_none=True), OFFICE),
        "window_end": (Time(allow_none=True), OFFICE),
    },
    "visits": {
        "departed_at": (Time(allow_none=True), TECHNICIAN),
        "outcome": (_text(40), TECHNICIAN),
    },
}


def editable(entity: str, field: str) -> bool:
    return field in EDITABLE.get(entity, {})


def policy(entity: str, field: str) -> str:
    return EDITABLE[entity][field][1]


def load_value(entity: str, field: str, raw):
    """The value a device sent, checked and typed like the column (raises ValidationError)."""
    if raw is None:
        return None
    return EDITABLE[entity][field][0].deserialize(raw)


def loose_value(entity: str, field: str, raw):
    """`from` is compared, never stored: a value that does not load just differs."""
    try:
        return load_value(entity, field, raw)
    except ValidationError:
        return raw
