"""The application factory: the only place that wires things."""

import logging

import sqlalchemy as sa
from flask import Flask, request
from flask.wrappers import Request
from werkzeug.middleware.proxy_fix import ProxyFix

from server import config, errors
from server.common import actor, tx, zone
from server.common.jsonbody import StrictJSONProvider
from server.extensions import api, db, migrate

__version__ = "0.1.0"


class JsonRequest(Request):
    # get_json reads with StrictJSONProvider: NaN, 1e400 or deep nesting fail here too.
    def on_json_loading_failed(self, e):
        raise errors.ProblemError(400, "The request body is not valid JSON.", slug="malformed-json")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=config.INSTANCE.as_posix())
    app.request_class = JsonRequest
    app.json = StrictJSONProvider(app)
    app.config.update(config.API_SETTINGS)
    app.config.update(config.from_environment())
    app.config.from_prefixed_env("PURIFIER")
    if test_config:
        app.config.update(test_config)

    zone.check(app.config.get("SERVICE_TIMEZONE"))
    logging.basicConfig(level=logging.INFO)
    _bounded_lock_waits(app)
    app.wsgi_app = TrustedProxies(app)
    db.init_app(app)
    _sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"), render_as_batch=True)
    api.init_app(app)
    errors.register(app)

    @app.teardown_request
    def _forget_actor(_exc):
        actor.clear()

    @app.before_request
    def _limit_body():
        # JSON bodies are small; media routes raise this to the dealer's policy limit, and
        # a page's form with a photo to an upload's (server/web/pages.py FILE_FORMS).
        from server.web.pages import FILE_FORMS

        if not request.path.startswith("/api/media") and request.endpoint not in FILE_FORMS:
            request.max_content_length = app.config["MAX_JSON_BYTES"]

    _register_blueprints(app)
    from server import cli

    cli.register(app)
    return app


class TrustedProxies:
    """X-Forwarded-For/-Proto are believed only through ProxyFix, for exactly PROXY_HOPS
    proxies (0: none, the headers are ignored); read per request so tests can set it."""

    def __init__(self, app: Flask):
        self.app, self.inner, self.fixes = app, app.wsgi_app, {}

    def __call__(self, environ, start_response):
        hops = int(self.app.config.get("PROXY_HOPS") or 0)
        if hops <= 0:
            return self.inner(environ, start_response)
        if hops not in self.fixes:
            self.fixes[hops] = ProxyFix(self.inner, x_for=hops, x_proto=hops)
        return self.fixes[hops](environ, start_response)


def _register_blueprints(app: Flask) -> None:
    # Importing the models registers them on db.metadata (and so for Alembic).
    from server import models  # noqa: F401
    from server.auth.api import bp as auth_bp
    from server.care.api import bp as care_bp
    from server.dealers.api import bp as dealers_bp
    from server.delivery.api import bp as delivery_bp
    from server.desk.api import bp as desk_bp
    from server.desk.dispatch_api import bp as dispatch_bp
    from server.desk.intake_api import bp as intake_bp
    from server.desk.job_api import bp as jobs_bp
    from server.desk.public_api import bp as public_requests_bp
    from server.evidence.api import bp as evidence_bp
    from server.field.api import bp as field_bp
    from server.health import bp as health_bp
    from server.media.api import bp as media_bp
    from server.media.http import Sha256Converter
    from server.reports.api import bp as reports_bp
    from server.sync import changes as sync_changes
    from server.sync.admin import bp as sync_admin_bp
    from server.sync.api import bp as sync_bp
    from server.warranty.api import bp as warranty_bp

    app.url_map.converters["sha256"] = Sha256Converter
    for bp in (
        health_bp,
        auth_bp,
        care_bp,
        dealers_bp,
        delivery_bp,
        intake_bp,
        public_requests_bp,
        desk_bp,
        jobs_bp,
        dispatch_bp,
        field_bp,
        evidence_bp,
        media_bp,
        sync_bp,
        warranty_bp,
        reports_bp,
    ):
        api.register_blueprint(bp)
    app.register_blueprint(sync_admin_bp)
    # Every commit that touches a synced row writes the change log (server/sync/changes.py).
    sync_changes.install()
    _wire_evidence()
    _wire_policy()
    tx.install()

    from server.web import security
    from server.web.docs import bp as docs_bp
    from server.web.views import bp as web_bp

    app.register_blueprint(web_bp)
    from server.admin import desk as _desk_pages  # noqa: F401 (its routes)
    from server.admin import dispatch as _dispatch_pages  # noqa: F401 (its routes)
    from server.admin.views import bp as admin_bp
    from server.care import console as _care_console  # noqa: F401 (its routes)
    from server.care.pages import bp as care_pages_bp
    from server.desk.request_page import bp as request_form_bp
    from server.portal import dealer as _portal_settings  # noqa: F401 (its routes)
    from server.portal.views import bp as portal_bp
    from server.reports import views as _reports_pages  # noqa: F401 (its routes)

    app.register_blueprint(portal_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(care_pages_bp)
    app.register_blueprint(request_form_bp)
    app.register_blueprint(docs_bp)
    security.install(app)


def _wire_policy() -> None:
    """A dealer's new policy recounts the deadlines of its running requests, without
    dealers importing the desk (idempotent)."""
    from server.dealers import service as dealers
    from server.desk import clocks

    dealers.ON_POLICY_CHANGE["deadlines"] = clocks.refresh_dealer


def _wire_evidence() -> None:
    """An evidence package waits for its photos (the media worker tells it) and records who
    pays (warranty tells it), without evidence importing either (idempotent)."""
    from server.evidence import service as evidence
    from server.media import processing
    from server.warranty import decisions

    if evidence.media_ready not in processing.ON_PROCESSED:
        processing.ON_PROCESSED.append(evidence.media_ready)
    evidence.CONTRIBUTORS["liability"] = decisions.for_evidence


def _bounded_lock_waits(app: Flask) -> None:
    """PostgreSQL: no statement waits for a lock longer than SYNC_LOCK_TIMEOUT_MS (a row a
    push or an office edit holds, a table a migration locks); past it the request answers 503 with
    Retry-After and the client retries. SQLite's busy_timeout does the same (below)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    connect_args = options.setdefault("connect_args", {})
    timeout = int(app.config.get("SYNC_LOCK_TIMEOUT_MS", 10_000))
    connect_args.setdefault("options", f"-c lock_timeout={timeout}")


def _sqlite_pragmas(app: Flask) -> None:
    """WAL (readers never block the writer) and enforced foreign keys on every connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy = int(app.config.get("SYNC_LOCK_TIMEOUT_MS", 10_000))

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
