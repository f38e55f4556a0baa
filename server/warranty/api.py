"""Warranty API: a unit's record, filter changes by others, who pays for a job's fault,
and the service desk's "will this be free?" (docs/warranty.md).

Scope comes from access.rules: readers of a unit read its record, readers of a job its
decision; the office writes. Out of scope is 404.
"""

from dataclasses import asdict

import click
from flask import g
from flask_smorest import Blueprint

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common import tx
from server.dealers.models import Dealer
from server.desk.models import Job, Unit
from server.exceptions import NotFound
from server.warranty import decisions, schemas, service

bp = Blueprint("warranty", __name__, url_prefix="/api", description="Warranty and liability")

ANY = ("admin", "dispatcher", "technician", "dealer")


@bp.get("/units/<uuid:unit_id>/warranty")
@requires(*ANY)
@bp.response(200, schemas.WarrantyRecordSchema)
def get_warranty(unit_id):
    """The unit's whole warranty record, computed now: periods, the installer's windows,
    proof of purchase, and its installs, repairs and filter changes (and who did them)."""
    return service.record_of(access.get(Unit, unit_id, g.user), g.user)


@bp.post("/units/<uuid:unit_id>/filter-changes")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.FilterChangeArgs)
@bp.response(201, schemas.FilterChangeSchema)
def record_filter_change(args, unit_id):
    """The customer or a third party changed the filters (ends the installer's liability,
    L7). Our technicians' changes are completed filter_change jobs. Audited."""
    change = service.record_filter_change(access.get(Unit, unit_id, g.user), args, g.user)
    tx.commit()
    return change


@bp.delete("/units/<uuid:unit_id>/filter-changes/<uuid:change_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.FilterChangeRetractSchema)
@bp.response(204)
def retract_filter_change(args, unit_id, change_id):
    """Retract a filter change recorded in error: a tombstone, audited."""
    unit = access.get(Unit, unit_id, g.user)
    change = service.filter_change_of(unit, change_id)
    service.retract_filter_change(unit, change, args["reason"], g.user)
    tx.commit()


@bp.get("/jobs/<uuid:job_id>/liability")
@requires(*ANY)
@bp.response(200, schemas.DecisionSchema)
def get_liability(job_id):
    """Who pays for the job's fault, by which rule (404 when none is decided)."""
    row = decisions.current(access.get(Job, job_id, g.user).id)
    if row is None:
        raise NotFound.of("liability decision")
    return decisions.as_dict(row)


@bp.post("/jobs/<uuid:job_id>/liability")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.DecideArgs)
@bp.response(200, schemas.DecisionSchema)
def decide_liability(args, job_id):
    """Decide again from the records as they are now (a locked job: admins only)."""
    job = access.get(Job, job_id, g.user, for_update=True)
    row = decisions.redecide(job, g.user, args["found_on"])
    tx.commit()
    return decisions.as_dict(row)


@bp.post("/warranty/assess")
@requires("admin", "dispatcher", "dealer")
@bp.arguments(schemas.AssessArgs)
@bp.response(200, schemas.AssessmentSchema)
def assess(args):
    """Will this be free? From a unit's records (`unit_id`) or from facts given; nothing
    is stored. Unknown categories and impossible dates are 422 naming the field."""
    category, found_on = args["fault_category"], args["found_on"]
    if "unit_id" in args:
        unit = access.get(Unit, args["unit_id"], g.user)
        decision = decisions.assess_unit(unit, category, found_on)
    else:
        dealer = access.get(Dealer, args["dealer_id"], g.user)
        decision = decisions.assess_facts(dealer, args)
    return asdict(decision)


@bp.cli.command("refresh")
def refresh_command():
    """Recount every unit's warranty record (after an upgrade, or a bulk import)."""
    count = service.refresh_all()
    tx.commit()
    click.echo(f"Refreshed {count} warranty records.")
