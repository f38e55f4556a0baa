"""What each piece of field work carries, checked against the field vocabulary.

Shared by the sync mutations (which add `job_id`) and the office REST API (which takes
the job from the URL), so both ways in accept exactly the same records.
"""

import hashlib

from marshmallow import ValidationError, fields, validate, validates_schema

from server.common.schemas import MAX_FEN, SHA256, OptionalText, RowSchema, StrictSchema, Text, Time
from server.field import vocab


def Int(**kwargs):
    """Integers are strict JSON numbers ("3" is refused)."""
    return fields.Integer(strict=True, **kwargs)


class VisitArgs(StrictSchema):
    id = fields.UUID(required=True)
    arrived_at = Time(required=True)


class EvidenceArgs(StrictSchema):
    id = fields.UUID(required=True)
    visit_id = fields.UUID(load_default=None, allow_none=True)


class ChecklistAnswerArgs(EvidenceArgs):
    item = fields.String(required=True, validate=validate.OneOf(vocab.CHECKLIST_ITEMS))
    value = fields.Boolean(required=True)
    comment = OptionalText(1000, load_default=None)
    answered_at = Time(required=True)


class UnitField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return vocab.canonical_unit(super()._deserialize(value, attr, data, **kwargs))


class MeasurementArgs(EvidenceArgs):
    kind = fields.String(required=True, validate=validate.OneOf(tuple(vocab.MEASUREMENT_KINDS)))
    value = fields.Float(required=True, validate=validate.Range(min=0, max=100_000))
    unit = UnitField(required=True, validate=validate.OneOf(vocab.UNITS))
    measured_at = Time(required=True)

    @validates_schema
    def _unit_of_the_kind(self, data, **kwargs):
        allowed = vocab.units_for(data["kind"])
        if data["unit"] not in allowed:
            raise ValidationError(
                f"not a unit of {data['kind']}: use one of {list(allowed)}", "unit"
            )


class PhotoArgs(EvidenceArgs):
    purpose = fields.String(required=True, validate=validate.OneOf(vocab.PHOTO_PURPOSES))
    sha256 = fields.String(required=True, validate=SHA256)
    taken_at = Time(required=True)
    caption = OptionalText(300, load_default=None)


class SignatureArgs(EvidenceArgs):
    purpose = fields.String(required=True, validate=validate.OneOf(vocab.SIGNATURE_PURPOSES))
    signer_name = Text(120, required=True)
    statement_text = Text(20_000, required=True)
    statement_sha256 = fields.String(required=True, validate=SHA256)
    strokes = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=2000))
    # Ignored: the server renders the PNG it keeps from the strokes.
    png_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)
    signed_at = Time(required=True)
    device = OptionalText(120, load_default=None)

    @validates_schema
    def _statement_hash(self, data, **kwargs):
        digest = hashlib.sha256(data["statement_text"].encode("utf-8")).hexdigest()
        if digest != data["statement_sha256"]:
            raise ValidationError(
                "is not the SHA-256 of statement_text (UTF-8)", "statement_sha256"
            )


class PartArgs(EvidenceArgs):
    part_code = Text(60, required=True)
    name = Text(120, required=True)
    quantity = Int(load_default=1, validate=validate.Range(min=1, max=1000))
    unit_price_fen = Int(load_default=0, validate=validate.Range(min=0, max=MAX_FEN))


class FeeArgs(EvidenceArgs):
    kind = fields.String(required=True, validate=validate.OneOf(vocab.DEVICE_FEE_KINDS))
    description = Text(300, required=True)
    amount_fen = Int(required=True, validate=validate.Range(min=0, max=MAX_FEN))
    payer = fields.String(required=True, validate=validate.OneOf(vocab.PAYERS))


class FeeAgreementArgs(EvidenceArgs):
    kind = fields.String(required=True, validate=validate.OneOf(vocab.AGREEMENT_KINDS))
    amount_fen = Int(required=True, validate=validate.Range(min=1, max=MAX_FEN))
    party = fields.String(required=True, validate=validate.OneOf(vocab.AGREEMENT_PARTIES))
    party_name = Text(120, required=True)
    way = fields.String(required=True, validate=validate.OneOf(vocab.AGREEMENT_WAYS))
    signature_id = fields.UUID(load_default=None, allow_none=True)
    note = OptionalText(500, load_default=None)


class NoShowArgs(EvidenceArgs):
    at = Time(required=True)


class NoteArgs(EvidenceArgs):
    body = Text(4000, required=True)


class CompleteArgs(StrictSchema):
    completed_at = Time(required=True)


# --- what the office API answers ---------------------------------------------------


class RecordSchema(RowSchema):
    job_id = fields.UUID()
    visit_id = fields.UUID(allow_none=True)
    created_by = fields.UUID(allow_none=True)


class VisitSchema(RowSchema):
    job_id = fields.UUID()
    technician_id = fields.UUID()
    arrived_at = fields.AwareDateTime()
    departed_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.String(allow_none=True)


class ChecklistAnswerSchema(RecordSchema):
    item = fields.String()
    answer = fields.Dict()
    answered_at = fields.AwareDateTime()


class MeasurementSchema(RecordSchema):
    kind = fields.String()
    value = fields.Float()
    unit = fields.String()
    original_value = fields.Float()
    original_unit = fields.String()
    measured_at = fields.AwareDateTime()


class PhotoSchema(RecordSchema):
    purpose = fields.String()
    sha256 = fields.String()
    taken_at = fields.AwareDateTime()
    caption = fields.String(allow_none=True)


class SignatureSchema(RecordSchema):
    purpose = fields.String()
    signer_name = fields.String()
    statement_text = fields.String()
    statement_sha256 = fields.String()
    strokes = fields.List(fields.Dict())
    png_sha256 = fields.String(allow_none=True)
    signed_at = fields.AwareDateTime()
    device = fields.String(allow_none=True)


class PartSchema(RecordSchema):
    part_code = fields.String()
    name = fields.String()
    quantity = fields.Integer()
    unit_price_fen = fields.Integer()


class FeeSchema(RecordSchema):
    kind = fields.String()
    description = fields.String()
    amount_fen = fields.Integer()
    payer = fields.String()


class FeeAgreementSchema(RecordSchema):
    kind = fields.String()
    amount_fen = fields.Integer()
    party = fields.String()
    party_name = fields.String()
    way = fields.String()
    signature_id = fields.UUID(allow_none=True)
    note = fields.String(allow_none=True)


class NoteSchema(RecordSchema):
    body = fields.String()
