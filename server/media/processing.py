"""Deriving display and thumbnail after the upload is verified, off the request.

A state machine in `media_objects`, safe with any number of processes: a worker
claims a row with one conditional UPDATE (pending, or processing with an expired
lease), so two processes never derive the same media at once, and a process that
died mid-way leaves a lease that expires and is claimed again.
"""

import hashlib
import logging
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from server.auth.models import User
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.dealers.policy import default_policy
from server.desk.models import Job
from server.extensions import db
from server.field.models import Photo
from server.media.gc import drop_superseded
from server.media.imaging import normalize, profile_for
from server.media.models import MediaObject
from server.media.service import upload_policy
from server.media.storage import get_storage
from server.media.strip import strip

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3
_threads: list[threading.Thread] = []


def claim(sha256: str) -> bool:
    """Take the processing lease on one media row; False when someone else holds it."""
    now = utcnow()
    claimable = sa.or_(
        MediaObject.status == "pending",
        sa.and_(MediaObject.status == "processing", MediaObject.claimed_at < now - LEASE),
    )
    result = db.session.execute(
        sa.update(MediaObject)
        .where(MediaObject.sha256 == sha256, claimable, MediaObject.attempts < MAX_ATTEMPTS)
        .values(status="processing", claimed_at=now, attempts=MediaObject.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _policy_and_purpose(media: MediaObject) -> tuple[dict, str | None]:
    """A Photo record's job decides, when one exists; else the uploader's policy."""
    photo = db.session.scalar(
        sa.select(Photo).where(Photo.sha256 == media.sha256, Photo.deleted_at.is_(None)).limit(1)
    )
    if photo is not None:
        dealer = db.session.get(Dealer, db.session.get(Job, photo.job_id).dealer_id)
        return dealer.policy["media"], photo.purpose
    if media.dealer_id is not None:
        return db.session.get(Dealer, media.dealer_id).policy["media"], media.purpose
    uploader = db.session.get(User, media.uploaded_by) if media.uploaded_by else None
    if uploader is not None:
        return upload_policy(uploader)[0], media.purpose
    return default_policy()["media"], media.purpose


def process(sha256: str) -> str | None:
    """Derive one claimed media's stripped original, display and thumbnail; returns the
    final status."""
    if not claim(sha256):
        return None
    media = db.session.get(MediaObject, sha256)
    store = get_storage()
    # The files a re-process may supersede, as they are now (see gc.drop_superseded).
    old = (media.display_sha256, media.thumb_sha256, media.stripped_sha256)
    previous = {h: store.identity(h) for h in old if h}
    stripped = None  # (hash, GPS kept): recorded even if the display fails below
    try:
        media_policy, purpose = _policy_and_purpose(media)
        keep_gps = media_policy["keep_gps"]
        with store.open(sha256) as source:
            original = source.read()
        over_cap = media.byte_size > media_policy["original_cap_bytes"]
        if not over_cap:
            copy = strip(original, keep_gps)
            stripped = (_put(store, copy), keep_gps)
        derived = normalize(original, profile_for(media_policy, purpose))
        media.display_sha256 = _put(store, derived.display)
        media.thumb_sha256 = _put(store, derived.thumb)
        media.stripped_sha256, media.gps_kept = stripped or (None, keep_gps)
        kept = {media.display_sha256, media.thumb_sha256, media.stripped_sha256}
        media.display_width, media.display_height = derived.width, derived.height
        media.display_bytes = len(derived.display)
        media.status, media.error = "ready", None
        media.purpose = purpose  # the purpose the display was derived for
        media.original_kept = not over_cap
        db.session.commit()
        if over_cap:
            # Only after the derived files are recorded: the key keeps the original's hash.
            store.delete(sha256)
        superseded = {h: v for h, v in previous.items() if h not in kept}
    except Exception as exc:
        db.session.rollback()
        log.exception("media %s failed to process", sha256)
        media = db.session.get(MediaObject, sha256)
        media.status = "failed" if media.attempts >= MAX_ATTEMPTS else "pending"
        media.error = f"{exc.__class__.__name__}"[:300]
        if stripped:
            # The evidence stays readable without its metadata when the display fails.
            media.stripped_sha256, media.gps_kept = stripped
        db.session.commit()
        if media.status == "failed":
            _tell(sha256)  # final: evidence waiting for it builds without its derived files
        return media.status
    if superseded:
        # A re-process (another size profile) supersedes the old files: they go only
        # now that the new ones are recorded, and only if nothing else uses them.
        try:
            drop_superseded(superseded)
        except Exception:
            log.exception("media %s: old derived files left for the orphan sweep", sha256)
    _tell(sha256)
    return media.status


# Told, after the commit, that a media is processed for good (the evidence package waits
# for its photos): functions(sha256) registered by features that care, so media imports
# none of them. A failure there is theirs to log; the processing stands.
ON_PROCESSED: list = []


def _tell(sha256: str) -> None:
    for hook in ON_PROCESSED:
        try:
            hook(sha256)
        except Exception:
            db.session.rollback()
            log.exception("after processing media %s", sha256)


def _put(store, blob: bytes) -> str:
    sha = hashlib.sha256(blob).hexdigest()
    store.put_bytes(sha, blob)
    return sha


def schedule(sha256: str, app: Flask | None = None) -> None:
    """Leave it to the worker (`MEDIA_PROCESSING=worker`, the default), or process in a
    thread of this process ("thread"), or now, within the request ("inline": tests).

    The worker (`flask worker`, server/delivery/worker.py) finds pending media in the
    database, so a restart of this process loses none of it; a thread dies with it.
    "off" is the older name of "worker".
    """
    app = app or current_app._get_current_object()
    mode = app.config.get("MEDIA_PROCESSING", "worker")
    if mode in ("worker", "off"):
        return
    if mode == "inline":
        process(sha256)
        return

    def run():
        with app.app_context():
            try:
                process(sha256)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, name=f"media-{sha256[:8]}", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()]
    _threads.append(thread)
    thread.start()


def wait_for_background(timeout: float = 30.0) -> None:
    """Join the background threads this process started (tests, graceful shutdown)."""
    for thread in list(_threads):
        thread.join(timeout)


def photo_recorded(sha256: str, purpose: str, media_policy: dict) -> bool:
    """Re-derive when a Photo record's purpose needs another size than the bytes got, or
    the record's dealer does not keep the GPS the uploader's policy kept.

    For the sync feature's add_photo: bytes uploaded before their record were processed
    with the uploader's hint; a gauge photo must not stay at 1600 px 4:2:0. Returns True
    when the media went back to pending; the caller commits, then calls schedule(sha256).
    """
    media = db.session.get(MediaObject, sha256)
    if media is None or media.kind != "image" or media.status not in ("ready", "failed"):
        return False
    # Derived under the uploader's policy, which kept GPS the record's dealer does not keep.
    gps_dropped = media.gps_kept and not media_policy["keep_gps"]
    same_size = profile_for(media_policy, purpose) == profile_for(media_policy, media.purpose)
    if same_size and not gps_dropped:
        return False
    if not media.original_kept:
        return False  # the original is gone; the display made from it stays
    media.status, media.attempts, media.claimed_at = "pending", 0, None
    return True


def photos_recorded(photos: list[tuple[str, str, object]]) -> None:
    """After a push committed Photo records: re-derive bytes that are already held but were
    sized for another purpose. `photos` holds (sha256, purpose, dealer_id); one query finds
    the held ones, so a push of records whose bytes are still on the phone costs no more."""
    held = set(
        db.session.scalars(
            sa.select(MediaObject.sha256).where(
                MediaObject.sha256.in_({sha for sha, _, _ in photos})
            )
        )
    )
    policies: dict = {}
    again = []
    for sha256, purpose, dealer_id in photos:
        if sha256 not in held:
            continue
        if dealer_id not in policies:
            policies[dealer_id] = db.session.get(Dealer, dealer_id).policy["media"]
        if photo_recorded(sha256, purpose, policies[dealer_id]):
            again.append(sha256)
    if again:
        db.session.commit()
        for sha256 in again:
            schedule(sha256)


def process_pending(limit: int = 100) -> int:
    """Process what is pending or whose lease expired (the worker's turn, the CLI sweep; any
    process may run it); returns how many became ready."""
    stale = utcnow() - LEASE
    shas = db.session.scalars(
        sa.select(MediaObject.sha256)
        .where(
            sa.or_(
                MediaObject.status == "pending",
                sa.and_(MediaObject.status == "processing", MediaObject.claimed_at < stale),
            ),
            MediaObject.attempts < MAX_ATTEMPTS,
        )
        .limit(limit)
    ).all()
    return sum(1 for sha in shas if process(sha) == "ready")


def needs_nudge(media: MediaObject) -> bool:
    """Pending with no live worker (e.g. the process that received it restarted)."""
    if media.status == "processing":
        return media.claimed_at is not None and media.claimed_at < utcnow() - LEASE
    return media.status == "pending" and media.updated_at < utcnow() - timedelta(seconds=30)
