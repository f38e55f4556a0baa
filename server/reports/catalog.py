"""Every report, in the order the console lists them. Importing a module registers it.

Slots kept for reports that need other parts of the system (see docs/reports.md):
- "sla": SLA compliance per clock (server/desk/sla.py's clock states)
- "satisfaction": survey ratings (server/care/'s surveys)
"""

from server.reports import faults, first_fix, technicians  # noqa: F401
