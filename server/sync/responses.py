"""Response bodies of push, pull and rules, as documented in /api/openapi.json.

The views return these bodies already built (pull pages are large and their rows
are serialized once, in pull.py); the schemas describe them, and the tests check
real responses against them so the documentation cannot drift.
"""

from marshmallow import fields

from server.common.schemas import StrictSchema

STATUSES = "applied | merged | conflict | rejected | duplicate"


class MutationResultSchema(StrictSchema):
    mutation_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": STATUSES})
    reason = fields.String(metadata={"description": "why it was rejected or held"})
    detail = fields.String()
    errors = fields.Raw(metadata={"description": "field → messages (invalid_args)"})
    missing = fields.List(fields.Dict(), metadata={"description": "unmet completion rules"})
    fields_ = fields.Dict(
        data_key="fields", metadata={"description": "field → applied | unchanged | held | …"}
    )
    conflicts = fields.List(fields.String(), metadata={"description": "conflict ids"})
    original = fields.Dict(
        allow_none=True,
        metadata={"description": "duplicate: the recorded first result (null once expired)"},
    )


class GapSchema(StrictSchema):
    expected = fields.Integer(required=True)
    received = fields.Integer(required=True)


class PushResponseSchema(StrictSchema):
    schema_version = fields.Integer(required=True)
    client_id = fields.UUID(required=True)
    last_mutation_id = fields.Integer(
        required=True, metadata={"description": "highest mutation_id the server holds"}
    )
    results = fields.List(fields.Nested(MutationResultSchema), required=True)
    gap = fields.Nested(GapSchema, metadata={"description": "present when the batch stopped"})
    resume_from = fields.Integer(metadata={"description": "resend from this mutation_id"})


class ChangeSchema(StrictSchema):
    seq = fields.Integer(allow_none=True, required=True)
    entity = fields.String(required=True, metadata={"description": "table name"})
    id = fields.UUID(required=True)
    op = fields.String(required=True, metadata={"description": "upsert | delete | remove"})
    data = fields.Dict(required=True, allow_none=True, metadata={"description": "the row"})


class PullResponseSchema(StrictSchema):
    schema_version = fields.Integer(required=True)
    reset = fields.Boolean(
        required=True, metadata={"description": "true: drop local data, this is a snapshot"}
    )
    server_time = fields.AwareDateTime(required=True)
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    cursor = fields.String(required=True, metadata={"description": "opaque; send it back"})
    has_more = fields.Boolean(required=True)


class FeeRulesSchema(StrictSchema):
    kinds = fields.List(fields.String(), required=True)
    payers = fields.List(fields.String(), required=True)
    agreed_by = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "fee kind → who must agree beforehand (customer | dealer)"},
    )
    signed_as = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "fee kind → the signature purpose of the customer's agreement"},
    )
    liability_bound = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "fee kinds not charged to the customer on a free job"},
    )


class RulesResponseSchema(StrictSchema):
    version = fields.Integer(required=True)
    pressure_valve_threshold_kpa = fields.Float(required=True)
    pressure_valve_mandatory = fields.Boolean(required=True)
    fault_categories = fields.List(fields.String(), required=True)
    measurement_units = fields.Dict(
        required=True,
        metadata={"description": "kind → {base, units: {unit: factor to base}}"},
    )
    kinds = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Dict()),
        required=True,
        metadata={"description": "job kind → rules ({id, label, require, when?})"},
    )
    fees = fields.Nested(FeeRulesSchema, required=True, metadata={"description": "docs/fees.md"})
