from marshmallow import ValidationError, fields, validate, validates_schema

from server.common.schemas import (
    SHA256,
    ClientIdMixin,
    FullMatch,
    OptionalText,
    PageQuerySchema,
    PartialSchema,
    RowSchema,
    StrictSchema,
    Text,
    Time,
)
from server.desk import clocks
from server.desk.models import CHANNELS, JOB_KINDS, JOB_STATUSES, REQUEST_STATUSES

PHONE = FullMatch(r"^\+?[0-9][0-9 -]{4,38}$", error="not a phone number")
SERIAL = FullMatch(r"^[A-Za-z0-9-]{3,80}$", error="letters, digits and '-' only")


class CustomerSchema(RowSchema):
    name = Text(120, required=True)
    phone = fields.String(required=True, validate=PHONE)
    city = OptionalText(60, load_default=None)
    district = OptionalText(60, load_default=None)
    address = Text(300, required=True)
    notes = OptionalText(2000, load_default=None)


class CustomerCreateSchema(ClientIdMixin, CustomerSchema):
    pass


class CustomerUpdateSchema(PartialSchema, CustomerSchema):
    pass


class CustomerQuerySchema(PageQuerySchema):
    q = fields.String(validate=validate.Length(min=1, max=100))
    phone = fields.String(validate=validate.Length(min=1, max=40))
    city = fields.String(validate=validate.Length(min=1, max=60))


class UnitSchema(RowSchema):
    customer_id = fields.UUID(required=True)
    dealer_id = fields.UUID(required=True)
    model = Text(80, required=True)
    serial = fields.String(required=True, validate=SERIAL)
    purchase_date = fields.Date(load_default=None, allow_none=True)
    factory_date = fields.Date(load_default=None, allow_none=True)
    installed_on = fields.Date(load_default=None, allow_none=True)
    proof_of_purchase_sha256 = fields.String(load_default=None, allow_none=True, validate=SHA256)
    shipped_with_prv = fields.Boolean(load_default=False)


class UnitCreateSchema(ClientIdMixin, UnitSchema):
    pass


class UnitUpdateSchema(PartialSchema, UnitSchema):
    pass


class UnitQuerySchema(PageQuerySchema):
    serial = fields.String(validate=validate.Length(min=1, max=80))
    phone = fields.String(validate=validate.Length(min=1, max=40))
    customer_id = fields.UUID()
    dealer_id = fields.UUID()
    model = fields.String(validate=validate.Length(min=1, max=80))


class DealerFromUnit(StrictSchema):
    """The dealer comes from the unit; without a unit it must be given."""

    @validates_schema
    def _dealer_known(self, data, **kwargs):
        if data.get("unit_id") is None and data.get("dealer_id") is None:
            raise ValidationError("required when no unit_id is given", "dealer_id")


class RequestSchema(RowSchema):
    customer_id = fields.UUID(required=True)
    unit_id = fields.UUID(load_default=None, allow_none=True)
    dealer_id = fields.UUID(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(JOB_KINDS))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    description = OptionalText(4000, load_default=None)
    received_at = Time(load_default=None)
    status = fields.String(dump_only=True)
    acknowledge_due = fields.AwareDateTime(dump_only=True, allow_none=True)
    contact_due = fields.AwareDateTime(dump_only=True, allow_none=True)
    on_site_due = fields.AwareDateTime(dump_only=True, allow_none=True)
    repair_due = fields.AwareDateTime(dump_only=True, allow_none=True)
    acknowledged_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    contacted_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    # Deadlines in the dealer's time zone and each clock's state (server/desk/clocks.py).
    sla = fields.Method("_sla", dump_only=True)

    def _sla(self, obj):
        return clocks.document(obj, met=obj.__dict__.get("_sla_met"))


class RequestCreateSchema(ClientIdMixin, DealerFromUnit, RequestSchema):
    pass


class RequestUpdateSchema(StrictSchema):
    description = OptionalText(4000)
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    unit_id = fields.UUID(allow_none=True)


class RequestQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    kind = fields.String(validate=validate.OneOf(JOB_KINDS))
    dealer_id = fields.UUID()
    customer_id = fields.UUID()
    received_from = Time()
    received_to = Time()


class JobSchema(RowSchema):
    request_id = fields.UUID(load_default=None, allow_none=True)
    customer_id = fields.UUID(required=True)
    unit_id = fields.UUID(load_default=None, allow_none=True)
    dealer_id = fields.UUID(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(JOB_KINDS))
    status = fields.String(dump_only=True)
    technician_id = fields.UUID(dump_only=True, allow_none=True)
    window_start = fields.AwareDateTime(dump_only=True, allow_none=True)
    window_end = fields.AwareDateTime(dump_only=True, allow_none=True)
    address = OptionalText(300, load_default=None)
    description = OptionalText(4000, load_default=None)
    diagnosis = fields.String(dump_only=True, allow_none=True)
    fault_category = fields.String(dump_only=True, allow_none=True)
    completed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    cancel_reason = fields.String(dump_only=True, allow_none=True)
    locked_at = fields.AwareDateTime(dump_only=True, allow_none=True)


class JobCreateSchema(ClientIdMixin, DealerFromUnit, JobSchema):
    pass


class JobUpdateSchema(StrictSchema):
    address = OptionalText(300)
    description = OptionalText(4000)
    kind = fields.String(validate=validate.OneOf(JOB_KINDS))


class AssignSchema(StrictSchema):
    technician_id = fields.UUID(required=True, allow_none=True)


class WindowSchema(StrictSchema):
    window_start = Time(required=True)
    window_end = Time(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["window_start"] >= data["window_end"]:
            raise ValidationError("must be after window_start", "window_end")


class CancelSchema(StrictSchema):
    reason = Text(1000, required=True)


class JobQuerySchema(PageQuerySchema):
    status = fields.List(fields.String(validate=validate.OneOf(JOB_STATUSES)))
    kind = fields.String(validate=validate.OneOf(JOB_KINDS))
    technician_id = fields.UUID()
    dealer_id = fields.UUID()
    customer_id = fields.UUID()
    unit_id = fields.UUID()
    window_from = Time()
    window_to = Time()
