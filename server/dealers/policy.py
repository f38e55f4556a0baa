"""The dealer policy: every number of DOMAIN.md, as per-dealer data with defaults.

This module is the one place those numbers are written down. Code reads them from a
dealer's complete policy (`dealer.policy`, or `dealers.service.policy_of(dealer_id)`),
never from literals of its own.
"""

import json
from copy import deepcopy
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from server.common.schemas import MAX_FEN, FullMatch, StrictSchema
from server.field.vocab import KPA_PER_KGF_CM2

# No dealer may allow more pixels than this (Pillow's decompression-bomb guard is set to it).
MAX_PIXELS_CEILING = 200_000_000


# Bounds of what a policy may say: beyond them a number is a typo, and deadlines and
# limits computed from it would overflow. A year of minutes; a GiB of media.
MAX_MINUTES = 366 * 24 * 60
MAX_BYTES = 1024**3


class _Strict(StrictSchema):
    pass


class DayText(fields.Date):
    """A date kept as ISO text in the stored document (it is JSON), so it dumps as itself."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            return date.fromisoformat(value).isoformat()
        return super()._serialize(value, attr, obj, **kwargs)


class WorkingHoursSchema(_Strict):
    # ISO weekdays, Monday = 1 … Sunday = 7.
    days = fields.List(
        fields.Integer(validate=validate.Range(1, 7)),
        load_default=lambda: [1, 2, 3, 4, 5],
        validate=validate.Length(min=1, max=7),
    )
    start = fields.String(load_default="09:00", validate=FullMatch(r"^([01]\d|2[0-3]):[0-5]\d$"))
    end = fields.String(load_default="18:00", validate=FullMatch(r"^([01]\d|2[0-4]):[0-5]\d$"))
    # A 7×24 dealer: deadlines count wall time.
    always_open = fields.Boolean(load_default=False)
    holidays = fields.List(DayText(), load_default=list, validate=validate.Length(max=400))
    # "CN": China's statutory holidays close, and its make-up working days (调休) open, the
    # office (server/desk/sla.py); "none": only `days` and `holidays` count.
    statutory_calendar = fields.String(load_default="CN", validate=validate.OneOf(["CN", "none"]))

    @validates_schema
    def _start_before_end(self, data, **kwargs):
        if not data.get("always_open") and data["start"] >= data["end"]:
            raise ValidationError("start must be before end", "end")


class SlaSchema(_Strict):
    """Clock lengths in minutes of working time."""

    acknowledge_minutes = fields.Integer(
        load_default=2 * 60, validate=validate.Range(1, MAX_MINUTES)
    )
    contact_minutes = fields.Integer(load_default=24 * 60, validate=validate.Range(1, MAX_MINUTES))
    on_site_minutes = fields.Integer(load_default=24 * 60, validate=validate.Range(1, MAX_MINUTES))
    repair_minutes = fields.Integer(load_default=48 * 60, validate=validate.Range(1, MAX_MINUTES))
    # A running clock with at most this share of its length left (in working time) is
    # near breach and listed for escalation: 30 min of a 2 h clock, 6 h of a 24 h one.
    near_breach_percent = fields.Integer(load_default=25, validate=validate.Range(0, 100))


class WarrantySchema(_Strict):
    unit_months = fields.Integer(load_default=12, validate=validate.Range(0, 120))
    count_from = fields.String(
        load_default="purchase", validate=validate.OneOf(["purchase", "factory"])
    )
    wearing_part_months = fields.Integer(load_default=3, validate=validate.Range(0, 60))
    repair_guarantee_months = fields.Integer(load_default=12, validate=validate.Range(0, 60))


class InstallerLiabilitySchema(_Strict):
    """How long the service provider answers for its own installation work (L1–L4)."""

    general_months = fields.Integer(load_default=1, validate=validate.Range(0, 24))
    wrong_part_order_months = fields.Integer(load_default=6, validate=validate.Range(0, 24))
    external_connection_months = fields.Integer(load_default=3, validate=validate.Range(0, 24))


class FeesSchema(_Strict):
    no_show_fen = fields.Integer(load_default=30 * 100, validate=validate.Range(0, MAX_FEN))
    currency = fields.String(load_default="CNY", validate=validate.OneOf(["CNY"]))


# Water-quality classes, by the dissolved solids (TDS) of the inlet water.
WATER_QUALITY_CLASSES = ("good", "average", "poor")


class FilterMonthsSchema(_Strict):
    """Months between filter changes for each water-quality class."""

    good = fields.Integer(load_default=6, validate=validate.Range(1, 36))
    average = fields.Integer(load_default=4, validate=validate.Range(1, 36))
    poor = fields.Integer(load_default=3, validate=validate.Range(1, 36))


class FilterSchema(_Strict):
    interval_min_months = fields.Integer(load_default=3, validate=validate.Range(1, 36))
    interval_max_months = fields.Integer(load_default=6, validate=validate.Range(1, 36))
    # The reminder interval per water-quality class, inside [min, max] (server/care/).
    months_by_water_quality = fields.Nested(FilterMonthsSchema, load_default=dict)
    # The class comes from the unit's latest inlet TDS reading (tds_in, mg/L): up to
    # `good_tds_max` good, up to `average_tds_max` average, above it poor.
    good_tds_max = fields.Float(load_default=100.0, validate=validate.Range(0, 10_000))
    average_tds_max = fields.Float(load_default=300.0, validate=validate.Range(0, 10_000))
    # A filter reminder goes out this many days before the due date.
    remind_days_before = fields.Integer(load_default=7, validate=validate.Range(0, 90))
    # A unit never measured counts as this class.
    unmeasured_class = fields.String(
        load_default="average", validate=validate.OneOf(WATER_QUALITY_CLASSES)
    )

    @validates_schema
    def _ordered(self, data, **kwargs):
        low, high = data["interval_min_months"], data["interval_max_months"]
        if low > high:
            raise ValidationError("must not exceed interval_max_months", "interval_min_months")
        months = data.get("months_by_water_quality") or {}
        outside = [k for k, v in months.items() if isinstance(v, int) and not low <= v <= high]
        if outside:
            raise ValidationError(
                {k: ["outside interval_min_months..interval_max_months"] for k in outside},
                "months_by_water_quality",
            )
        if data["good_tds_max"] > data["average_tds_max"]:
            raise ValidationError("must not exceed average_tds_max", "good_tds_max")


class CareSchema(_Strict):
    """Satisfaction surveys and complaints (server/care/)."""

    # How long a survey link works after it was (re)sent.
    survey_link_days = fields.Integer(load_default=14, validate=validate.Range(1, 365))
    # A rating at or below this opens a complaint by itself.
    low_rating_max = fields.Integer(load_default=2, validate=validate.Range(0, 5))
    # A complaint is due this many hours (wall time) after it was opened.
    complaint_deadline_hours = fields.Integer(load_default=48, validate=validate.Range(1, 366 * 24))


class MediaSchema(_Strict):
    max_bytes = fields.Integer(load_default=25 * 1024 * 1024, validate=validate.Range(1, MAX_BYTES))
    max_pixels = fields.Integer(
        load_default=50_000_000, validate=validate.Range(1, MAX_PIXELS_CEILING)
    )
    # Originals above this are not kept; their hash is recorded.
    original_cap_bytes = fields.Integer(
        load_default=8 * 1024 * 1024, validate=validate.Range(0, MAX_BYTES)
    )
    general_long_edge_px = fields.Integer(load_default=1600, validate=validate.Range(64, 8192))
    detail_long_edge_px = fields.Integer(load_default=2048, validate=validate.Range(64, 8192))
    thumbnail_px = fields.Integer(load_default=320, validate=validate.Range(32, 1024))
    keep_gps = fields.Boolean(load_default=False)
    # Photo purposes whose digits must stay readable: larger long edge, 4:4:4 chroma.
    detail_purposes = fields.List(
        fields.String(validate=validate.Length(1, 40)),
        load_default=lambda: ["gauge", "nameplate", "serial_number"],
        validate=validate.Length(max=50),
    )
    display_quality = fields.Integer(load_default=80, validate=validate.Range(30, 95))
    thumbnail_quality = fields.Integer(load_default=70, validate=validate.Range(30, 95))


class PolicySchema(_Strict):
    timezone = fields.String(load_default="Asia/Shanghai", validate=validate.Length(1, 64))
    working_hours = fields.Nested(WorkingHoursSchema, load_default=dict)
    sla = fields.Nested(SlaSchema, load_default=dict)
    warranty = fields.Nested(WarrantySchema, load_default=dict)
    installer_liability = fields.Nested(InstallerLiabilitySchema, load_default=dict)
    fees = fields.Nested(FeesSchema, load_default=dict)
    service_radius_km = fields.Float(load_default=10.0, validate=validate.Range(0, 1000))
    pressure_valve_threshold_kpa = fields.Float(
        # 3 kgf/cm² ("3 公斤"): above it a pressure-reducing valve is advised.
        load_default=round(3 * KPA_PER_KGF_CM2, 1),
        validate=validate.Range(50, 2000),
    )
    # Some dealers make the valve mandatory above the threshold: then no waiver is offered.
    pressure_valve_mandatory = fields.Boolean(load_default=False)
    filter = fields.Nested(FilterSchema, load_default=dict)
    care = fields.Nested(CareSchema, load_default=dict)
    media = fields.Nested(MediaSchema, load_default=dict)
    # Devices whose cursor is older than this get a full resync (tombstones expire).
    tombstone_retention_days = fields.Integer(load_default=90, validate=validate.Range(1, 3650))

    @validates("timezone")
    def _known_zone(self, value, **kwargs):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValidationError("unknown time zone") from exc


policy_schema = PolicySchema()


def _fill(schema: Schema, data: dict) -> dict:
    """Load with defaults filled in at every level (marshmallow leaves nested dicts raw)."""
    loaded = schema.load(data)
    for name, field in schema.fields.items():
        if isinstance(field, fields.Nested) and isinstance(loaded.get(name), dict):
            nested = field.schema
            loaded[name] = _fill(nested, nested.dump(loaded[name]))
    return loaded


def load_policy(document: dict | None) -> dict:
    """Validate a policy document and return it complete, with defaults filled in."""
    return policy_schema.dump(_fill(policy_schema, deepcopy(document or {})))


@lru_cache(maxsize=1024)
def _complete(canonical: str) -> dict:
    return load_policy(json.loads(canonical))


def complete_policy(document: dict | None) -> dict:
    """`load_policy` for a stored document, validated once per distinct document.

    Stored documents were validated when written, so this only fills in defaults; the
    result is cached by content (a changed document is a new key) and copied out, so a
    caller may change its copy.
    """
    return deepcopy(_complete(json.dumps(document or {}, sort_keys=True)))


def default_policy() -> dict:
    return complete_policy({})
