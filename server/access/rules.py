"""Who may see which rows. Every visibility rule of the project is written here, once.

The REST queries, the device pull (snapshot and change-log filter), the push scope
and the media checks are all built from these functions, so they cannot disagree.

- Office (admin, dispatcher): every live row.
- Technician: the jobs assigned to them while on the device (`on_device`: open or
  completed, and not locked; a job leaves once cancelled, closed, dealer-approved or
  deleted, and an admin's unlock brings it back), and those jobs' customers, units,
  warranty records, dealers, visits, evidence and conflicts. Nothing else, and nothing
  once a job leaves.
- Dealer: its own jobs (`jobs.dealer_id`, every status), the units it owns now
  (`units.dealer_id`: a unit moved to another dealer is no longer the old one's, and
  its open jobs move with it), those units' customers and warranty records, customers
  of its unit-less jobs, its own dealer row, the evidence of its jobs; no conflicts;
  the complaints about it (`complaints.dealer_id`), read-only (the office handles them).

Out of scope reads as "not found" (404), so ids don't leak.
"""

import sqlalchemy as sa

from server.auth.models import OFFICE_ROLES, User
from server.care.models import Complaint
from server.dealers.models import Dealer
from server.desk.lifecycle import ON_DEVICE
from server.desk.models import Customer, Job, ServiceRequest, Unit
from server.exceptions import NotFound
from server.extensions import db
from server.warranty.models import WarrantyRecord


def _live(model, with_deleted: bool = False) -> sa.Select:
    query = sa.select(model)
    return query if with_deleted else query.where(model.deleted_at.is_(None))


def live(model) -> sa.Select:
    """Every live row, whoever asks: for facts that are not reads (is a hash referenced?)."""
    return _live(model)


def _nothing(query: sa.Select) -> sa.Select:
    return query.where(sa.false())


def on_device(status: str, locked: bool) -> bool:
    """Whether a technician's device holds their job in this state: the one definition.

    Open or completed work (`lifecycle.ON_DEVICE`), until the job is locked (approved by
    its dealer, or closed): a locked job is done with, and a first pull would otherwise
    grow forever. `on_device_sql` is the same rule as a query, for what the device pulls.
    """
    return status in ON_DEVICE and not locked


def on_device_sql():
    """`on_device` as a clause on jobs (tests/access/test_rules.py keeps the two equal)."""
    return sa.and_(Job.status.in_(ON_DEVICE), Job.locked_at.is_(None))


def jobs(user: User, *, with_deleted: bool = False) -> sa.Select:
    query = _live(Job, with_deleted)
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "technician":
        return query.where(Job.technician_id == user.id, on_device_sql())
    if user.role == "dealer":
        return query.where(Job.dealer_id == user.dealer_id)
    return _nothing(query)


def job_ids(user: User) -> sa.Select:
    return jobs(user).with_only_columns(Job.id)


def units(user: User, *, with_deleted: bool = False) -> sa.Select:
    """`with_deleted`: also rows deleted since, so their tombstones reach the devices."""
    query = _live(Unit, with_deleted)
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        return query.where(Unit.dealer_id == user.dealer_id)
    if user.role == "technician":
        return query.where(Unit.id.in_(jobs(user).with_only_columns(Job.unit_id)))
    return _nothing(query)


def unit_ids(user: User, *, with_deleted: bool = False) -> sa.Select:
    return units(user, with_deleted=with_deleted).with_only_columns(Unit.id)


def customers(user: User, *, with_deleted: bool = False) -> sa.Select:
    query = _live(Customer, with_deleted)
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "technician":
        return query.where(Customer.id.in_(jobs(user).with_only_columns(Job.customer_id)))
    if user.role == "dealer":
        owners = units(user).with_only_columns(Unit.customer_id)
        unitless = jobs(user).where(Job.unit_id.is_(None)).with_only_columns(Job.customer_id)
        return query.where(sa.or_(Customer.id.in_(owners), Customer.id.in_(unitless)))
    return _nothing(query)


