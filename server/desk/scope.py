"""Who may see which rows. Out of scope reads as 'not found', so ids don't leak."""

import sqlalchemy as sa

from server.auth.models import OFFICE_ROLES, User
from server.desk.models import Customer, Job, ServiceRequest, Unit
from server.errors import ProblemError
from server.extensions import db


def jobs_query(user: User) -> sa.Select:
    query = sa.select(Job).where(Job.deleted_at.is_(None))
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "technician":
        return query.where(Job.technician_id == user.id)
    if user.role == "dealer":
        return query.where(Job.dealer_id == user.dealer_id)
    return query.where(sa.false())


def units_query(user: User) -> sa.Select:
    query = sa.select(Unit).where(Unit.deleted_at.is_(None))
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        return query.where(Unit.dealer_id == user.dealer_id)
    if user.role == "technician":
        mine = sa.select(Job.unit_id).where(Job.technician_id == user.id, Job.unit_id.isnot(None))
        return query.where(Unit.id.in_(mine))
    return query.where(sa.false())


def customers_query(user: User) -> sa.Select:
    query = sa.select(Customer).where(Customer.deleted_at.is_(None))
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        theirs = sa.select(Unit.customer_id).where(Unit.dealer_id == user.dealer_id)
        return query.where(Customer.id.in_(theirs))
    if user.role == "technician":
        mine = sa.select(Job.customer_id).where(Job.technician_id == user.id)
        return query.where(Customer.id.in_(mine))
    return query.where(sa.false())


def requests_query(user: User) -> sa.Select:
    query = sa.select(ServiceRequest).where(ServiceRequest.deleted_at.is_(None))
    if user.role in OFFICE_ROLES:
        return query
    if user.role == "dealer":
        return query.where(ServiceRequest.dealer_id == user.dealer_id)
    return query.where(sa.false())


QUERIES = {
    Job: jobs_query,
    Unit: units_query,
    Customer: customers_query,
    ServiceRequest: requests_query,
}


def get_in_scope(model, row_id, user: User):
    """The row if `user` may see it, else a 404 problem."""
    row = db.session.scalar(QUERIES[model](user).where(model.id == row_id))
    if row is None:
        raise ProblemError(
            404, f"No such {model.__tablename__[:-1].replace('_', ' ')}.", slug="not-found"
        )
    return row
