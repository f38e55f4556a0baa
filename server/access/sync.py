"""Access for devices: which change-log entries a pull delivers, which jobs a push may touch.

Both are built from `rules.py`, so a device never receives what the REST API would
refuse the same user, and a change made after a row left a user's scope never reaches
that user's device (the filter is evaluated when the device pulls, not when the change
was written).
"""

import sqlalchemy as sa

from server.access import rules
from server.auth.models import OFFICE_ROLES, User
from server.desk.models import Customer, Job, Unit
from server.extensions import db
from server.field.models import Visit
from server.sync.models import ChangeLog
from server.warranty.models import WarrantyRecord


def log_filter(user: User):
    """Which change-log entries this user's device may read.

    A device holds jobs and what they need: a customer, unit or warranty record reaches
    it while the user may read it (rules.py) and one of the device's jobs refers to it.
    Rows deleted since still count, so their tombstones arrive.
    """
    if user.role in OFFICE_ROLES:
        return ChangeLog.audience_id.is_(None)
    jobs = rules.jobs(user)
    customers = rules.customer_ids(user, with_deleted=True).where(
        Customer.id.in_(jobs.with_only_columns(Job.customer_id))
    )
    units = rules.unit_ids(user, with_deleted=True).where(
        Unit.id.in_(jobs.with_only_columns(Job.unit_id))
    )
    warranty = rules.warranty_record_ids(user, with_deleted=True).where(
        WarrantyRecord.unit_id.in_(units)
    )

    def entity_in(entity, ids):
        return sa.and_(ChangeLog.entity == entity, ChangeLog.entity_id.in_(ids))

    shared = sa.or_(
        ChangeLog.job_id.in_(jobs.with_only_columns(Job.id)),
        entity_in("customers", customers),
        entity_in("units", units),
        entity_in("dealers", rules.dealer_ids(user)),
        entity_in("warranty_records", warranty),
    )
    clause = sa.or_(
        ChangeLog.audience_id == rules.audience_of(user),
        sa.and_(ChangeLog.audience_id.is_(None), shared),
    )
    if not rules.sees_conflicts(user):
        clause = sa.and_(clause, ChangeLog.entity != "sync_conflicts")
    return clause


def pushable(user: User):
    """A clause on jobs: those a push by `user` may touch (push_standing is not None);
    like push_standing, not limited to the jobs on the device."""
    if user.role in OFFICE_ROLES:
        return sa.true()
    return sa.or_(
        Job.technician_id == user.id,
        Job.id.in_(sa.select(ChangeLog.job_id).where(ChangeLog.audience_id == user.id)),
        Job.id.in_(sa.select(Visit.job_id).where(Visit.technician_id == user.id)),
    )


def push_standing(user: User, job) -> str | None:
    """'assigned': the user may work on the job; 'had': it was on their device once, so
    their work on it is kept (and held for an admin); None: it never was theirs.

    Wider than what the device holds (rules.on_device), on purpose: a job that left the
    device while it was offline (cancelled, closed, approved, reassigned) is still the
    pusher's to answer for, and sync/context.job_for says why its work is held."""
    if user.role in OFFICE_ROLES or job.technician_id == user.id:
        return "assigned"
    had = db.session.scalar(
        sa.select(sa.literal(True))
        .where(ChangeLog.job_id == job.id, ChangeLog.audience_id == user.id)
        .limit(1)
    ) or db.session.scalar(
        sa.select(sa.literal(True)).where(Visit.job_id == job.id, Visit.technician_id == user.id)
    )
    return "had" if had else None
