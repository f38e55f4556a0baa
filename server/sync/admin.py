"""The admin page for sync conflicts (a static page using the API), and `flask sync prune`."""

from pathlib import Path

import click
from flask import Blueprint, Response

bp = Blueprint("sync_admin", __name__, cli_group="sync")
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


@bp.cli.command("prune")
def prune_command():
    """Drop change-log entries older than the longest tombstone retention (run daily)."""
    from server.sync.pull import prune

    click.echo(f"Pruned {prune()} change-log entries.")
