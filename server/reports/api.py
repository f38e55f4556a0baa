"""Reports as JSON for the office: the list, and one report for a month (docs/reports.md)."""

from flask_smorest import Blueprint

from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common.zone import service_zone
from server.dealers.models import Dealer
from server.exceptions import NotFound
from server.extensions import db
from server.reports import catalog, months, present, registry, schemas

bp = Blueprint("reports", __name__, url_prefix="/api", description="Monthly reports")


@bp.get("/reports")
@requires(*OFFICE_ROLES)
@bp.response(200, schemas.ReportInfoSchema(many=True))
def list_reports():
    """The reports there are, with their columns."""
    return [present.info(report) for report in catalog.listed()]


@bp.get("/reports/<report_id>")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.ReportQuerySchema, location="query")
@bp.response(200, schemas.ReportSchema)
def get_report(args, report_id):
    """One report for a month (YYYY-MM, bounded in the service center's time zone),
    for all dealers or one."""
    report = catalog.get(report_id)
    if report is None:
        raise NotFound.of("report")
    dealer_id = args.get("dealer_id")
    if dealer_id is not None and db.session.get(Dealer, dealer_id) is None:
        raise NotFound.of("dealer")
    month = months.parse_month(args["month"])
    result = registry.run(report, month, service_zone().key, dealer_id)
    return present.as_json(result)
