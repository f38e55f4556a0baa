"""The technician's app (the PWA in pwa/, built into pwa/build/), served at the site root.

`/sw.js` sits at the root so the service worker controls the whole app; hashed assets are
cached for a year, the page and the worker are revalidated on every load (an update is
then offered in the app, never swapped in silently). Every file gets the pages' strict CSP
(server/web/security.py), and its other security headers.
"""

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_from_directory

from server.web.security import PAGE_POLICY

# The docs page's own style and script are files here (its CSP has no 'unsafe-inline').
bp = Blueprint("web", __name__, static_folder="static", static_url_path="/static/web")

YEAR = 365 * 24 * 3600


def build_dir() -> Path:
    return Path(current_app.config["PWA_BUILD"])


def _secure(response: Response, cache: str) -> Response:
    # The pages' policy on every file of the app, scripts included: a worker's (and the
    # service worker's) own requests are governed by the policy its script came with.
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Cache-Control"] = cache
    return response


def _file(name: str, cache: str, *, mimetype: str | None = None, small: bool = False):
    root = build_dir()
    if not (root / "index.html").exists():
        # Built by `make run` / `make test` (npm ci, then node pwa/scripts/build.mjs).
        return _secure(
            Response(
                "<!doctype html><title>Not built</title>"
                "<p>应用尚未构建 · The app is not built: run <code>make run</code>.</p>",
                status=503,
                mimetype="text/html",
            ),
            "no-store",
        )
    if small:
        # The page, the manifest and the worker: a few KB, revalidated every load; read
        # whole, so no open file is left to the client.
        data = (root / name).read_bytes()
        response = Response(data, mimetype=mimetype)
        # Revalidated on every load, answered 304 when unchanged (a phone on a weak signal).
        response.set_etag(hashlib.sha256(data).hexdigest()[:32])
        return _secure(response.make_conditional(request), cache)
    return _secure(send_from_directory(root, name, max_age=None, mimetype=mimetype), cache)


@bp.get("/")
def app_shell():
    return _file("index.html", "no-cache", mimetype="text/html", small=True)


@bp.get("/sw.js")
def service_worker():
    response = _file("sw.js", "no-cache", mimetype="text/javascript", small=True)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return _file(
        "manifest.webmanifest", "no-cache", mimetype="application/manifest+json", small=True
    )


@bp.get("/assets/<path:name>")
def asset(name):
    # Content-hashed names: a changed file is a new name, so the old one may live forever.
    return _file(f"assets/{name}", f"public, max-age={YEAR}, immutable")


@bp.get("/icons/<path:name>")
def icon(name):
    return _file(f"icons/{name}", "public, max-age=86400")
