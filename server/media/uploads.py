"""Chunked uploads for large files, with tus 1.0 core semantics.

The upload resource is /api/media/<sha256>/upload: POST with Upload-Length creates
it (or answers the offset of the one in progress), HEAD reports Upload-Offset,
PATCH appends a chunk at exactly the offset the server holds (409 otherwise),
DELETE abandons it. When the last byte arrives the whole file is hashed; a
mismatch deletes everything (422). Whole-file PUT stays the normal path.
"""

import hashlib
import os
from datetime import timedelta
from typing import BinaryIO

import sqlalchemy as sa

from server.access import media as media_access
from server.auth.models import User
from server.common.models import utcnow
from server.exceptions import BadRequest, Conflict, NotFound, TooLarge
from server.extensions import db
from server.media.models import MediaObject, MediaUpload
from server.media.service import (
    COPY_BLOCK,
    accept_file,
    check_sha,
    empty_media,
    get_media,
    hash_mismatch,
    too_large,
    upload_policy,
)
from server.media.storage import get_storage

WRITE_LEASE = timedelta(seconds=120)


class OffsetMismatch(Conflict):
    """The chunk is not at the offset the server holds (`offset`); the API says which."""

    slug = "offset-mismatch"

    def __init__(self, detail: str, offset: int, **kwargs):
        super().__init__(detail, **kwargs)
        self.offset = offset


def _offset_conflict(current: int) -> OffsetMismatch:
    return OffsetMismatch(
        f"The server holds {current} bytes of this upload; send from that offset.", current
    )


def _no_upload() -> NotFound:
    return NotFound("No upload of this hash is in progress.")


def _upload_for(sha256: str, user: User) -> MediaUpload:
    """The upload in progress, if `user` may see and manage it (server/access/media.py);
    anyone else's reads as none at all."""
    upload = db.session.get(MediaUpload, sha256)
    if upload is None or not media_access.visible(sha256, user, upload.uploaded_by):
        raise _no_upload()
    return upload


def create(sha256: str, length: int | None, user: User, purpose=None) -> tuple[int, int]:
    """Start (or resume) a chunked upload; returns (offset, length)."""
    check_sha(sha256)
    if (held := get_media(sha256)) is not None:
        return held.byte_size, held.byte_size
    if length is None:
        raise BadRequest("Upload-Length is required.", slug="upload-length-required")
    if length <= 0:
        raise empty_media()
    limit = upload_policy(user)[0]["max_bytes"]
    if length > limit:
        raise too_large(limit)
    upload = db.session.get(MediaUpload, sha256)
    if upload is not None:
        if not media_access.visible(sha256, user, upload.uploaded_by):
            raise Conflict(
                "Someone else is uploading these bytes in chunks; send them whole with PUT.",
                slug="upload-in-progress",
            )
        if upload.upload_length != length:
            raise Conflict(
                f"An upload of this hash with {upload.upload_length} bytes is in progress.",
                slug="upload-length-mismatch",
            )
        return upload.upload_offset, upload.upload_length
    store = get_storage()
    store.part_path(sha256).write_bytes(b"")
    db.session.add(
        MediaUpload(sha256=sha256, upload_length=length, purpose=purpose, uploaded_by=user.id)
    )
    db.session.commit()
    return 0, length


def status(sha256: str, user: User) -> tuple[int, int]:
    check_sha(sha256)
    if (held := get_media(sha256)) is not None:
        return held.byte_size, held.byte_size
    upload = _upload_for(sha256, user)
    return upload.upload_offset, upload.upload_length


