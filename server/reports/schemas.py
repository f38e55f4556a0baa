"""What the reports API reads and answers."""

from marshmallow import fields

from server.common.schemas import FullMatch, StrictSchema
from server.reports.months import MONTH_PATTERN


class ReportQuerySchema(StrictSchema):
    month = fields.String(
        required=True,
        validate=FullMatch(MONTH_PATTERN, error="YYYY-MM, 1970-01 to 2199-12"),
        metadata={"example": "2026-10"},
    )
    dealer_id = fields.UUID()


class ReportColumnSchema(StrictSchema):
    id = fields.String()
    zh_cn = fields.String(data_key="zh-CN")
    en = fields.String()
    unit = fields.String()
    kind = fields.String()


class TitleSchema(StrictSchema):
    zh_cn = fields.String(data_key="zh-CN")
    en = fields.String()


class ReportInfoSchema(StrictSchema):
    id = fields.String()
    title = fields.Nested(TitleSchema)
    columns = fields.List(fields.Nested(ReportColumnSchema))


class ReportSchema(ReportInfoSchema):
    month = fields.String()
    timezone = fields.String()
    dealer_id = fields.UUID(allow_none=True)
    # One object per row, keyed by column id (numbers, text or null).
    rows = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True)))
    total = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), allow_none=True)
