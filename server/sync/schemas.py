"""Envelopes of push and pull, every mutation's arguments, and conflicts.

A mutation's arguments are the field record it carries (server/field/schemas.py) plus
the job it names: both ways in, push and the office API, accept the same records.
"""

from marshmallow import ValidationError, fields, validate, validates_schema

from server.common.schemas import PageQuerySchema, StrictSchema, Time, unstorable_text
from server.field import schemas as field

Int = field.Int


# --- envelopes ---------------------------------------------------------------


class MutationSchema(StrictSchema):
    # Each mutation's own args schema checks its text, so a bad one is that mutation's
    # `invalid_args`, not a refusal of the whole push.
    text_checked_elsewhere = ("args",)

    mutation_id = Int(required=True, validate=validate.Range(min=1, max=2**53))
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    args = fields.Dict(required=True)
    at = Time(load_default=None, allow_none=True)


KEYS = frozenset(("mutation_id", "name", "args", "at"))
REQUIRED = frozenset(("mutation_id", "name", "args"))
LARGEST_ID = 2**53


class Mutations(fields.List):
    """A push's mutations, each shaped as MutationSchema documents.

    A well-formed mutation is read here in a few comparisons; anything else (a missing or
    unknown key, a wrong type, a value out of range, unstorable text) goes through the
    schema, so every error is worded as before. Each mutation's `args` are then checked
    once, by that mutation's own schema (service.apply_one).
    """

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(MutationSchema), **kwargs)
        self._at = MutationSchema().fields["at"]

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list):
            plain = [self._plain(m) for m in value]
            if None not in plain:
                return plain
        return super()._deserialize(value, attr, data, **kwargs)

    def _plain(self, m):
        if type(m) is not dict or not REQUIRED <= m.keys() <= KEYS:
            return None
        mutation_id, name, args, at = m["mutation_id"], m["name"], m["args"], m.get("at")
        if type(mutation_id) is not int or not 1 <= mutation_id <= LARGEST_ID:
            return None
        if type(name) is not str or not 1 <= len(name) <= 60 or unstorable_text(name):
            return None
        if type(args) is not dict:
            return None
        if at is not None:
            try:
                at = self._at.deserialize(at)
            except ValidationError:
                return None
        return {"mutation_id": mutation_id, "name": name, "args": dict(args), "at": at}


# The versions a server supports are documented; another is refused with 400
# unsupported-schema-version (server/sync/service.py), which says which to use.
SUPPORTED_VERSIONS = {"enum": [1]}


class PushSchema(StrictSchema):
    schema_version = Int(required=True, metadata=SUPPORTED_VERSIONS)
    client_id = fields.UUID(required=True)
    mutations = Mutations(required=True)


_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_POSITION = "[0-9]{1,18}([.][0-9]{1,18})?"
CURSOR_PATTERN = f"^(s{_POSITION}:{_UUID}|{_POSITION})?$"


class PullQuerySchema(StrictSchema):
    # Query strings carry text: these integers are parsed, not strict.
    schema_version = fields.Integer(load_default=1, metadata=SUPPORTED_VERSIONS)
    # Opaque to clients; its forms (server/sync/pull.py) are stated so tools send real ones.
    # Another is refused with 400 bad-cursor there, not here.
    cursor = fields.String(
        load_default=None,
        validate=validate.Length(max=120),
        metadata={"pattern": CURSOR_PATTERN},
    )
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class RulesQuerySchema(StrictSchema):
    dealer_id = fields.UUID(load_default=None)


# --- mutation arguments ------------------------------------------------------


class OnJob(StrictSchema):
    job_id = fields.UUID(required=True)


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


class StartVisitArgs(OnJob, field.VisitArgs):
    pass


class UpdateJobArgs(OnJob):
    changes = FieldChanges()


class UpdateVisitArgs(StrictSchema):
    id = fields.UUID(required=True)
    changes = FieldChanges()


class AnswerChecklistArgs(OnJob, field.ChecklistAnswerArgs):
    pass


class AddMeasurementArgs(OnJob, field.MeasurementArgs):
    pass


class AddPhotoArgs(OnJob, field.PhotoArgs):
    pass


class AddSignatureArgs(OnJob, field.SignatureArgs):
    pass


class AddPartArgs(OnJob, field.PartArgs):
    pass


class AddFeeArgs(OnJob, field.FeeArgs):
    pass


class AddFeeAgreementArgs(OnJob, field.FeeAgreementArgs):
    pass


class RecordCustomerAbsentArgs(OnJob, field.NoShowArgs):
    pass


class AddNoteArgs(OnJob, field.NoteArgs):
    pass


class CompleteJobArgs(OnJob, field.CompleteArgs):
    pass


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
    held_args = fields.Dict(allow_none=True)
    client_id = fields.UUID(allow_none=True)
    mutation_id = fields.Integer(allow_none=True)
    user_id = fields.UUID(allow_none=True)
    created_at = fields.AwareDateTime()
    status = fields.String()
    resolution = fields.String(allow_none=True)
    resolved_value = fields.Raw(allow_none=True)
    resolved_by = fields.UUID(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)


class ConflictQuerySchema(PageQuerySchema):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "resolved"]))
    job_id = fields.UUID(load_default=None)


class ResolveSchema(StrictSchema):
    choice = fields.String(required=True, validate=validate.OneOf(["server", "client", "merged"]))
    value = fields.Raw(allow_none=True)

    @validates_schema
    def _value_for_merged(self, data, **kwargs):
        if data["choice"] == "merged" and "value" not in data:
            raise ValidationError("required when choice is merged", "value")
        if data["choice"] != "merged" and "value" in data:
            raise ValidationError("only with choice merged", "value")
