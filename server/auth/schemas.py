from marshmallow import fields, validate

from server.auth.models import ROLES
from server.common.schemas import FullMatch, OptionalText, StrictSchema, Text


class LoginSchema(StrictSchema):
    username = Text(80, required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    device_name = OptionalText(120, load_default=None)


class UserSchema(StrictSchema):
    id = fields.UUID(dump_only=True)
    username = fields.String(required=True, validate=FullMatch(r"^[A-Za-z0-9_.-]{2,80}$"))
    display_name = Text(120, required=True)
    phone = OptionalText(40, load_default=None)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    dealer_id = fields.UUID(load_default=None, allow_none=True)
    active = fields.Boolean(dump_only=True)
    # Strength is judged by server/auth/passwords.py (422 weak-password), for every way in.
    password = fields.String(load_only=True, required=True, validate=validate.Length(max=200))


class TokenSchema(StrictSchema):
    token = fields.String()
    user = fields.Nested(UserSchema)


class DeviceSchema(StrictSchema):
    id = fields.UUID()
    device_name = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    current = fields.Boolean()


class RevokedSchema(StrictSchema):
    revoked = fields.Integer()


class PasswordSchema(StrictSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class ChangePasswordSchema(StrictSchema):
    current_password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=200)
    )
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
