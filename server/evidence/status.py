"""A package's status as dealers see it: derived, in one place, from the package, its job
and its delivery, so it is never stored twice and never disagrees.

- waiting_for_media: completed, some photo or signature not in yet
- built: its manifest is fixed; the dealer's event is on its way
- delivered: the dealer's webhook took the event (2xx)
- accepted: the dealer accepted the job (or the office closed it): the job is locked
- reopened: the job went back to work (more evidence asked for, or re-opened)
- superseded: a later completion made a newer version
"""

import sqlalchemy as sa

from server.delivery.models import OutboxEvent
from server.desk import lifecycle
from server.desk.models import Job
from server.evidence.models import EvidencePackage
from server.extensions import db

STATUSES = ("waiting_for_media", "built", "delivered", "accepted", "reopened", "superseded")


def expression():
    """The status as a SQL expression over a query made by `joined`."""
    newer = sa.orm.aliased(EvidencePackage)
    superseded = sa.exists().where(
        newer.job_id == EvidencePackage.job_id, newer.version > EvidencePackage.version
    )
    return sa.case(
        (EvidencePackage.status != "built", EvidencePackage.status),
        (superseded, "superseded"),
        (Job.locked_at.is_not(None), "accepted"),
        (Job.status != lifecycle.COMPLETED, "reopened"),
        (OutboxEvent.status == "delivered", "delivered"),
        else_="built",
    )


def joined(query):
    """`query` (over packages) joined with what the status reads."""
    return query.join(Job, Job.id == EvidencePackage.job_id).outerjoin(
        OutboxEvent, OutboxEvent.id == EvidencePackage.event_id
    )


def of(package: EvidencePackage) -> str:
    query = joined(sa.select(expression()).select_from(EvidencePackage))
    return db.session.scalar(query.where(EvidencePackage.id == package.id))
