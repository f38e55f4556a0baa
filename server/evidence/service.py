"""Build evidence packages: at completion when every photo is in, or once the last arrives.

A completion makes a package `waiting_for_media` until every photo's bytes are held and
processed (the delivered copy, without camera metadata, exists); it is built then, once:
its manifest and the manifest's hash never change. Flushes, never commits, except
`media_ready`, which runs in the media worker after a photo is processed.
"""

import logging

import sqlalchemy as sa

from server import delivery
from server.common.models import utcnow
from server.desk.models import Job
from server.evidence import manifest
from server.evidence.models import EvidencePackage
from server.evidence.present import package_body
from server.exceptions import NotFound
from server.extensions import db
from server.field.models import Photo, Signature
from server.media.models import MediaObject

log = logging.getLogger(__name__)
# Filled by features that add to a package (the liability decision), without evidence
# importing them: {name: function(job) -> JSON-able or None}.
CONTRIBUTORS: dict = {}
# The dealer's event for a built package (docs/delivery.md): its body is the package.
EVENT_TYPE = "evidence.completed"


def latest(job_id) -> EvidencePackage | None:
    return db.session.scalar(
        sa.select(EvidencePackage)
        .where(EvidencePackage.job_id == job_id)
        .order_by(EvidencePackage.version.desc())
        .limit(1)
    )


def _missing_media(job_id) -> list[str]:
    """Hashes of the job's photos and signatures whose bytes are not in and processed yet."""
    wanted = set(
        db.session.scalars(
            sa.select(Photo.sha256).where(Photo.job_id == job_id, Photo.deleted_at.is_(None))
        )
    ) | set(
        db.session.scalars(
            sa.select(Signature.png_sha256).where(
                Signature.job_id == job_id,
                Signature.deleted_at.is_(None),
                Signature.png_sha256.is_not(None),
            )
        )
    )
    held = db.session.scalars(sa.select(MediaObject).where(MediaObject.sha256.in_(wanted)))
    done = {
        m.sha256
        for m in held
        if m.kind == "signature" or m.stripped_sha256 or m.status == "failed" or not m.original_kept
    }
    return sorted(wanted - done)


def job_completed(job: Job) -> EvidencePackage:
    """A completion: a new package (the next version of this job's), built now if it can be."""
    previous = latest(job.id)
    package = EvidencePackage(
        job_id=job.id,
        unit_id=job.unit_id,
        dealer_id=job.dealer_id,
        version=previous.version + 1 if previous else 1,
        previous_id=previous.id if previous else None,
        completed_at=job.completed_at,
        status="waiting_for_media",
    )
    db.session.add(package)
    db.session.flush()
    try_build(package, job)
    return package


def try_build(package: EvidencePackage, job: Job | None = None) -> bool:
    if package.status == "built":
        return True
    job = job or db.session.get(Job, package.job_id)
    missing = _missing_media(job.id)
    if missing:
        package.waiting_for = missing
        db.session.flush()
        return False
    extra = {name: contribute(job) for name, contribute in CONTRIBUTORS.items()}
    content = manifest.build(package, job, extra.get("liability"))
    package.manifest = content
    package.manifest_sha256 = manifest.digest(content)
    package.status, package.waiting_for, package.built_at = "built", None, utcnow()
    db.session.flush()
    announce(package)
    return True


def announce(package: EvidencePackage) -> None:
    """Write the dealer's event for a built package, in the transaction that built it (once:
    the outbox key is the package's)."""
    body = {"type": EVENT_TYPE, **package_body(package, "built", public=True)}
    event = delivery.enqueue(package.dealer_id, EVENT_TYPE, body, key=f"evidence:{package.id}")
    package.event_id = event.id
    db.session.flush()


def announce_unsent() -> int:
    """Write the dealer's event for built packages that have none (built before packages
    announced themselves); returns how many. Idempotent: the outbox key is the package's."""
    unsent = db.session.scalars(
        sa.select(EvidencePackage).where(
            EvidencePackage.status == "built", EvidencePackage.event_id.is_(None)
        )
    ).all()
    for package in unsent:
        announce(package)
    return len(unsent)


def media_ready(sha256: str) -> int:
    """A photo is in and processed: build the packages that waited for it (and commit)."""
    waiting = db.session.scalars(
        sa.select(EvidencePackage).where(EvidencePackage.status == "waiting_for_media")
    ).all()
    built = 0
    for package in waiting:
        if sha256 in (package.waiting_for or []):
            built += try_build(package)
    db.session.commit()
    return built


def get_package(job: Job, version: int | None = None) -> EvidencePackage:
    query = sa.select(EvidencePackage).where(EvidencePackage.job_id == job.id)
    if version is not None:
        query = query.where(EvidencePackage.version == version)
    package = db.session.scalar(query.order_by(EvidencePackage.version.desc()).limit(1))
    if package is None:
        raise NotFound("The job has no evidence package (it is not completed).")
    return package
