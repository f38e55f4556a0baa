"""Serving media: which blob answers a variant, signed URLs, and what is still missing.

Who may read bytes by bearer token is decided in server/access/media.py.
"""

import time
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from server.access import media as media_access
from server.access import rules
from server.auth.models import User
from server.desk.models import Job, Unit
from server.exceptions import Conflict, Forbidden, Gone, NotFound
from server.extensions import db
from server.field.models import Photo, Signature
from server.media.models import MediaObject
from server.media.service import check_sha

VARIANTS = ("original", "display", "thumb")
MISSING_LIMIT = 500


def not_found() -> NotFound:
    return NotFound.of("media")


@dataclass(frozen=True)
class Blob:
    sha256: str  # the blob's own hash: the ETag
    mime: str
    filename: str


def blob_for(media: MediaObject, variant: str, *, as_uploaded: bool = False) -> Blob:
    """Which stored blob serves `variant` of `media`, or a problem saying why not yet.

    The original is the upload itself only `as_uploaded` (server/access/media.py:
    sees_capture_metadata); anyone else gets the copy without camera or location
    metadata. A signature's PNG is the server's own rendering and carries none.
    """
    ext = "png" if media.mime == "image/png" else media.mime.rsplit("/", 1)[1]
    if variant == "original" or media.kind == "signature":
        if not media.original_kept:
            raise Gone(
                "The original was over the policy's size cap and was not kept; "
                "its hash is the media address.",
                slug="original-not-kept",
            )
        if as_uploaded or media.kind == "signature":
            return Blob(media.sha256, media.mime, f"{media.sha256}.{ext}")
        if media.stripped_sha256 is None:
            raise _not_ready(media, variant)
        return Blob(media.stripped_sha256, media.mime, f"{media.sha256}.{ext}")
    if media.status != "ready":
        raise _not_ready(media, variant)
    sha = media.display_sha256 if variant == "display" else media.thumb_sha256
    return Blob(sha, "image/jpeg", f"{media.sha256}-{variant}.jpg")


def _not_ready(media: MediaObject, variant: str) -> Conflict:
    status = media.status if media.status != "ready" else "processing"
    failed = status == "failed"
    return Conflict(
        f"The {variant} image is not ready (status: {status}).",
        slug="media-failed" if failed else "media-processing",
        retry_after=None if failed else 2,
    )


def media_for_reader(sha256: str, user: User) -> MediaObject:
    check_sha(sha256)
    media = db.session.get(MediaObject, sha256)
    if media is None or not media_access.readable(sha256, user):
        raise not_found()
    return media


def media_for_status(sha256: str, user: User) -> MediaObject:
    """The media record for its status: out of scope reads as not found."""
    check_sha(sha256)
    media = db.session.get(MediaObject, sha256)
    if media is None or not media_access.visible(sha256, user, media.uploaded_by):
        raise not_found()
    return media


# --- signed URLs ---------------------------------------------------------------


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="media-url-v1")


def sign(secret: str, sha256: str, variant: str, expires_in: int) -> tuple[str, int]:
    """A token for one variant of one media, valid until the returned Unix time."""
    expires = int(time.time()) + expires_in
    return _signer(secret).dumps([sha256, variant, expires]), expires


def signed_path(secret: str, sha256: str, variant: str, expires_in: int) -> tuple[str, int]:
    """The path of a signed URL (for webhook payloads: prefix the public base URL)."""
    token, expires = sign(secret, sha256, variant, expires_in)
    return f"/api/media/{sha256}/{variant}?token={token}", expires


def check_signed(secret: str, token: str, sha256: str, variant: str) -> None:
    """Refuse (403) a forged, mismatched or expired token."""
    try:
        signed_sha, signed_variant, expires = _signer(secret).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise Forbidden("The link signature is not valid.", slug="bad-signature") from exc
    if (signed_sha, signed_variant) != (sha256, variant):
        raise Forbidden("The link is for other media.", slug="bad-signature")
    if not isinstance(expires, int) or expires < time.time():
        raise Forbidden("The link has expired; ask for a new one.", slug="link-expired")


# --- missing media -------------------------------------------------------------


def missing(user: User, job_id: uuid.UUID | None = None) -> list[dict]:
    """Media referenced by records in the user's scope whose bytes the server lacks."""
    jobs = rules.jobs(user)
    if job_id is not None:
        jobs = jobs.where(Job.id == job_id)
    job_ids = sa.select(jobs.subquery().c.id)
    held = sa.select(MediaObject.sha256)
    found: list[dict] = []
    photos = sa.select(Photo.sha256, Photo.id, Photo.job_id).where(
        Photo.job_id.in_(job_ids), Photo.deleted_at.is_(None), Photo.sha256.not_in(held)
    )
    signatures = sa.select(Signature.png_sha256, Signature.id, Signature.job_id).where(
        Signature.job_id.in_(job_ids),
        Signature.deleted_at.is_(None),
        Signature.png_sha256.is_not(None),
        Signature.png_sha256.not_in(held),
    )
    for kind, query in (("photo", photos), ("signature", signatures)):
        for sha, record_id, jid in db.session.execute(query.limit(MISSING_LIMIT)):
            found.append({"sha256": sha, "kind": kind, "record_id": record_id, "job_id": jid})
    units = rules.units(user)
    if job_id is not None:
        unit_of_job = sa.select(jobs.subquery().c.unit_id)
        units = units.where(Unit.id.in_(unit_of_job))
    unit_rows = db.session.execute(
        sa.select(Unit.proof_of_purchase_sha256, Unit.id)
        .where(
            Unit.id.in_(sa.select(units.subquery().c.id)),
            Unit.proof_of_purchase_sha256.is_not(None),
            Unit.proof_of_purchase_sha256.not_in(held),
        )
        .limit(MISSING_LIMIT)
    )
    for sha, unit_id in unit_rows:
        found.append(
            {"sha256": sha, "kind": "proof_of_purchase", "record_id": unit_id, "job_id": None}
        )
    return found[:MISSING_LIMIT]
