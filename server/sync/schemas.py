"""Envelopes of push and pull, every mutation's arguments, and conflicts."""

import hashlib

from marshmallow import ValidationError, fields, validate, validates_schema

from server.common.schemas import OptionalText, StrictSchema, Text
from server.field.models import FEE_KINDS, PAYERS, PRESSURE_UNITS, SIGNATURE_PURPOSES
from server.sync.rules import CHECKLIST_ITEMS, MEASUREMENT_KINDS, PHOTO_PURPOSES

SHA256 = validate.Regexp(r"^[0-9a-f]{64}$", error="64 lowercase hex digits")
# What technicians type for kgf/cm² ("公斤") is accepted and stored as kgf/cm2.
UNIT_ALIASES = {"kgf/cm²": "kgf/cm2", "公斤": "kgf/cm2", "kpa": "kPa", "mpa": "MPa"}


def Int(**kwargs):
    return fields.Integer(strict=True, **kwargs)


# --- envelopes ---------------------------------------------------------------


class MutationSchema(StrictSchema):
    mutation_id = Int(required=True, validate=validate.Range(min=1, max=2**53))
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    args = fields.Dict(required=True)
    at = fields.AwareDateTime(load_default=None, allow_none=True)


class PushSchema(StrictSchema):
    schema_version = Int(required=True)
    client_id = fields.UUID(required=True)
    mutations = fields.List(fields.Nested(MutationSchema), required=True)


class PullQuerySchema(StrictSchema):
    # Query strings carry text: these integers are parsed, not strict.
    schema_version = fields.Integer(load_default=1)
    cursor = fields.String(load_default=None, validate=validate.Length(max=120))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class RulesQuerySchema(StrictSchema):
    dealer_id = fields.UUID(load_default=None)


# --- mutation arguments ------------------------------------------------------


class OnJob(StrictSchema):
    job_id = fields.UUID(required=True)


class Evidence(OnJob):
    id = fields.UUID(required=True)
    visit_id = fields.UUID(load_default=None, allow_none=True)


class StartVisitArgs(OnJob):
    id = fields.UUID(required=True)
    arrived_at = fields.AwareDateTime(required=True)


class FieldChangeSchema(StrictSchema):
    from_ = fields.Raw(data_key="from", required=True, allow_none=True)
    to = fields.Raw(required=True, allow_none=True)


def FieldChanges():
    return fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.Nested(FieldChangeSchema),
        required=True,
        validate=validate.Length(min=1, max=20),
    )


class UpdateJobArgs(OnJob):
    changes = FieldChanges()


class UpdateVisitArgs(StrictSchema):
    id = fields.UUID(required=True)
    changes = FieldChanges()


class AnswerChecklistArgs(Evidence):
    item = fields.String(required=True, validate=validate.OneOf(CHECKLIST_ITEMS))
    value = fields.Boolean(required=True)
    comment = OptionalText(1000, load_default=None)
    answered_at = fields.AwareDateTime(required=True)


class UnitField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return UNIT_ALIASES.get(value, UNIT_ALIASES.get(value.lower(), value))


class AddMeasurementArgs(Evidence):
    kind = fields.String(required=True, validate=validate.OneOf(MEASUREMENT_KINDS))
    value = fields.Float(required=True, validate=validate.Range(min=0, max=100_000))
    unit = UnitField(required=True, validate=validate.OneOf(PRESSURE_UNITS))
    measured_at = fields.AwareDateTime(required=True)


class AddPhotoArgs(Evidence):
    purpose = fields.String(required=True, validate=validate.OneOf(PHOTO_PURPOSES))
    sha256 = fields.String(required=True, validate=SHA256)
    taken_at = fields.AwareDateTime(required=True)
    caption = OptionalText(300, load_default=None)


class AddSignatureArgs(Evidence):
    purpose = fields.String(required=True, validate=validate.OneOf(SIGNATURE_PURPOSES))
    signer_name = Text(120, required=True)
    statement_text = Text(20_000, required=True)
    statement_sha256 = fields.String(required=True, validate=SHA256)
    strokes = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=2000))
    png_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)
    signed_at = fields.AwareDateTime(required=True)
    device = OptionalText(120, load_default=None)

    @validates_schema
    def _statement_hash(self, data, **kwargs):
        digest = hashlib.sha256(data["statement_text"].encode("utf-8")).hexdigest()
        if digest != data["statement_sha256"]:
            raise ValidationError(
                "is not the SHA-256 of statement_text (UTF-8)", "statement_sha256"
            )


class AddPartArgs(Evidence):
    part_code = Text(60, required=True)
    name = Text(120, required=True)
    quantity = Int(load_default=1, validate=validate.Range(min=1, max=1000))
    unit_price_fen = Int(load_default=0, validate=validate.Range(min=0, max=100_000_000))


class AddFeeArgs(Evidence):
    # No-show fees come from the dealer's policy via record_customer_absent.
    kind = fields.String(
        required=True, validate=validate.OneOf([k for k in FEE_KINDS if k != "no_show"])
    )
    description = Text(300, required=True)
    amount_fen = Int(required=True, validate=validate.Range(min=0, max=100_000_000))
    payer = fields.String(required=True, validate=validate.OneOf(PAYERS))


class RecordCustomerAbsentArgs(Evidence):
    at = fields.AwareDateTime(required=True)


class AddNoteArgs(Evidence):
    body = Text(4000, required=True)


class CompleteJobArgs(OnJob):
    completed_at = fields.AwareDateTime(required=True)


# --- conflicts ---------------------------------------------------------------


class ConflictSchema(StrictSchema):
    id = fields.UUID()
    entity = fields.String()
    entity_id = fields.UUID()
    job_id = fields.UUID(allow_none=True)
    field = fields.String()
    reason = fields.String()
    base = fields.Raw(allow_none=True)
    server_value = fields.Raw(allow_none=True)
    client_value = fields.Raw(allow_none=True)
    client_id = fields.UUID(allow_none=True)
    mutation_id = fields.Integer(allow_none=True)
    user_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime()
    status = fields.String()
    resolution = fields.String(allow_none=True)
    resolved_value = fields.Raw(allow_none=True)
    resolved_by = fields.UUID(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)


class ConflictQuerySchema(StrictSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "resolved"]))
    job_id = fields.UUID(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ResolveSchema(StrictSchema):
    choice = fields.String(required=True, validate=validate.OneOf(["server", "client", "merged"]))
    value = fields.Raw(allow_none=True)

    @validates_schema
    def _value_for_merged(self, data, **kwargs):
        if data["choice"] == "merged" and "value" not in data:
            raise ValidationError("required when choice is merged", "value")
        if data["choice"] != "merged" and "value" in data:
            raise ValidationError("only with choice merged", "value")
