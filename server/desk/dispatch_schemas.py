"""What the dispatch API reads and answers (the board, suggestions, technician profiles).

`TechnicianProfileSchema` is the one check of a profile, for the API and the console.
"""

from marshmallow import ValidationError, fields, post_load, validate

from server.common.schemas import Day, PartialSchema, StrictSchema
from server.desk.models import JOB_KINDS

MAX_DISTRICTS = 50
# A district as customers' addresses name it (customers.district is 60 characters).
DISTRICT = validate.Length(min=1, max=60)


def _unique(values: list) -> list:
    return list(dict.fromkeys(values))


class TechnicianProfileSchema(PartialSchema):
    districts = fields.List(
        fields.String(validate=DISTRICT), validate=validate.Length(max=MAX_DISTRICTS)
    )
    skills = fields.List(
        fields.String(validate=validate.OneOf(JOB_KINDS)),
        validate=validate.Length(max=len(JOB_KINDS)),
    )

    @post_load
    def _tidy(self, data, **kwargs):
        """Names compare exactly with customers' districts: trimmed, each once."""
        if "districts" in data:
            trimmed = [d.strip() for d in data["districts"]]
            if any(not d for d in trimmed):
                raise ValidationError({"districts": ["a district name is empty"]})
            data["districts"] = _unique(trimmed)
        if "skills" in data:
            data["skills"] = _unique(data["skills"])
        return data


class TechnicianSchema(StrictSchema):
    id = fields.UUID()
    username = fields.String()
    display_name = fields.String()
    active = fields.Boolean()
    districts = fields.List(fields.String())
    skills = fields.List(fields.String())


class DayQuerySchema(StrictSchema):
    day = Day(metadata={"description": "YYYY-MM-DD, a local day; default today"})


class LoadSchema(StrictSchema):
    jobs = fields.Integer()
    hours = fields.Float()


class CustomerBriefSchema(StrictSchema):
    id = fields.UUID()
    name = fields.String()
    city = fields.String(allow_none=True)
    district = fields.String(allow_none=True)


class BoardJobSchema(StrictSchema):
    id = fields.UUID()
    kind = fields.String()
    status = fields.String()
    technician_id = fields.UUID(allow_none=True)
    dealer_id = fields.UUID()
    window_start = fields.AwareDateTime(allow_none=True)
    window_end = fields.AwareDateTime(allow_none=True)
    address = fields.String(allow_none=True)
    customer = fields.Nested(CustomerBriefSchema)


class BoardColumnSchema(StrictSchema):
    technician = fields.Nested(TechnicianSchema)
    jobs = fields.List(fields.Nested(BoardJobSchema))
    load = fields.Nested(LoadSchema)


class BoardSchema(StrictSchema):
    day = fields.Date()
    timezone = fields.String()
    technicians = fields.List(fields.Nested(BoardColumnSchema))
    unassigned = fields.List(fields.Nested(BoardJobSchema))


class SuggestionSchema(StrictSchema):
    technician = fields.Nested(TechnicianSchema)
    score = fields.Integer()
    skill = fields.Boolean()
    district = fields.Boolean()
    load = fields.Nested(LoadSchema)
    reasons = fields.List(
        fields.String(),
        metadata={"description": "skill | no_skill; district | other_district | district_unknown"},
    )


class SuggestionsSchema(StrictSchema):
    job_id = fields.UUID()
    day = fields.Date()
    timezone = fields.String()
    suggestions = fields.List(fields.Nested(SuggestionSchema))
