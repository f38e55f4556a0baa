"""Every report: importing a module registers it; ORDER is the console's order.

Two places are kept for reports that need other parts of the system (docs/reports.md):
- "sla": SLA compliance per clock (server/desk/sla.py's clock states)
- "satisfaction": survey ratings (server/care/'s surveys)
Ids not in ORDER are listed after these, in the order they were registered.
"""

from server.reports import faults, first_fix, technicians  # noqa: F401

ORDER = ("sla", "first-time-fix", "satisfaction", "faults", "technicians")
