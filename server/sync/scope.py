"""Which change log entries a user may read: office all, a technician or dealer their jobs'."""

import sqlalchemy as sa

from server.auth.models import OFFICE_ROLES
from server.desk.models import Job
from server.sync.models import ChangeLog
from server.warranty.models import WarrantyRecord


def _dealer_scope(user):
    """A dealer's own jobs and what hangs off them; conflicts stay with the office."""
    mine = sa.select(Job.id).where(Job.dealer_id == user.dealer_id)

    def of_my_jobs(column):
        return sa.select(column).where(Job.dealer_id == user.dealer_id)

    return sa.and_(
        ChangeLog.audience_id.is_(None),
        ChangeLog.entity != "sync_conflicts",
        sa.or_(
            ChangeLog.job_id.in_(mine),
            sa.and_(
                ChangeLog.entity == "customers",
                ChangeLog.entity_id.in_(of_my_jobs(Job.customer_id)),
            ),
            sa.and_(ChangeLog.entity == "units", ChangeLog.entity_id.in_(of_my_jobs(Job.unit_id))),
            sa.and_(ChangeLog.entity == "dealers", ChangeLog.entity_id == user.dealer_id),
            sa.and_(
                ChangeLog.entity == "warranty_records",
                ChangeLog.entity_id.in_(
                    sa.select(WarrantyRecord.id).where(
                        WarrantyRecord.unit_id.in_(of_my_jobs(Job.unit_id))
                    )
                ),
            ),
        ),
    )


def scope_filter(user):
    """Which change log entries this user may read."""
    if user.role in OFFICE_ROLES:
        return ChangeLog.audience_id.is_(None)
    if user.role == "dealer":
        return _dealer_scope(user)
    mine = sa.select(Job.id).where(Job.technician_id == user.id)

    def of_my_jobs(column):
        return sa.select(column).where(Job.technician_id == user.id)

    return sa.or_(
        ChangeLog.audience_id == user.id,
        sa.and_(ChangeLog.audience_id.is_(None), ChangeLog.job_id.in_(mine)),
        sa.and_(
            ChangeLog.entity == "customers", ChangeLog.entity_id.in_(of_my_jobs(Job.customer_id))
        ),
        sa.and_(ChangeLog.entity == "units", ChangeLog.entity_id.in_(of_my_jobs(Job.unit_id))),
        sa.and_(ChangeLog.entity == "dealers", ChangeLog.entity_id.in_(of_my_jobs(Job.dealer_id))),
        sa.and_(
            ChangeLog.entity == "warranty_records",
            ChangeLog.entity_id.in_(
                sa.select(WarrantyRecord.id).where(
                    WarrantyRecord.unit_id.in_(of_my_jobs(Job.unit_id))
                )
            ),
        ),
    )
