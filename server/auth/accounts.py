"""Users: creation, deactivation, passwords. Raises server.exceptions; the caller commits.

Every change is audited; no audit entry ever holds a password or its hash.
"""

import sqlalchemy as sa

from server.audit.service import record
from server.auth import passwords, service
from server.auth.models import DeviceToken, User
from server.dealers.models import Dealer
from server.exceptions import Conflict, Invalid, NotFound
from server.extensions import db


def get_user(user_id) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound.of("user")
    return user


def create_user(args: dict) -> User:
    if (args["role"] == "dealer") != (args["dealer_id"] is not None):
        raise Invalid(
            "dealer_id",
            "required for role dealer, and only for it",
            detail="A dealer user needs dealer_id, and only a dealer user may have one.",
        )
    if args["dealer_id"] and db.session.get(Dealer, args["dealer_id"]) is None:
        raise Invalid("dealer_id", "unknown", detail="No such dealer.")
    password = args.pop("password")
    passwords.check_strength(password, args["username"])
    if db.session.scalar(sa.select(User.id).where(User.username == args["username"])):
        raise Conflict("That user name is taken.")
    user = User(**args)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("create", "user", user.id, {"username": user.username, "role": user.role})
    return user


def set_active(user: User, active: bool, acting: User) -> User:
    """Deactivate (every device signed out) or reactivate a user; never oneself."""
    if user.id == acting.id:
        raise Conflict("You cannot deactivate or reactivate your own account.", slug="own-account")
    if user.active == active:
        return user
    user.active = active
    data: dict = {"username": user.username}
    if not active:
        # Revoked, not just refused while inactive: reactivating must not revive a lost phone.
        data["revoked"] = service.revoke_all(user)
    record("reactivate" if active else "deactivate", "user", user.id, data)
    db.session.flush()
    return user


def set_password(user: User, password: str, keep: DeviceToken | None = None) -> int:
    """An admin sets a user's password; the user's devices are signed out (but `keep`).

    Returns how many tokens were revoked.
    """
    passwords.check_strength(password, user.username)
    user.set_password(password)
    revoked = service.revoke_all(user, keep=keep)
    record("set_password", "user", user.id, {"username": user.username, "revoked": revoked})
    db.session.flush()
    return revoked


def change_own_password(
    user: User, current: str, new: str, device: DeviceToken, address: str
) -> int:
    """A user changes their password by giving the current one; every OTHER device of
    theirs is signed out. Tries count against the login throttle (a stolen token must not
    guess the password at full speed). Returns how many tokens were revoked."""
    passwords.check_strength(new, user.username, field="new_password")
    service.counted_try(user.username, address)
    if not user.check_password(current):
        raise Invalid(
            "current_password",
            "is wrong",
            detail="The current password is wrong.",
            slug="wrong-password",
        )
    service.forget_tries(user.username)
    user.set_password(new)
    revoked = service.revoke_all(user, keep=device)
    record("change_password", "user", user.id, {"revoked": revoked})
    db.session.flush()
    return revoked
