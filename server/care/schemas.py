from marshmallow import fields, validate

from server.care.complaints import is_overdue
from server.care.models import COMPLAINT_STATUSES
from server.common.models import utcnow
from server.common.schemas import (
    ClientIdMixin,
    OptionalText,
    PageQuerySchema,
    RowSchema,
    StrictSchema,
    Text,
    Time,
)
from server.dealers.policy import WATER_QUALITY_CLASSES

# What a customer may write in a survey.
COMMENTS_MAX = 1000


class SurveySchema(StrictSchema):
    id = fields.UUID(dump_only=True)
    job_id = fields.UUID(dump_only=True)
    rating = fields.Integer(dump_only=True, allow_none=True)
    comments = fields.String(dump_only=True, allow_none=True)
    answered_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    expires_at = fields.AwareDateTime(dump_only=True)


class SurveyLinkSchema(StrictSchema):
    survey = fields.Nested(SurveySchema, dump_only=True)
    url = fields.String(dump_only=True)


class SurveyAnswerSchema(StrictSchema):
    """The public form: a rating 1–5 and optional comments."""

    rating = fields.Integer(required=True, validate=validate.Range(1, 5))
    comments = OptionalText(COMMENTS_MAX, load_default=None)


class ComplaintNoteSchema(StrictSchema):
    id = fields.UUID(dump_only=True)
    body = Text(2000, required=True)
    created_by = fields.UUID(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ComplaintSchema(RowSchema):
    customer_id = fields.UUID(required=True)
    dealer_id = fields.UUID(load_default=None, allow_none=True)
    job_id = fields.UUID(load_default=None, allow_none=True)
    unit_id = fields.UUID(load_default=None, allow_none=True)
    survey_id = fields.UUID(dump_only=True, allow_none=True)
    source = fields.String(dump_only=True)
    summary = Text(300, required=True)
    details = OptionalText(4000, load_default=None)
    status = fields.String(dump_only=True)
    owner_id = fields.UUID(load_default=None, allow_none=True)
    opened_at = fields.AwareDateTime(dump_only=True)
    # Default: opened_at + the dealer's policy `care.complaint_deadline_hours`.
    due_at = Time(load_default=None, allow_none=True)
    closed_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    resolution = fields.String(dump_only=True, allow_none=True)
    overdue = fields.Method("_overdue", dump_only=True)
    notes = fields.List(fields.Nested(ComplaintNoteSchema), dump_only=True)

    def _overdue(self, complaint) -> bool:
        return is_overdue(complaint, utcnow())


class ComplaintCreateSchema(ClientIdMixin, ComplaintSchema):
    pass


class ComplaintUpdateSchema(StrictSchema):
    owner_id = fields.UUID(allow_none=True)
    due_at = Time()
    summary = Text(300)
    details = OptionalText(4000)


class CloseSchema(StrictSchema):
    resolution = Text(2000, required=True)


class ReopenSchema(StrictSchema):
    reason = Text(1000, required=True)


class ComplaintQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(COMPLAINT_STATUSES))
    dealer_id = fields.UUID()
    owner_id = fields.UUID()
    customer_id = fields.UUID()
    overdue = fields.Boolean()


class DueQuerySchema(PageQuerySchema):
    within_days = fields.Integer(load_default=30, validate=validate.Range(0, 366))
    dealer_id = fields.UUID()


class DueSchema(StrictSchema):
    unit_id = fields.UUID()
    serial = fields.String()
    model = fields.String()
    dealer_id = fields.UUID()
    customer_id = fields.UUID()
    customer_name = fields.String()
    phone = fields.String()
    last_change_on = fields.Date()
    # technician, customer, third_party, or installation (no change known since)
    last_change_by = fields.String()
    water_quality = fields.String(validate=validate.OneOf(WATER_QUALITY_CLASSES))
    tds_in = fields.Float(allow_none=True)
    interval_months = fields.Integer()
    due_on = fields.Date()
    days_left = fields.Integer()
    reminded = fields.Boolean()


class DuePageSchema(StrictSchema):
    items = fields.List(fields.Nested(DueSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()
