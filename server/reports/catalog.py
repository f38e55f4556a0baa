"""Every report: importing a module registers it; ORDER is the console's order. Pages and
the API look reports up here, so every report is registered before the first look.

Ids not in ORDER are listed after these, in the order they were registered.
"""

from server.reports import faults, first_fix, satisfaction, sla, technicians  # noqa: F401
from server.reports.registry import REPORTS, Report

ORDER = ("sla", "first-time-fix", "satisfaction", "faults", "technicians")


def get(report_id: str) -> Report | None:
    return REPORTS.get(report_id)


def listed() -> list[Report]:
    """Every report, in the console's order."""
    place = {report_id: i for i, report_id in enumerate(ORDER)}
    return sorted(REPORTS.values(), key=lambda r: place.get(r.id, len(place)))
