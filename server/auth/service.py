"""Login, device tokens and login throttling. Raises server.exceptions.

Users and their passwords are managed in accounts.py."""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from server.auth import passwords
from server.auth.models import DeviceToken, LoginAttempt, User
from server.common.models import utcnow
from server.exceptions import Throttled, Unauthenticated
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


def _wait(username: str, address: str, attempt_id: int) -> int:
    """Seconds this try must wait, judged by the other tries in the window."""
    since = utcnow() - FAILURE_WINDOW
    waits = [0]
    for column, value, free in (
        (LoginAttempt.username, username, FREE_FAILURES_PER_USER),
        (LoginAttempt.address, address, FREE_FAILURES_PER_ADDRESS),
    ):
        count, last = db.session.execute(
            sa.select(sa.func.count(), sa.func.max(LoginAttempt.at)).where(
                column == value, LoginAttempt.at >= since, LoginAttempt.id != attempt_id
            )
        ).one()
        wait = _lockout_seconds(count, free)
        if wait and last is not None:
            last = last if last.tzinfo else last.replace(tzinfo=utcnow().tzinfo)
            remaining = (last + timedelta(seconds=wait) - utcnow()).total_seconds()
            if remaining > 0:
                waits.append(int(remaining) + 1)
    return max(waits)


def counted_try(username: str, address: str) -> None:
    """Count a password try before it is judged, or refuse it (429) during a wait.

    The try is committed first (a documented exception to "views commit"), so every
    concurrent try sees it: of N simultaneous guesses at most the free number are judged.
    A try refused by the wait is not counted, so waiting is never made longer by asking.
    """
    attempt = LoginAttempt(username=username, address=address)
    db.session.add(attempt)
    db.session.commit()
    wait = _wait(username, address, attempt.id)
    if wait:
        db.session.delete(attempt)
        db.session.commit()
        raise Throttled(
            "Too many failed logins; wait before trying again.",
            slug="login-throttled",
            retry_after=wait,
        )


def forget_tries(username: str) -> None:
    """After a success: the user name's failures no longer count (the caller commits)."""
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.username == username))


def login(username: str, password: str, address: str, device_name: str | None):
    """Return (user, token) for good credentials; the plain token is never stored.

    An unknown or inactive user costs the same password check as a real one.
    """
    counted_try(username, address)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    known = user is not None and user.active
    if not passwords.matches(user.password_hash if known else None, password):
        # The try stays counted (committed above).
        raise Unauthenticated("Wrong user name or password.", slug="bad-credentials")
    forget_tries(username)
    token = secrets.token_urlsafe(32)
    db.session.add(DeviceToken(user=user, token_hash=hash_token(token), device_name=device_name))
    db.session.commit()
    return user, token


def authenticate(token: str) -> tuple[User, DeviceToken] | None:
    # The user comes in the same round trip: every authenticated request needs both.
    device = db.session.scalar(
        sa.select(DeviceToken)
        .where(DeviceToken.token_hash == hash_token(token))
        .options(joinedload(DeviceToken.user))
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


def revoke_all(user: User, keep: DeviceToken | None = None) -> int:
    """Revoke every token of `user` but `keep` (the device asking, when it is theirs)."""
    query = sa.select(DeviceToken).where(
        DeviceToken.user_id == user.id, DeviceToken.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(DeviceToken.id != keep.id)
    return revoke(db.session.scalars(query))
