"""/api/docs: Swagger UI from the pinned swagger-ui-bundle package, served by the app.

No CDN: the page works offline and its scripts cannot be swapped under it. The
initialisation is a static file (static/docs.js), so the page's CSP holds without
'unsafe-inline'.
"""

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, abort, render_template, send_from_directory, url_for

bp = Blueprint("api_docs_ui", __name__, template_folder="templates")
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
# Only what the page loads; the package's own index.html has an inline script.
ASSETS = {
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "favicon-16x16.png",
    "favicon-32x32.png",
}


@bp.get("/api/docs")
def docs():
    return render_template("docs.html", spec_url=url_for("api-docs.openapi_json"))


@bp.get("/api/docs/swagger-ui/<name>")
def swagger_ui_asset(name):
    if name not in ASSETS:
        abort(404)
    return send_from_directory(SWAGGER_UI, name, max_age=3600)
