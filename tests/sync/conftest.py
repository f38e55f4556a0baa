"""Helpers for sync tests: a simulated device with its own outbox numbering."""

import hashlib
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from server.extensions import db

NOW = "2026-11-25T10:00:00+08:00"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_id() -> str:
    return str(uuid.uuid4())


class Device:
    """One installed app: a client_id and mutation ids 1, 2, 3 …"""

    def __init__(self, client, headers, client_id=None):
        self.client = client
        self.headers = headers
        self.client_id = client_id or new_id()
        self.next_id = 1

    def mutation(self, mutation_name, /, **args):
        m = {"mutation_id": self.next_id, "name": mutation_name, "args": args, "at": NOW}
        self.next_id += 1
        return m

    def send(self, mutations, **extra):
        body = {"schema_version": 1, "client_id": self.client_id, "mutations": mutations, **extra}
        return self.client.post("/api/sync/push", json=body, headers=self.headers)

    def push(self, *mutations):
        response = self.send(list(mutations))
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def pull(self, cursor=None, limit=500):
        query = {"limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        response = self.client.get("/api/sync/pull", query_string=query, headers=self.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def pull_all(self, cursor=None, limit=500):
        """Follow has_more to the end; return (changes, cursor)."""
        changes = []
        while True:
            body = self.pull(cursor, limit)
            changes += body["changes"]
            cursor = body["cursor"]
            if not body["has_more"]:
                return changes, cursor


def note(job_id, body="备注", **kw):
    return dict(id=new_id(), job_id=job_id, body=body, **kw)


def signature(job_id, purpose, text="本人确认以上内容属实。"):
    return dict(
        id=new_id(),
        job_id=job_id,
        purpose=purpose,
        signer_name="张伟",
        statement_text=text,
        statement_sha256=sha(text),
        strokes=[{"points": [{"x": 1, "y": 2, "time": 0}]}],
        png_sha256=sha("png"),
        signed_at=NOW,
    )


def answer(job_id, item, value):
    return dict(id=new_id(), job_id=job_id, item=item, value=value, answered_at=NOW)


def photo(job_id, purpose):
    return dict(id=new_id(), job_id=job_id, purpose=purpose, sha256=sha(new_id()), taken_at=NOW)


def pressure(job_id, value, unit, kind="inlet_pressure"):
    return dict(id=new_id(), job_id=job_id, kind=kind, value=value, unit=unit, measured_at=NOW)


def count(app, model, **filters) -> int:
    with app.app_context():
        query = sa.select(sa.func.count()).select_from(model)
        for key, value in filters.items():
            query = query.where(getattr(model, key) == value)
        n = db.session.scalar(query)
        db.session.remove()
        return n


def now_utc():
    return datetime.now(UTC)


@pytest.fixture
def tech1(client, world):
    return Device(client, world.auth("tech1"))


@pytest.fixture
def tech2(client, world):
    return Device(client, world.auth("tech2"))


def dealer_id(app, n: int) -> str:
    """The id of the world's dealer n (by name: world.ids names dealer users "dealer1/2")."""
    from server.dealers.models import Dealer

    name = {1: "示例净水", 2: "清泉净水"}[n]
    with app.app_context():
        found = str(db.session.scalar(sa.select(Dealer.id).where(Dealer.name == name)))
        db.session.remove()
        return found
