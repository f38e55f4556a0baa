"""Garbage collection of stored blobs: what no media_objects row references.

Blobs reach storage before the row that references them commits (the bytes must be
complete first), so a failed commit or a crash leaves an orphan; a re-process leaves
the previous display and thumbnail behind. Deleting either is safe only for files
stored longer ago than any request or processing run can take (the grace period),
and only through `LocalStorage.discard`, which survives a concurrent put of the same
bytes (docs/media.md, "Garbage collection").
"""

import time
from datetime import timedelta

import sqlalchemy as sa

from server.extensions import db
from server.media.models import MediaObject
from server.media.storage import get_storage

# Longer than a request or a processing lease (5 minutes) can hold a stored, uncommitted blob.
MIN_GRACE = timedelta(minutes=15)
DEFAULT_GRACE = timedelta(hours=24)
BATCH = 500
COLUMNS = (
    MediaObject.sha256,
    MediaObject.display_sha256,
    MediaObject.thumb_sha256,
    MediaObject.stripped_sha256,
)


def referenced_among(hashes: list[str]) -> set[str]:
    """The hashes some media row uses: original, display, thumbnail or stripped copy."""
    found: set[str] = set()
    for column in COLUMNS:
        found.update(db.session.scalars(sa.select(column).where(column.in_(hashes))))
    return found


def is_referenced(sha256: str) -> bool:
    db.session.commit()  # end any read snapshot: see rows committed a moment ago
    return bool(referenced_among([sha256]))


def sweep_orphans(grace: timedelta = DEFAULT_GRACE) -> dict:
    """Delete blobs no media row references, stored more than `grace` ago.

    Returns counts: {"checked", "deleted", "kept_recent", "restored"}.
    """
    if grace < MIN_GRACE:
        raise ValueError(f"the grace period must be at least {MIN_GRACE}")
    store = get_storage()
    restored = store.recover_trash(is_referenced)
    cutoff = time.time() - grace.total_seconds()
    counts = {"checked": 0, "deleted": 0, "kept_recent": 0, "restored": restored}
    batch: list[str] = []

    def flush() -> None:
        used = referenced_among(batch)
        for sha256 in batch:
            if sha256 not in used and store.discard(
                sha256, cutoff, lambda s=sha256: not is_referenced(s)
            ):
                counts["deleted"] += 1
        batch.clear()

    for sha256, stat in store.blobs():
        counts["checked"] += 1
        if stat.st_mtime >= cutoff:
            counts["kept_recent"] += 1
            continue
        batch.append(sha256)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    db.session.commit()
    return counts


def drop_superseded(files: dict[str, tuple[int, int, int] | None]) -> int:
    """After a re-process committed new derived files: delete the old ones.

    `files` maps each old hash to the identity its file had when the run claimed the
    media (LocalStorage.identity). A file is deleted only if it is still that file (no
    put of the same bytes since) and no media row references it any more; anything
    else waits for the orphan sweep.
    """
    store = get_storage()
    deleted = 0
    for sha256, identity in sorted(files.items()):
        if identity is not None and store.discard(
            sha256, float("inf"), lambda s=sha256: not is_referenced(s), expect=identity
        ):
            deleted += 1
    return deleted
