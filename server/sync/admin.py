"""The admin page for sync conflicts: a static page that uses the conflicts API."""

from pathlib import Path

from flask import Blueprint, Response

bp = Blueprint("sync_admin", __name__)
PAGE = Path(__file__).parent / "static" / "conflicts.html"


@bp.get("/admin/sync/conflicts")
def conflicts_page():
    # The page holds no data; it signs in and reads /api/sync/conflicts with a bearer token.
    response = Response(PAGE.read_text(encoding="utf-8"), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
    )
    return response
