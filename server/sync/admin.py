"""The admin page for sync conflicts (a static page using the API), and `flask sync prune`."""

from pathlib import Path

import click
from flask import Blueprint, Response

bp = Blueprint("sync_admin", __name__, cli_group="sync")
STATIC = Path(__file__).parent / "static"
PAGE = STATIC / "conflicts.html"


@bp.get("/admin/sync/conflicts")
def conflicts_page():
    # The page holds no data; it signs in and reads /api/sync/conflicts with a bearer token.
    # Its script and style are files, so the app's Content-Security-Policy (server/web/
    # security.py) holds without 'unsafe-inline'.
    response = Response(PAGE.read_text(encoding="utf-8"), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


ASSETS = {"conflicts.js": "text/javascript", "conflicts.css": "text/css"}


@bp.get("/admin/sync/<any('conflicts.js', 'conflicts.css'):name>")
def conflicts_asset(name):
    response = Response((STATIC / name).read_text(encoding="utf-8"), mimetype=ASSETS[name])
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.cli.command("prune")
def prune_command():
    """Drop change-log entries and push answers older than the longest tombstone retention
    (run daily)."""
    from server.sync.pull import prune
    from server.sync.retention import prune_answers

    click.echo(f"Pruned {prune()} change-log entries.")
    click.echo(f"Pruned {prune_answers()} push answers (idempotency records).")
