"""Settings come from the environment, with defaults that need no set-up."""

import pytest
import sqlalchemy as sa

from server import config
from server.extensions import db
from tests.conftest import is_postgres


def test_the_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = config._secret_key(tmp_path)
    assert len(first) == 64
    assert config._secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # owner-only
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert config._secret_key(tmp_path) == "from-env"


def test_defaults_put_the_database_and_media_under_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MEDIA_ROOT", raising=False)
    settings = config.from_environment()
    assert settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert settings["SQLALCHEMY_DATABASE_URI"].endswith("purifier.sqlite3")
    assert settings["MEDIA_ROOT"].endswith("media")


def test_postgres_urls_use_psycopg3():
    url = "postgres://u@h/db"
    assert config.normalize_database_url(url) == "postgresql+psycopg://u@h/db"
    assert config.normalize_database_url("sqlite:///x") == "sqlite:///x"


def test_sqlite_runs_in_wal_mode_with_foreign_keys_enforced(app):
    if is_postgres():
        pytest.skip("SQLite only")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        # And enforced: a note on a job that does not exist is refused.
        with pytest.raises(sa.exc.IntegrityError):
            conn.execute(
                sa.text(
                    "INSERT INTO job_notes (id, version, created_at, updated_at, job_id, body) "
                    "VALUES ('00000000000000000000000000000001', 1, '2026-01-01', '2026-01-01', "
                    "'00000000000000000000000000000002', 'x')"
                )
            )
