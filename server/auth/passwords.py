"""What a password must be, and checking one with the same work whoever asks."""

import secrets
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

from server.exceptions import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 200
MIN_DISTINCT = 4
# The guesses every tool tries first (and the demo password): refused outright.
COMMON = frozenset(
    {
        "password",
        "password1",
        "passw0rd",
        "12345678",
        "123456789",
        "1234567890",
        "87654321",
        "qwertyui",
        "qwerty123",
        "1q2w3e4r",
        "abc12345",
        "admin123",
        "iloveyou",
        "woaini1314",
        "a1234567",
        "aa123456",
        "demo1234",
    }
)


def check_strength(password: str, username: str, field: str = "password") -> None:
    """Refuse (422, naming `field`) a password anyone would guess first."""
    problem = None
    if not password or not password.strip():
        problem = "must not be empty"
    elif len(password) < MIN_LENGTH:
        problem = f"must have at least {MIN_LENGTH} characters"
    elif len(password) > MAX_LENGTH:
        problem = f"must have at most {MAX_LENGTH} characters"
    elif len(set(password)) < MIN_DISTINCT:
        problem = f"must use at least {MIN_DISTINCT} different characters"
    elif password.lower() in COMMON or password.lower() == username.lower():
        problem = "is too easy to guess"
    if problem:
        raise Invalid(field, problem, detail=f"The password {problem}.", slug="weak-password")


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


@cache
def _dummy_hash() -> str:
    # Same method and cost as a real hash, of a secret nobody knows.
    return hash_password(secrets.token_urlsafe(24))


def matches(password_hash: str | None, password: str) -> bool:
    """Check `password`; without a hash (unknown or inactive user) check a dummy one, so
    the answer takes as long as for a real user and timing tells no user names apart."""
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