def customer_ids(user: User, *, with_deleted: bool = False) -> sa.Select:
    return customers(user, with_deleted=with_deleted).with_only_columns(Customer.id)


def dealers(user: User) -> sa.Select:
    query = sa.select(Dealer)
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        return query.where(Dealer.id == user.dealer_id)
    if user.role == "technician":
        return query.where(Dealer.id.in_(jobs(user).with_only_columns(Job.dealer_id)))
    return _nothing(query)


def dealer_ids(user: User) -> sa.Select:
    return dealers(user).with_only_columns(Dealer.id)


def requests(user: User) -> sa.Select:
    query = _live(ServiceRequest)
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        return query.where(ServiceRequest.dealer_id == user.dealer_id)
    return _nothing(query)


def warranty_records(user: User, *, with_deleted: bool = False) -> sa.Select:
    query = _live(WarrantyRecord, with_deleted)
    if user.role in OFFICE_ROLES:
        return query
    return query.where(WarrantyRecord.unit_id.in_(unit_ids(user)))


def warranty_record_ids(user: User, *, with_deleted: bool = False) -> sa.Select:
    return warranty_records(user, with_deleted=with_deleted).with_only_columns(WarrantyRecord.id)


def of_jobs(model, user: User) -> sa.Select:
    """Rows hanging off a job (visits, evidence): readable with the job."""
    query = _live(model)
    if user.role in OFFICE_ROLES:
        return query
    return query.where(model.job_id.in_(job_ids(user)))


def complaints(user: User) -> sa.Select:
    """The office: all; a dealer: those about its units and jobs (to follow up with its
    customers); a technician: none (they are about the technician's work, too)."""
    query = _live(Complaint)
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        return query.where(Complaint.dealer_id == user.dealer_id)
    return _nothing(query)


def sees_conflicts(user: User) -> bool:
    """Conflicts are the office's business; a technician sees those of their own jobs."""
    return user.role != "dealer"


QUERIES = {
    Job: jobs,
    Unit: units,
    Customer: customers,
    ServiceRequest: requests,
    Dealer: dealers,
    WarrantyRecord: warranty_records,
    Complaint: complaints,
}
NAMES = {ServiceRequest: "service request", Dealer: "dealer"}


def get(model, row_id, user: User, *, with_deleted: bool = False, for_update: bool = False):
    """The row if `user` may see it; else NotFound, exactly as if it did not exist.

    `with_deleted`: soft-deleted rows count too (to restore one). `for_update`: lock the
    row until commit, for a write (a push touching it waits, and so does this).
    """
    if model in QUERIES:
        query = QUERIES[model](user, **({"with_deleted": True} if with_deleted else {}))
    else:
        query = of_jobs(model, user)
    query = query.where(model.id == row_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = db.session.scalar(query)
    if row is None:
        name = NAMES.get(model) or model.__tablename__.removesuffix("s").replace("_", " ")
        raise NotFound.of(name)
    return row


def get_of_job(model, row_id, job, user: User, *, for_update: bool = False):
    """A visit or record of this job that `user` may see; NotFound otherwise."""
    row = get(model, row_id, user, for_update=for_update)
    if row.job_id != job.id:
        raise NotFound.of(model.__tablename__.removesuffix("s").replace("_", " "))
    return row


def audience_of(user: User):
    """The key a user's device receives scope events (enter / remove) under."""
    if user.role == "technician":
        return user.id
    if user.role == "dealer":
        return user.dealer_id
    return None


def audiences(*, technician_id, dealer_id, status, locked: bool, deleted: bool) -> set:
    """Whose devices hold a job in this state: its dealer's, and its technician's while
    `on_device`. The change log emits enter / remove when this set changes."""
    if deleted:
        return set()
    held = {dealer_id}
    if technician_id is not None and on_device(status, locked):
        held.add(technician_id)
    return held
