"""Office API: customers, units and service requests (jobs: job_api.py)."""

import sqlalchemy as sa
from flask import g
from flask_smorest import Blueprint

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common import tx
from server.common.paging import paginate
from server.common.schemas import page_of
from server.desk import clocks, schemas, service
from server.desk.models import Customer, ServiceRequest, Unit

bp = Blueprint("desk", __name__, url_prefix="/api", description="Customers, units, requests")

ANY = ("admin", "dispatcher", "technician", "dealer")


# --- customers ---------------------------------------------------------------


@bp.get("/customers")
@requires(*ANY)
@bp.arguments(schemas.CustomerQuerySchema, location="query")
@bp.response(200, page_of(schemas.CustomerSchema))
def list_customers(args):
    query = access.customers(g.user)
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
@bp.arguments(schemas.CustomerCreateSchema)
@bp.response(201, schemas.CustomerSchema)
def create_customer(args):
    return tx.done(service.create_customer(args))


@bp.get("/customers/<uuid:row_id>")
@requires(*ANY)
@bp.response(200, schemas.CustomerSchema)
def get_customer(row_id):
    return access.get(Customer, row_id, g.user)


@bp.patch("/customers/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.CustomerUpdateSchema)
@bp.response(200, schemas.CustomerSchema)
def update_customer(args, row_id):
    customer = access.get(Customer, row_id, g.user, for_update=True)
    return tx.done(service.update_customer(customer, args))


# --- units -------------------------------------------------------------------


@bp.get("/units")
@requires(*ANY)
@bp.arguments(schemas.UnitQuerySchema, location="query")
@bp.response(200, page_of(schemas.UnitSchema))
def list_units(args):
    """Find units; `serial` and `phone` are the desk's two ways to look one up."""
    query = access.units(g.user)
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
@bp.arguments(schemas.UnitCreateSchema)
@bp.response(201, schemas.UnitSchema)
def create_unit(args):
    return tx.done(service.create_unit(args))


@bp.get("/units/<uuid:row_id>")
@requires(*ANY)
@bp.response(200, schemas.UnitSchema)
def get_unit(row_id):
    return access.get(Unit, row_id, g.user)


@bp.patch("/units/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.UnitUpdateSchema)
@bp.response(200, schemas.UnitSchema)
def update_unit(args, row_id):
    unit = access.get(Unit, row_id, g.user)
    return tx.done(service.update_unit(unit, args))


# --- service requests --------------------------------------------------------


@bp.get("/requests")
@requires("admin", "dispatcher", "dealer")
@bp.arguments(schemas.RequestQuerySchema, location="query")
@bp.response(200, page_of(schemas.RequestSchema))
def list_requests(args):
    query = access.requests(g.user)
    for key in ("status", "kind", "dealer_id", "customer_id"):
        if key in args:
            query = query.where(getattr(ServiceRequest, key) == args[key])
    if "received_from" in args:
        query = query.where(ServiceRequest.received_at >= args["received_from"])
    if "received_to" in args:
        query = query.where(ServiceRequest.received_at < args["received_to"])
    page = paginate(query, args, ServiceRequest.received_at.desc(), ServiceRequest.id)
    clocks.prefetch(page["items"])
    return page


@bp.post("/requests")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.RequestCreateSchema)
@bp.response(201, schemas.RequestSchema)
def create_request(args):
    return tx.done(service.create_request(args))


@bp.get("/requests/<uuid:row_id>")
@requires("admin", "dispatcher", "dealer")
@bp.response(200, schemas.RequestSchema)
def get_request(row_id):
    return access.get(ServiceRequest, row_id, g.user)


@bp.patch("/requests/<uuid:row_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.RequestUpdateSchema)
@bp.response(200, schemas.RequestSchema)
def update_request(args, row_id):
    request = access.get(ServiceRequest, row_id, g.user, for_update=True)
    return tx.done(service.update_request(request, args))


# --- soft deletes --------------------------------------------------------------


def _delete_route(collection: str, model) -> None:
    # One route per collection, so each path documents (and Allow lists) its own DELETE.
    @bp.delete(f"/{collection}/<uuid:row_id>", endpoint=f"delete_{collection}")
    @requires("admin")
    @bp.response(204)
    def delete_row(row_id):
        """Soft-delete a row made in error (a tombstone for devices); never one still in use."""
        service.delete_row(access.get(model, row_id, g.user, for_update=True))
        tx.commit()


for _collection, _model in (
    ("customers", Customer),
    ("units", Unit),
    ("requests", ServiceRequest),
):
    _delete_route(_collection, _model)
