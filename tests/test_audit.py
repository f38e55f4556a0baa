"""Audit entries name who acted and from where; the actor never outlives its request."""

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.audit.service import record
from server.extensions import db


def test_an_office_action_is_audited_with_its_actor_and_address(client, world, app):
    body = {"name": "王芳", "phone": "13800001111", "address": "杭州市西湖区文三路1号"}
    r = client.post("/api/customers", json=body, headers=world.auth("dispatcher"))
    assert r.status_code == 201
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.entity_id == r.get_json()["id"])
        ).one()
        assert (str(entry.actor_id), entry.address, entry.action) == (
            world.ids["dispatcher"],
            "127.0.0.1",
            "create",
        )
        # Outside a request nobody is acting: the request's user is not remembered.
        later = record("sweep", "media")
        assert (later.actor_id, later.address) == (None, None)
        db.session.rollback()
