"""Intake, appointment call and escalation schemas (docs/service-desk.md)."""

from marshmallow import ValidationError, fields, validate, validates_schema

from server.common.schemas import (
    MAX_FEN,
    SHA256,
    OptionalText,
    RowSchema,
    StrictSchema,
    Text,
    Time,
)
from server.desk.models import CHANNELS, JOB_KINDS
from server.desk.schemas import PHONE, SERIAL, RequestSchema

# A customer's own words on the public form: no office kinds (complaints have their desk).
PUBLIC_KINDS = ("installation", "repair", "filter_change", "maintenance", "water_test")


class IntakeSchema(StrictSchema):
    """A request as the desk takes it: the customer by id or phone number, the unit by id
    or serial; a customer or unit not found is created from the fields given."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    kind = fields.String(required=True, validate=validate.OneOf(JOB_KINDS))
    description = OptionalText(4000, load_default=None)
    received_at = Time(load_default=None)
    customer_id = fields.UUID(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    name = OptionalText(120, load_default=None)
    address = OptionalText(300, load_default=None)
    city = OptionalText(60, load_default=None)
    district = OptionalText(60, load_default=None)
    unit_id = fields.UUID(load_default=None, allow_none=True)
    serial = fields.String(load_default=None, allow_none=True, validate=SERIAL)
    model = OptionalText(80, load_default=None)
    purchase_date = fields.Date(load_default=None, allow_none=True)
    dealer_id = fields.UUID(load_default=None, allow_none=True)
    proof_of_purchase_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)

    @validates_schema
    def _someone(self, data, **kwargs):
        if not any(data.get(k) for k in ("customer_id", "phone", "unit_id", "serial")):
            raise ValidationError("give customer_id, phone, unit_id or serial", "phone")


class AppointmentCallArgs(StrictSchema):
    called_at = Time(load_default=None)
    job_id = fields.UUID(load_default=None, allow_none=True)
    visit_start = Time(required=True)
    visit_end = Time(required=True)
    no_show_fee_told = fields.Boolean(required=True)
    site_conditions = OptionalText(2000, load_default=None)
    address = Text(300, required=True)
    distance_km = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 1000))
    travel_surcharge_fen = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, MAX_FEN), strict=True
    )
    extra_work = OptionalText(2000, load_default=None)
    extra_work_fen = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(0, MAX_FEN), strict=True
    )
    accessories_missing = OptionalText(1000, load_default=None)
    accessories_cleared = fields.Boolean(load_default=False)
    notes = OptionalText(2000, load_default=None)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["visit_start"] >= data["visit_end"]:
            raise ValidationError("must be after visit_start", "visit_end")


class AppointmentCallSchema(RowSchema):
    request_id = fields.UUID()
    job_id = fields.UUID(allow_none=True)
    called_at = fields.AwareDateTime()
    called_by = fields.UUID(allow_none=True)
    visit_start = fields.AwareDateTime()
    visit_end = fields.AwareDateTime()
    no_show_fen = fields.Integer()
    site_conditions = fields.String(allow_none=True)
    address = fields.String()
    distance_km = fields.Float(allow_none=True)
    travel_agreement_id = fields.UUID(allow_none=True)
    extra_work = fields.String(allow_none=True)
    extra_work_agreement_id = fields.UUID(allow_none=True)
    accessories_missing = fields.String(allow_none=True)
    accessories_cleared = fields.Boolean()
    notes = fields.String(allow_none=True)


class EscalationSchema(StrictSchema):
    request = fields.Nested(RequestSchema)
    clock = fields.String()
    state = fields.String()
    due = fields.AwareDateTime(allow_none=True)
    near_breach = fields.Boolean()


class EscalationQuerySchema(StrictSchema):
    dealer_id = fields.UUID()


class PublicRequestSchema(StrictSchema):
    """The public form: a customer's own request (no login)."""

    name = Text(120, required=True)
    phone = fields.String(required=True, validate=PHONE)
    address = Text(300, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PUBLIC_KINDS))
    description = Text(2000, required=True)
    serial = fields.String(load_default=None, allow_none=True, validate=SERIAL)
    dealer_id = fields.UUID(load_default=None, allow_none=True)
    # A field people do not see: a robot that fills it is refused.
    website = fields.String(load_default="", validate=validate.Length(max=0))
