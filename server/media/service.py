"""Receiving media: limits by policy, the hash check, format checks, and the record."""

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError

from server.access import rules as access
from server.auth.models import User
from server.dealers.policy import default_policy
from server.exceptions import BadRequest, Refused, TooLarge
from server.extensions import db
from server.media.checks import check_image
from server.media.models import MediaObject
from server.media.storage import SHA256_RE, get_storage

COPY_BLOCK = 1024 * 1024
# Limits where the strictest value wins when several dealers' policies apply.
LIMIT_KEYS = ("max_bytes", "max_pixels", "original_cap_bytes")


def check_sha(value: str) -> str:
    """The hash from a URL, refused unless it is exactly 64 lowercase hex digits."""
    if not SHA256_RE.fullmatch(value or ""):
        raise BadRequest(
            "The media address must be a SHA-256 in lowercase hex.", slug="invalid-hash"
        )
    return value


def merge_strictest(media_policies: list[dict]) -> dict:
    """One media policy from several: lowest limits, GPS only if all keep it."""
    merged = dict(media_policies[0])
    for other in media_policies[1:]:
        for key in LIMIT_KEYS:
            merged[key] = min(merged[key], other[key])
        merged["keep_gps"] = merged["keep_gps"] and other["keep_gps"]
    return merged


def upload_policy(user: User) -> tuple[dict, object]:
    """The media policy governing an upload no record references yet, and its dealer.

    A technician's uploads are for their assigned jobs: with one dealer among them,
    that dealer's policy; with several, the strictest of them. Office staff and a
    technician with no jobs get the default policy.
    """
    if user.role == "technician":
        dealers = db.session.scalars(access.dealers(user)).all()
        if dealers:
            policies = [d.policy["media"] for d in sorted(dealers, key=lambda d: str(d.id))]
            return merge_strictest(policies), dealers[0].id if len(dealers) == 1 else None
    return default_policy()["media"], None


def get_media(sha256: str) -> MediaObject | None:
    return db.session.get(MediaObject, sha256)


def too_large(limit: int) -> TooLarge:
    return TooLarge(f"The upload is larger than the policy limit of {limit} bytes.")


def receive_to_staging(stream: BinaryIO, limit: int) -> tuple[Path, str]:
    """Copy the body into a staging file (fsynced) while hashing; refuse past `limit`."""
    store = get_storage()
    tmp = store.new_staging_file()
    digest, size = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            while block := stream.read(COPY_BLOCK):
                size += len(block)
                if size > limit:
                    raise too_large(limit)
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, digest.hexdigest()


def empty_media() -> Refused:
    return Refused("The upload is empty (zero bytes).", slug="empty-media")


def hash_mismatch(expected: str, actual: str) -> Refused:
    return Refused(
        f"The bytes hash to {actual}, not {expected}; nothing was kept.", slug="hash-mismatch"
    )


def accept_file(
    sha256: str, path: Path, user: User, media_policy: dict, dealer_id, purpose: str | None
) -> tuple[MediaObject, bool]:
    """Check a complete staging file whose hash matched, store it, record it.

    Returns (media, created). The staging file is gone afterwards, whatever happens.
    """
    try:
        held = get_media(sha256)
        if held is not None:
            return held, False
        info = check_image(path.read_bytes(), media_policy)
        size = path.stat().st_size
        get_storage().put(sha256, path)
    finally:
        path.unlink(missing_ok=True)
    media = MediaObject(
        sha256=sha256,
        kind="image",
        status="pending",
        mime=info.mime,
        byte_size=size,
        width=info.width,
        height=info.height,
        purpose=purpose,
        uploaded_by=user.id,
        dealer_id=dealer_id,
    )
    db.session.add(media)
    try:
        db.session.flush()
    except IntegrityError:
        # A concurrent upload of the same bytes won; the blob it stored is identical.
        db.session.rollback()
        return get_media(sha256), False
    return media, True


def staged_upload(stream: BinaryIO, user: User) -> tuple[Path, str]:
    """A file posted with a form (no hash known beforehand): staged and hashed, not kept
    yet. The caller records what refers to it, then `keep_staged`, or `drop_staged`."""
    limit = upload_policy(user)[0]["max_bytes"]
    tmp, actual = receive_to_staging(stream, limit)
    if tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise empty_media()
    return tmp, actual


def keep_staged(tmp: Path, sha256: str, user: User, purpose=None) -> MediaObject:
    """Check and store a staged upload (the staging file is gone afterwards, whatever
    happens); refused bytes raise like a PUT's."""
    media_policy, dealer_id = upload_policy(user)
    return accept_file(sha256, tmp, user, media_policy, dealer_id, purpose)[0]


def drop_staged(tmp: Path | None) -> None:
    if tmp is not None:
        tmp.unlink(missing_ok=True)


def put_media(
    sha256: str, stream: BinaryIO, content_length: int | None, user: User, purpose=None
) -> tuple[MediaObject, bool]:
    """PUT by content address: idempotent, hash verified before anything is kept."""
    check_sha(sha256)
    media_policy, dealer_id = upload_policy(user)
    limit = media_policy["max_bytes"]
    if content_length is not None and content_length > limit:
        raise too_large(limit)
    tmp, actual = receive_to_staging(stream, limit)
    if tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        raise empty_media()
    if actual != sha256:
        tmp.unlink(missing_ok=True)
        raise hash_mismatch(sha256, actual)
    return accept_file(sha256, tmp, user, media_policy, dealer_id, purpose)
