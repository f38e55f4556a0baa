"""The warranty API's bodies: records, filter changes, decisions and assessments."""

from marshmallow import ValidationError, fields, validate, validates_schema

from server.common.schemas import OptionalText, RowSchema, StrictSchema, Text
from server.field.vocab import FAULT_CATEGORIES
from server.warranty.liability import CHARGES, LIABLE, RULE_IDS
from server.warranty.models import CHANGERS, OTHER_CHANGERS

JOB_EVENTS = "installation | repair | filter_change"


class FilterChangeArgs(StrictSchema):
    id = fields.UUID(load_default=None, metadata={"description": "the server picks one if absent"})
    changed_on = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})
    by = fields.String(required=True, validate=validate.OneOf(OTHER_CHANGERS))
    note = OptionalText(1000, load_default=None)


class FilterChangeSchema(RowSchema):
    unit_id = fields.UUID()
    changed_on = fields.Date()
    by = fields.String(metadata={"description": " | ".join(OTHER_CHANGERS)})
    note = fields.String(allow_none=True)
    recorded_by = fields.UUID(allow_none=True)


class FilterChangeRetractSchema(StrictSchema):
    reason = Text(1000, required=True)


class HistoryEventSchema(StrictSchema):
    on = fields.Date(required=True)
    kind = fields.String(required=True, metadata={"description": JOB_EVENTS})
    by = fields.String(required=True, metadata={"description": " | ".join(CHANGERS)})
    fault_category = fields.String(metadata={"description": "repairs"})
    note = fields.String()
    job_id = fields.UUID(metadata={"description": "when the reader may read that job"})
    filter_change_id = fields.UUID(metadata={"description": "a change by someone else"})


class ProofSchema(StrictSchema):
    present = fields.Boolean(required=True)
    sha256 = fields.String(allow_none=True, required=True)


class FiltersSchema(StrictSchema):
    changed_on = fields.Date(allow_none=True, required=True)
    changed_by = fields.String(allow_none=True, required=True)
    changed_by_other_on = fields.Date(
        allow_none=True, required=True, metadata={"description": "the installer's end (L7)"}
    )


class RecordPolicySchema(StrictSchema):
    warranty = fields.Dict(required=True)
    timezone = fields.String(required=True)


def _day(description: str):
    return fields.Date(allow_none=True, required=True, metadata={"description": description})


class WarrantyRecordSchema(StrictSchema):
    """Every end is the last day covered (inclusive); null: no such period (or unknown)."""

    unit_id = fields.UUID(required=True)
    dealer_id = fields.UUID(required=True)
    as_of = fields.Date(required=True, metadata={"description": "today, dealer's time zone"})
    counted_from = fields.String(required=True, metadata={"description": "purchase | factory"})
    starts_on = _day("the unit's warranty starts")
    ends_on = _day("the unit's warranty ends")
    extended_to = _day("the latest repair's guarantee, never past ends_on")
    covered_through = _day("the later of ends_on and extended_to")
    wearing_parts_end_on = _day("filters and membrane (from the start or our last change)")
    installer_ends_on = _day("the installer's general window (L1, L2)")
    installer_external_ends_on = _day("outside connections (L4)")
    installer_wrong_part_ends_on = _day("parts in the wrong order or place (L3)")
    purchase_date = _day("the unit's")
    factory_date = _day("the unit's")
    installed_on = _day("the unit's")
    proof_of_purchase = fields.Nested(ProofSchema, required=True)
    waiver_signed = fields.Boolean(required=True)
    shipped_with_valve = fields.Boolean(required=True)
    filters = fields.Nested(FiltersSchema, required=True)
    policy = fields.Nested(RecordPolicySchema, required=True)
    history = fields.List(fields.Nested(HistoryEventSchema), required=True)


class ExplanationSchema(StrictSchema):
    zh_cn = fields.String(data_key="zh-CN", attribute="zh-CN", required=True)
    en = fields.String(required=True)


class AssessmentSchema(StrictSchema):
    """Who pays, and why."""

    liable = fields.String(required=True, metadata={"description": " | ".join(LIABLE)})
    charge = fields.String(required=True, metadata={"description": " | ".join(CHARGES)})
    rule = fields.String(required=True, metadata={"description": "the rule that decided"})
    path = fields.List(
        fields.String(validate=validate.OneOf(RULE_IDS)),
        required=True,
        metadata={"description": "every rule that applied, in DOMAIN.md's order"},
    )
    explanation = fields.Nested(ExplanationSchema, required=True)
    facts = fields.Dict(required=True, metadata={"description": "what the rules used"})


class DecisionSchema(AssessmentSchema):
    """A job's current decision."""

    id = fields.UUID(required=True)
    version = fields.Integer(required=True)
    job_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    dealer_id = fields.UUID(required=True)
    fault_category = fields.String(required=True)
    found_on = fields.Date(required=True)
    decided_at = fields.AwareDateTime(required=True)
    decided_by = fields.UUID(allow_none=True, required=True)
    source = fields.String(
        required=True, metadata={"description": "diagnosis | completion | office"}
    )


class DecideArgs(StrictSchema):
    found_on = fields.Date(
        load_default=None, metadata={"description": "overrides the request's (or job's) day"}
    )


FACT_FIELDS = (
    "dealer_id",
    "purchased_on",
    "factory_on",
    "installed_on",
    "filters_changed_by_other_on",
    "waiver_signed",
    "shipped_with_valve",
)


class AssessArgs(StrictSchema):
    """Either `unit_id` (the facts come from its records) or the facts themselves."""

    unit_id = fields.UUID(metadata={"description": "or the facts below"})
    dealer_id = fields.UUID(metadata={"description": "whose policy; required without unit_id"})
    purchased_on = fields.Date(allow_none=True, load_default=None)
    factory_on = fields.Date(allow_none=True, load_default=None)
    installed_on = fields.Date(allow_none=True, load_default=None)
    filters_changed_by_other_on = fields.Date(
        allow_none=True, load_default=None, metadata={"description": "by customer / third party"}
    )
    waiver_signed = fields.Boolean(load_default=False)
    shipped_with_valve = fields.Boolean(load_default=False)
    fault_category = fields.String(required=True, validate=validate.OneOf(FAULT_CATEGORIES))
    found_on = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})

    @validates_schema(pass_original=True)
    def _facts_or_unit(self, data, original, **kwargs):
        if "unit_id" in data:
            given = [name for name in FACT_FIELDS if name in original]
            if given:
                raise ValidationError("not with unit_id: the unit's records give it", given[0])
        elif "dealer_id" not in data:
            raise ValidationError("required when no unit_id is given", "dealer_id")
