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


def test_images_held_before_stripped_originals_are_processed_again(app):
    """g7a0privacy0008: a ready image has no stripped copy yet, so it goes back to pending
    (else its original would wait forever for everyone but admins); a signature does not."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    rows = [("a" * 64, "image", "ready"), ("b" * 64, "signature", "ready")]
    with app.app_context():
        downgrade(revision="f6a0field0007")
        try:
            with db.engine.begin() as conn:
                for sha, kind, status in rows:
                    conn.execute(
                        sa.text(
                            "INSERT INTO media_objects (sha256, kind, status, mime, byte_size, "
                            "width, height, original_kept, attempts, created_at, updated_at) "
                            "VALUES (:sha, :kind, :status, 'image/png', 1, 1, 1, :kept, 3, "
                            "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                        ),
                        {"sha": sha, "kind": kind, "status": status, "kept": True},
                    )
        finally:
            upgrade()
        with db.engine.connect() as conn:
            found = dict(conn.execute(sa.text("SELECT kind, status FROM media_objects")).all())
            attempts = conn.execute(
                sa.text("SELECT attempts FROM media_objects WHERE kind = 'image'")
            ).scalar()
        db.session.remove()
    assert found == {"image": "pending", "signature": "ready"}
    assert attempts == 0
