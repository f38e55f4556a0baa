"""sync/bulk.py: rows written by COPY (PostgreSQL) or executemany (SQLite) read back the
same as through the ORM, and a refused row fails the whole call with SQLAlchemy's error."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.sync import bulk
from server.sync.models import SyncClient, SyncMutation
from server.sync.service import RECORD_COLUMNS


def _client(world) -> uuid.UUID:
    client = SyncClient(id=uuid.uuid4(), user_id=uuid.UUID(world.ids["tech1"]))
    db.session.add(client)
    db.session.flush()
    return client.id


def test_rows_read_back_as_written_times_in_utc_documents_whole(app, world):
    with app.app_context():
        client_id = _client(world)
        shanghai = timezone(timedelta(hours=8))
        at = datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=shanghai)
        result = {"status": "applied", "详情": "带\t制表符\n和换行 \\ 反斜杠", "n": [1, None]}
        rows = [
            (client_id, 1, "add_note", "applied", result, at, at),
            (client_id, 2, "add_note", "rejected", {"reason": "x"}, None, at),
        ]
        bulk.insert_rows(db.session, SyncMutation.__table__, RECORD_COLUMNS, rows)
        db.session.commit()
        stored = db.session.scalars(
            sa.select(SyncMutation).order_by(SyncMutation.mutation_id)
        ).all()
        assert [(s.mutation_id, s.status) for s in stored] == [(1, "applied"), (2, "rejected")]
        assert stored[0].result == result
        assert stored[0].client_at == at.astimezone(UTC)
        assert stored[1].client_at is None
        db.session.remove()


def test_a_refused_row_fails_the_call_with_sqlalchemys_integrity_error(app, world):
    with app.app_context():
        client_id = _client(world)
        db.session.commit()
        now = datetime.now(UTC)
        row = (client_id, 1, "add_note", "applied", {}, None, now)
        with pytest.raises(sa.exc.IntegrityError):
            bulk.insert_rows(db.session, SyncMutation.__table__, RECORD_COLUMNS, [row, row])
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncMutation)) == 0
        db.session.remove()


def test_a_naive_time_is_refused_before_anything_is_sent(app, world):
    with app.app_context():
        client_id = _client(world)
        row = (client_id, 1, "add_note", "applied", {}, None, datetime(2026, 1, 1))
        with pytest.raises((ValueError, sa.exc.StatementError)):
            bulk.insert_rows(db.session, SyncMutation.__table__, RECORD_COLUMNS, [row])
        db.session.rollback()
        db.session.remove()