def _lock(sha256: str, offset: int) -> bool:
    """Take the write lease, only at the expected offset (one writer across processes)."""
    now = utcnow()
    result = db.session.execute(
        sa.update(MediaUpload)
        .where(
            MediaUpload.sha256 == sha256,
            MediaUpload.upload_offset == offset,
            sa.or_(MediaUpload.locked_until.is_(None), MediaUpload.locked_until < now),
        )
        .values(locked_until=now + WRITE_LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _append(path, offset: int, stream: BinaryIO, room: int) -> int:
    """Write the chunk at `offset`; refuse (and undo) more than `room` bytes."""
    written = 0
    with open(path, "r+b") as out:
        # A crashed earlier write may have left bytes past the recorded offset.
        out.truncate(offset)
        out.seek(offset)
        try:
            while block := stream.read(COPY_BLOCK):
                written += len(block)
                if written > room:
                    raise TooLarge(
                        f"The chunk goes past Upload-Length ({room} bytes remained).",
                        slug="chunk-too-large",
                    )
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        except BaseException:
            out.truncate(offset)
            raise
    return written


def append(sha256: str, offset: int, stream: BinaryIO, user: User):
    """PATCH: add a chunk at `offset`. Returns (new_offset, media or None, created)."""
    check_sha(sha256)
    if (held := get_media(sha256)) is not None:
        return held.byte_size, held, False
    upload = _upload_for(sha256, user)
    if not _lock(sha256, offset):
        db.session.refresh(upload)
        if upload.upload_offset != offset:
            raise _offset_conflict(upload.upload_offset)
        raise OffsetMismatch(
            "Another chunk of this upload is being written; retry shortly.",
            offset,
            slug="upload-busy",
            retry_after=2,
        )
    path = get_storage().part_path(sha256)
    try:
        written = _append(path, offset, stream, upload.upload_length - offset)
    except BaseException:
        db.session.rollback()
        _unlock(sha256)
        raise
    new_offset = offset + written
    db.session.execute(
        sa.update(MediaUpload)
        .where(MediaUpload.sha256 == sha256)
        .values(upload_offset=new_offset, locked_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(upload)
    if new_offset < upload.upload_length:
        return new_offset, None, False
    return new_offset, *_finish(upload, user)


def _unlock(sha256: str) -> None:
    db.session.execute(
        sa.update(MediaUpload)
        .where(MediaUpload.sha256 == sha256)
        .values(locked_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _finish(upload: MediaUpload, user: User) -> tuple[MediaObject, bool]:
    """All bytes are in: verify the hash, check the image, keep it or keep nothing."""
    sha256 = upload.sha256
    store = get_storage()
    path = store.part_path(sha256)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(COPY_BLOCK):
            digest.update(block)
    media_policy, dealer_id = upload_policy(user)
    purpose = upload.purpose
    db.session.delete(upload)
    db.session.flush()
    try:
        if digest.hexdigest() != sha256:
            raise hash_mismatch(sha256, digest.hexdigest())
        media, created = accept_file(sha256, path, user, media_policy, dealer_id, purpose)
    except BaseException:
        path.unlink(missing_ok=True)
        db.session.commit()  # the upload row goes too: nothing half-written stays
        raise
    return media, created


def abandon(sha256: str, user: User) -> None:
    """DELETE (tus termination): drop the partial bytes and the upload row."""
    check_sha(sha256)
    upload = _upload_for(sha256, user)
    db.session.delete(upload)
    db.session.commit()
    get_storage().part_path(sha256).unlink(missing_ok=True)


def sweep(older_than: timedelta) -> int:
    """Drop chunked uploads untouched for `older_than`, and stray staging files."""
    cutoff = utcnow() - older_than
    stale = db.session.scalars(
        sa.select(MediaUpload).where(
            MediaUpload.updated_at < cutoff,
            sa.or_(MediaUpload.locked_until.is_(None), MediaUpload.locked_until < utcnow()),
        )
    ).all()
    store = get_storage()
    for upload in stale:
        db.session.delete(upload)
    db.session.commit()
    for upload in stale:
        store.part_path(upload.sha256).unlink(missing_ok=True)
    # A staging file only outlives its request when that process died mid-upload.
    limit = cutoff.timestamp()
    if store.staging.is_dir():
        for path in store.staging.iterdir():
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
    return len(stale)
