"""Monthly reports for the service center (docs/reports.md): a registry of definitions
(registry.py), the month window (months.py), the reports (one module each, listed in
catalog.py), and their pages, CSV and JSON (views.py, api.py)."""
