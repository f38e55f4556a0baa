"""The application factory: the only place that wires things."""

import logging

import sqlalchemy as sa
from flask import Flask, request
from flask.wrappers import Request

from server import config, errors
from server.common import actor, tx
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

    logging.basicConfig(level=logging.INFO)
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
        # JSON bodies are small; media routes raise this to the dealer's policy limit.
        if not request.path.startswith("/api/media"):
            request.max_content_length = app.config["MAX_JSON_BYTES"]

    _register_blueprints(app)
    from server import cli

    cli.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Importing the models registers them on db.metadata (and so for Alembic).
    from server import models  # noqa: F401
    from server.auth.api import bp as auth_bp
    from server.dealers.api import bp as dealers_bp
    from server.desk.api import bp as desk_bp
    from server.desk.job_api import bp as jobs_bp
    from server.field.api import bp as field_bp
    from server.health import bp as health_bp
    from server.media.api import bp as media_bp
    from server.media.http import Sha256Converter
    from server.sync import changes as sync_changes
    from server.sync.admin import bp as sync_admin_bp
    from server.sync.api import bp as sync_bp

    app.url_map.converters["sha256"] = Sha256Converter
    for bp in (health_bp, auth_bp, dealers_bp, desk_bp, jobs_bp, field_bp, media_bp, sync_bp):
        api.register_blueprint(bp)
    app.register_blueprint(sync_admin_bp)
    # Every commit that touches a synced row writes the change log (server/sync/changes.py).
    sync_changes.install()
    tx.install()

    from server.web.views import bp as web_bp

    app.register_blueprint(web_bp)


def _sqlite_pragmas(app: Flask) -> None:
    """WAL (readers never block the writer) and enforced foreign keys on every connection."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
