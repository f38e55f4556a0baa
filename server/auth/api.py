"""Login, logout, who am I, devices; users for admins."""

import sqlalchemy as sa
from flask import g, request
from flask_smorest import Blueprint

from server.audit.service import record
from server.auth import accounts, service
from server.auth.access import requires
from server.auth.models import DeviceToken, User
from server.auth.schemas import (
    ChangePasswordSchema,
    DeviceSchema,
    LoginSchema,
    PasswordSchema,
    RevokedSchema,
    TokenSchema,
    UserSchema,
)
from server.common import tx
from server.extensions import db

bp = Blueprint("auth", __name__, url_prefix="/api", description="Sign-in and users")


@bp.post("/auth/login")
@bp.arguments(LoginSchema)
@bp.response(201, TokenSchema)
@bp.doc(security=[])
def login(args):
    """Sign in one device; the token is shown once and lasts until revoked."""
    user, token = service.login(
        args["username"], args["password"], request.remote_addr or "?", args["device_name"]
    )
    return {"token": token, "user": user}


@bp.post("/auth/password")
@requires()
@bp.arguments(ChangePasswordSchema)
@bp.response(200, RevokedSchema)
def change_password(args):
    """Change your own password (give the current one); your other devices are signed out."""
    revoked = accounts.change_own_password(
        g.user,
        args["current_password"],
        args["new_password"],
        g.device,
        request.remote_addr or "?",
    )
    tx.commit()
    return {"revoked": revoked}


@bp.post("/auth/logout")
@requires()
@bp.response(204)
def logout():
    """Revoke the token this request carries."""
    service.revoke([g.device])
    tx.commit()


@bp.get("/auth/me")
@requires()
@bp.response(200, UserSchema)
def me():
    return g.user


def _devices(user):
    rows = db.session.scalars(
        sa.select(DeviceToken)
        .where(DeviceToken.user_id == user.id)
        .order_by(DeviceToken.created_at.desc())
    )
    current = getattr(g, "device", None)
    return [
        {
            **{c: getattr(d, c) for c in DeviceSchema().fields if c != "current"},
            "current": current is not None and d.id == current.id,
        }
        for d in rows
    ]


@bp.get("/auth/devices")
@requires()
@bp.response(200, DeviceSchema(many=True))
def my_devices():
    return _devices(g.user)


@bp.get("/users")
@requires("admin")
@bp.response(200, UserSchema(many=True))
def list_users():
    return db.session.scalars(sa.select(User).order_by(User.username)).all()


@bp.post("/users")
@requires("admin")
@bp.arguments(UserSchema)
@bp.response(201, UserSchema)
def create_user(args):
    user = accounts.create_user(args)
    tx.commit()
    return user


@bp.get("/users/<uuid:user_id>/devices")
@requires("admin")
@bp.response(200, DeviceSchema(many=True))
def user_devices(user_id):
    return _devices(accounts.get_user(user_id))


@bp.post("/users/<uuid:user_id>/devices/revoke")
@requires("admin")
@bp.response(200, RevokedSchema)
def revoke_user_devices(user_id):
    """Sign a user out on every device (a lost phone, someone leaving)."""
    user = accounts.get_user(user_id)
    devices = db.session.scalars(sa.select(DeviceToken).where(DeviceToken.user_id == user.id))
    count = service.revoke(devices)
    record("revoke_devices", "user", user.id, {"revoked": count})
    tx.commit()
    return {"revoked": count}


@bp.post("/users/<uuid:user_id>/deactivate")
@requires("admin")
@bp.response(200, UserSchema)
def deactivate_user(user_id):
    """Stop a user signing in; every device of theirs is signed out (audited)."""
    user = accounts.set_active(accounts.get_user(user_id), False, g.user)
    tx.commit()
    return user


@bp.post("/users/<uuid:user_id>/reactivate")
@requires("admin")
@bp.response(200, UserSchema)
def reactivate_user(user_id):
    """Let a deactivated user sign in again (old devices stay signed out; audited)."""
    user = accounts.set_active(accounts.get_user(user_id), True, g.user)
    tx.commit()
    return user


@bp.put("/users/<uuid:user_id>/password")
@requires("admin")
@bp.arguments(PasswordSchema)
@bp.response(200, RevokedSchema)
def set_user_password(args, user_id):
    """Set a user's password; their devices are signed out (audited, never the password)."""
    user = accounts.get_user(user_id)
    keep = g.device if user.id == g.user.id else None
    revoked = accounts.set_password(user, args["password"], keep=keep)
    tx.commit()
    return {"revoked": revoked}
