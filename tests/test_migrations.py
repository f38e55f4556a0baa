"""The migrations build exactly the models: no drift between Alembic and SQLAlchemy."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from server.extensions import db


def test_migrated_schema_matches_the_models(app):
    # The session fixture built the database with `flask db upgrade` only.
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_the_database_is_at_the_single_head(app):
    with app.app_context(), db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
        migrate: Migrate = app.extensions["migrate"]
        script = ScriptDirectory.from_config(migrate.migrate.get_config())
    assert len(script.get_heads()) == 1
    assert set(current) == set(script.get_heads())
