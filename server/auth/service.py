"""Users, passwords, device tokens and login throttling. Raises server.exceptions."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from server.audit.service import record
from server.auth.models import DeviceToken, LoginAttempt, User
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.exceptions import Conflict, Invalid, NotFound, Throttled, Unauthenticated
from server.extensions import db

# Guessing protection (security settings, not dealer policy).
FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES_PER_USER = 5
FREE_FAILURES_PER_ADDRESS = 20
MAX_LOCKOUT_SECONDS = 15 * 60
# Touching last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(hours=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lockout_seconds(failures: int, free: int) -> int:
    """Exponential delay once the free failures are used up: 2, 4, 8 … seconds, capped."""
    if failures < free:
        return 0
    return min(MAX_LOCKOUT_SECONDS, 2 ** (failures - free + 1))


def _throttle(username: str, address: str) -> None:
    since = utcnow() - FAILURE_WINDOW
    waits = []
    for column, value, free in (
        (LoginAttempt.username, username, FREE_FAILURES_PER_USER),
        (LoginAttempt.address, address, FREE_FAILURES_PER_ADDRESS),
    ):
        count, last = db.session.execute(
            sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
                column == value, LoginAttempt.at >= since
            )
        ).one()
        wait = _lockout_seconds(count, free)
        if wait and last is not None:
            last = last if last.tzinfo else last.replace(tzinfo=utcnow().tzinfo)
            remaining = (last + timedelta(seconds=wait) - utcnow()).total_seconds()
            if remaining > 0:
                waits.append(int(remaining) + 1)
    if waits:
        raise Throttled(
            "Too many failed logins; wait before trying again.",
            slug="login-throttled",
            retry_after=max(waits),
        )


def login(username: str, password: str, address: str, device_name: str | None):
    """Return (user, token) for good credentials; the plain token is never stored."""
    _throttle(username, address)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        db.session.add(LoginAttempt(username=username, address=address))
        db.session.commit()
        raise Unauthenticated("Wrong user name or password.", slug="bad-credentials")
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == username))
    token = secrets.token_urlsafe(32)
    db.session.add(DeviceToken(user=user, token_hash=hash_token(token), device_name=device_name))
    db.session.commit()
    return user, token


def authenticate(token: str) -> tuple[User, DeviceToken] | None:
    device = db.session.scalar(
        sa.select(DeviceToken).where(DeviceToken.token_hash == hash_token(token))
    )
    if device is None or device.revoked_at is not None or not device.user.active:
        return None
    now = utcnow()
    if device.last_used_at is None or now - device.last_used_at > LAST_USED_RESOLUTION:
        device.last_used_at = now
        db.session.commit()
    return device.user, device


def revoke(devices) -> int:
    now = utcnow()
    count = 0
    for device in devices:
        if device.revoked_at is None:
            device.revoked_at = now
            count += 1
    return count


def create_user(args: dict) -> User:
    if (args["role"] == "dealer") != (args["dealer_id"] is not None):
        raise Invalid(
            "dealer_id",
            "required for role dealer, and only for it",
            detail="A dealer user needs dealer_id, and only a dealer user may have one.",
        )
    if args["dealer_id"] and db.session.get(Dealer, args["dealer_id"]) is None:
        raise Invalid("dealer_id", "unknown", detail="No such dealer.")
    if db.session.scalar(sa.select(User.id).where(User.username == args["username"])):
        raise Conflict("That user name is taken.")
    password = args.pop("password")
    user = User(**args)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("create", "user", user.id, {"username": user.username, "role": user.role})
    return user


def get_user(user_id) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound.of("user")
    return user
