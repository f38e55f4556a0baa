"""The technician's app (the PWA in pwa/, built into pwa/build/), served at the site root.

`/sw.js` sits at the root so the service worker controls the whole app; hashed assets are
cached for a year, the page and the worker are revalidated on every load (an update is
then offered in the app, never swapped in silently). Every page gets a strict CSP.
"""

from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory

bp = Blueprint("web", __name__)

YEAR = 365 * 24 * 3600
# No inline script or style anywhere; blob: for photo thumbnails made on the device.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def build_dir() -> Path:
    return Path(current_app.config["PWA_BUILD"])


def _secure(response: Response, cache: str) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = cache
    return response


def _file(name: str, cache: str, **kwargs) -> Response:
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
    return _secure(send_from_directory(root, name, max_age=None, **kwargs), cache)


@bp.get("/")
def app_shell():
    return _file("index.html", "no-cache")


@bp.get("/sw.js")
def service_worker():
    response = _file("sw.js", "no-cache", mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return _file("manifest.webmanifest", "no-cache", mimetype="application/manifest+json")


@bp.get("/assets/<path:name>")
def asset(name):
    # Content-hashed names: a changed file is a new name, so the old one may live forever.
    return _file(f"assets/{name}", f"public, max-age={YEAR}, immutable")


@bp.get("/icons/<path:name>")
def icon(name):
    return _file(f"icons/{name}", "public, max-age=86400")
