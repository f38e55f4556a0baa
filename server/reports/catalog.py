"""Every report: importing a module registers it; ORDER is the console's order.

Ids not in ORDER are listed after these, in the order they were registered.
"""

from server.reports import faults, first_fix, satisfaction, sla, technicians  # noqa: F401

ORDER = ("sla", "first-time-fix", "satisfaction", "faults", "technicians")
