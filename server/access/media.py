"""Who may read media bytes: those who may read a live record that references them.

Also decided here: who sees a media's processing status and manages a chunked upload
(readers as above, plus its uploader while no record references the bytes, plus admins),
and who receives the camera and location metadata of an original (admins only).
"""

import uuid

import sqlalchemy as sa

from server.access import rules
from server.auth.models import User
from server.desk.models import Unit
from server.extensions import db
from server.field.models import Photo, Signature


def _references(sha256: str, user: User | None) -> list[sa.Select]:
    """Queries for live records referencing the hash: those `user` may read (None: all)."""
    photos = rules.of_jobs(Photo, user) if user else rules.live(Photo)
    signatures = rules.of_jobs(Signature, user) if user else rules.live(Signature)
    units = rules.units(user) if user else rules.live(Unit)
    return [
        photos.with_only_columns(Photo.id).where(Photo.sha256 == sha256),
        signatures.with_only_columns(Signature.id).where(Signature.png_sha256 == sha256),
        units.with_only_columns(Unit.id).where(Unit.proof_of_purchase_sha256 == sha256),
    ]


def _any(queries: list[sa.Select]) -> bool:
    return any(db.session.scalar(query.limit(1)) is not None for query in queries)


def readable(sha256: str, user: User) -> bool:
    """True when a photo, signature or unit in the user's scope references the hash."""
    return _any(_references(sha256, user))


def referenced(sha256: str) -> bool:
    """True when any live record, in anyone's scope, references the hash."""
    return _any(_references(sha256, None))


def visible(sha256: str, user: User, uploaded_by: uuid.UUID | None) -> bool:
    """Status and chunked upload of these bytes: readers of the bytes; their uploader while
    no record references them yet (a record may arrive first or later); admins."""
    if user.role == "admin" or readable(sha256, user):
        return True
    return uploaded_by is not None and uploaded_by == user.id and not referenced(sha256)


def sees_capture_metadata(user: User | None) -> bool:
    """Who receives an original as uploaded, with its camera and location metadata:
    admins only. Everyone else, and every signed link (`user` None), gets the stripped
    copy, which keeps GPS only where the dealer's policy says `keep_gps`."""
    return user is not None and user.role == "admin"
