"""The reports in the service console: the list (month picker, dealer filter), one
report's table and chart, and its CSV. Admins and dispatchers (the console's `page`)."""

import uuid

from flask import Response, abort, render_template, request

from server.admin.views import bp, menu, page
from server.common.zone import service_zone
from server.dealers.models import Dealer
from server.extensions import db
from server.reports import catalog, months, present, registry

QUERY = ("month", "dealer_id")

menu("admin.reports", "报表", "Reports")


def timezone() -> str:
    """The service center's time zone: every report's month is bounded in it."""
    return service_zone().key


def _choice():
    """(month, dealer or None) from the query string; 400 for anything unreadable."""
    unknown = set(request.args) - set(QUERY)
    if unknown:
        abort(400, f"Unknown query parameter: {', '.join(sorted(unknown))}.")
    month = request.args.get("month") or months.label(months.this_month(timezone()))
    parsed = months.parse_month(month)
    if parsed is None:
        abort(400, "month must be YYYY-MM (1970-01 to 2199-12).")
    dealer = None
    if request.args.get("dealer_id"):
        try:
            dealer_id = uuid.UUID(request.args["dealer_id"])
        except ValueError:
            abort(400, "dealer_id must be a dealer's id.")
        dealer = db.session.get(Dealer, dealer_id)
        if dealer is None:
            abort(404, "No such dealer.")
    return parsed, dealer


def _report(report_id: str) -> registry.Report:
    report = catalog.get(report_id)
    if report is None:
        abort(404, "No such report.")
    return report


def _dealers():
    query = db.select(Dealer).order_by(Dealer.name)
    return db.session.scalars(query).all()


@bp.get("/reports")
@page
def reports():
    month, dealer = _choice()
    return render_template(
        "admin/reports.html",
        reports=catalog.listed(),
        month=months.label(month),
        dealer=dealer,
        dealers=_dealers(),
        tz=timezone(),
    )


@bp.get("/reports/<report_id>")
@page
def report(report_id):
    found = _report(report_id)
    month, dealer = _choice()
    result = registry.run(found, month, timezone(), dealer.id if dealer else None)
    return render_template(
        "admin/report.html",
        result=result,
        report=found,
        month=months.label(month),
        previous=months.label(months.previous_month(month)),
        following=months.label(months.next_month(month)),
        dealer=dealer,
        dealers=_dealers(),
        chart=present.chart(result),
        cell=present.cell,
        tz=timezone(),
    )


@bp.get("/reports/<report_id>.csv")
@page
def report_csv(report_id):
    found = _report(report_id)
    month, dealer = _choice()
    result = registry.run(found, month, timezone(), dealer.id if dealer else None)
    name = f"{found.id}-{months.label(month)}.csv"
    return Response(
        present.csv_bytes(result),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
