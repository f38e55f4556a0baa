"""Office API: customers, units, service requests and jobs."""

import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint

from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common.paging import paginate
from server.common.schemas import page_of
from server.desk import schemas as s
from server.desk import scope, service
from server.desk.models import Customer, Job, ServiceRequest, Unit
from server.extensions import db

bp = Blueprint("desk", __name__, url_prefix="/api", description="Customers, units, requests, jobs")

ANY = ("admin", "dispatcher", "technician", "dealer")


def _done(row):
    db.session.commit()
    return row


# --- customers ---------------------------------------------------------------


@bp.get("/customers")
@requires(*ANY)
@bp.arguments(s.CustomerQuerySchema, location="query")
@bp.response(200, page_of(s.CustomerSchema))
def list_customers(args):
    query = scope.customers_query(g.user)
    if "q" in args:
        like = f"%{args['q']}%"
        query = query.where(
            sa.or_(Customer.name.like(like), Customer.phone.like(like), Customer.address.like(like))
        )
    if "phone" in args:
        query = query.where(Customer.phone == args["phone"])
    if "city" in args:
        query = query.where(Customer.city == args["city"])
    return paginate(query, args, Customer.name, Customer.id)


@bp.post("/customers")
@requires(*OFFICE_ROLES)
@bp.arguments(s.CustomerCreateSchema)
@bp.response(201, s.CustomerSchema)
def create_customer(args):
    return _done(service.create_customer(args))


@bp.get("/customers/<uuid:row_id>")
@requires(*ANY)
@bp.response(200, s.CustomerSchema)
def get_customer(row_id):
    return scope.get_in_scope(Customer, row_id, g.user)


@bp.patch("/customers/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(s.CustomerUpdateSchema)
@bp.response(200, s.CustomerSchema)
def update_customer(args, row_id):
    customer = scope.get_in_scope(Customer, row_id, g.user)
    return _done(service.update_customer(customer, args))


# --- units -------------------------------------------------------------------


@bp.get("/units")
@requires(*ANY)
@bp.arguments(s.UnitQuerySchema, location="query")
@bp.response(200, page_of(s.UnitSchema))
def list_units(args):
    """Find units; `serial` and `phone` are the desk's two ways to look one up."""
    query = scope.units_query(g.user)
    if "serial" in args:
        query = query.where(Unit.serial == args["serial"])
    if "phone" in args:
        owners = sa.select(Customer.id).where(Customer.phone == args["phone"])
        query = query.where(Unit.customer_id.in_(owners))
    for key in ("customer_id", "dealer_id", "model"):
        if key in args:
            query = query.where(getattr(Unit, key) == args[key])
    return paginate(query, args, Unit.serial)


@bp.post("/units")
@requires(*OFFICE_ROLES)
@bp.arguments(s.UnitCreateSchema)
@bp.response(201, s.UnitSchema)
def create_unit(args):
    return _done(service.create_unit(args))


@bp.get("/units/<uuid:row_id>")
@requires(*ANY)
@bp.response(200, s.UnitSchema)
def get_unit(row_id):
    return scope.get_in_scope(Unit, row_id, g.user)


@bp.patch("/units/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(s.UnitUpdateSchema)
@bp.response(200, s.UnitSchema)
def update_unit(args, row_id):
    unit = scope.get_in_scope(Unit, row_id, g.user)
    return _done(service.update_unit(unit, args))


# --- service requests --------------------------------------------------------


@bp.get("/requests")
@requires("admin", "dispatcher", "dealer")
@bp.arguments(s.RequestQuerySchema, location="query")
@bp.response(200, page_of(s.RequestSchema))
def list_requests(args):
    query = scope.requests_query(g.user)
    for key in ("status", "kind", "dealer_id", "customer_id"):
        if key in args:
            query = query.where(getattr(ServiceRequest, key) == args[key])
    if "received_from" in args:
        query = query.where(ServiceRequest.received_at >= args["received_from"])
    if "received_to" in args:
        query = query.where(ServiceRequest.received_at < args["received_to"])
    return paginate(query, args, ServiceRequest.received_at.desc(), ServiceRequest.id)


@bp.post("/requests")
@requires(*OFFICE_ROLES)
@bp.arguments(s.RequestCreateSchema)
@bp.response(201, s.RequestSchema)
def create_request(args):
    return _done(service.create_request(args))


@bp.get("/requests/<uuid:row_id>")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, s.RequestSchema)
def get_request(row_id):
    return scope.get_in_scope(ServiceRequest, row_id, g.user)


@bp.patch("/requests/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(s.RequestUpdateSchema)
@bp.response(200, s.RequestSchema)
def update_request(args, row_id):
    request = scope.get_in_scope(ServiceRequest, row_id, g.user)
    return _done(service.update_request(request, args))


# --- jobs --------------------------------------------------------------------


@bp.get("/jobs")
@requires(*ANY)
@bp.arguments(s.JobQuerySchema, location="query")
@bp.response(200, page_of(s.JobSchema))
def list_jobs(args):
    query = scope.jobs_query(g.user)
    if "status" in args:
        query = query.where(Job.status.in_(args["status"]))
    for key in ("kind", "technician_id", "dealer_id", "customer_id", "unit_id"):
        if key in args:
            query = query.where(getattr(Job, key) == args[key])
    if "window_from" in args:
        query = query.where(Job.window_end > args["window_from"])
    if "window_to" in args:
        query = query.where(Job.window_start < args["window_to"])
    return paginate(query, args, Job.window_start, Job.created_at, Job.id)


@bp.post("/jobs")
@requires(*OFFICE_ROLES)
@bp.arguments(s.JobCreateSchema)
@bp.response(201, s.JobSchema)
def create_job(args):
    return _done(service.create_job(args))


@bp.get("/jobs/<uuid:row_id>")
@requires(*ANY)
@bp.response(200, s.JobSchema)
def get_job(row_id):
    return scope.get_in_scope(Job, row_id, g.user)


@bp.patch("/jobs/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(s.JobUpdateSchema)
@bp.response(200, s.JobSchema)
def update_job(args, row_id):
    job = scope.get_in_scope(Job, row_id, g.user)
    return _done(service.update_job(job, args))


@bp.post("/jobs/<uuid:row_id>/assign")
@requires(*OFFICE_ROLES)
@bp.arguments(s.AssignSchema)
@bp.response(200, s.JobSchema)
def assign_job(args, row_id):
    """Assign to a technician (null unassigns)."""
    job = scope.get_in_scope(Job, row_id, g.user)
    return _done(service.assign(job, args["technician_id"]))


@bp.post("/jobs/<uuid:row_id>/schedule")
@requires(*OFFICE_ROLES)
@bp.arguments(s.WindowSchema)
@bp.response(200, s.JobSchema)
def schedule_job(args, row_id):
    """Set the time window agreed with the customer."""
    job = scope.get_in_scope(Job, row_id, g.user)
    return _done(service.schedule(job, args["window_start"], args["window_end"]))


@bp.post("/jobs/<uuid:row_id>/cancel")
@requires(*OFFICE_ROLES)
@bp.arguments(s.CancelSchema)
@bp.response(200, s.JobSchema)
def cancel_job(args, row_id):
    job = scope.get_in_scope(Job, row_id, g.user)
    return _done(service.cancel(job, args["reason"]))
