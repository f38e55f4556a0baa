"""The admin page for sync conflicts: a static page that uses the conflicts API."""

from pathlib import Path

from flask import Blueprint, send_file

bp = Blueprint("sync_admin", __name__)
PAGE = Path(__file__).parent / "static" / "conflicts.html"


@bp.get("/admin/sync/conflicts")
def conflicts_page():
    # The page holds no data; it signs in and reads /api/sync/conflicts with a bearer token.
    response = send_file(PAGE, mimetype="text/html", max_age=0)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
    )
    return response
