"""Who may read media bytes: those who may read a live record that references them."""

from server.access import rules
from server.auth.models import User
from server.desk.models import Unit
from server.extensions import db
from server.field.models import Photo, Signature


def readable(sha256: str, user: User) -> bool:
    """True when a photo, signature or unit in the user's scope references the hash."""
    refs = [
        rules.of_jobs(Photo, user).with_only_columns(Photo.id).where(Photo.sha256 == sha256),
        rules.of_jobs(Signature, user)
        .with_only_columns(Signature.id)
        .where(Signature.png_sha256 == sha256),
        rules.units(user).with_only_columns(Unit.id).where(Unit.proof_of_purchase_sha256 == sha256),
    ]
    return any(db.session.scalar(ref.limit(1)) is not None for ref in refs)
