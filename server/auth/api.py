"""Login, logout, who am I, devices; users for admins."""

import sqlalchemy as sa
from flask import g, request
from flask_smorest import Blueprint

from server.audit.service import record
from server.auth import service
from server.auth.access import requires
from server.auth.models import DeviceToken, User
from server.auth.schemas import (
    DeviceSchema,
    LoginSchema,
    RevokedSchema,
    TokenSchema,
    UserSchema,
)
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


@bp.post("/auth/logout")
@requires()
@bp.response(204)
def logout():
    """Revoke the token this request carries."""
    service.revoke([g.device])
    db.session.commit()


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
    user = service.create_user(args)
    db.session.commit()
    return user


@bp.get("/users/<uuid:user_id>/devices")
@requires("admin")
@bp.response(200, DeviceSchema(many=True))
def user_devices(user_id):
    return _devices(service.get_user(user_id))


@bp.post("/users/<uuid:user_id>/devices/revoke")
@requires("admin")
@bp.response(200, RevokedSchema)
def revoke_user_devices(user_id):
    """Sign a user out on every device (a lost phone, someone leaving)."""
    user = service.get_user(user_id)
    devices = db.session.scalars(sa.select(DeviceToken).where(DeviceToken.user_id == user.id))
    count = service.revoke(devices)
    record("revoke_devices", "user", user.id, {"revoked": count})
    db.session.commit()
    return {"revoked": count}
