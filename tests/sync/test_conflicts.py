"""Admins list, inspect and resolve conflicts; resolutions are audited and reach devices."""

import uuid

import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.extensions import db
from tests.helpers import job_row
from tests.sync.conftest import Device, note


def _held_description_conflict(client, world, tech1):
    phone = Device(client, world.auth("tech1"))
    job = world.ids["job1"]
    tech1.push(
        tech1.mutation("update_job", job_id=job, fields={"description": {"from": None, "to": "A"}})
    )
    body = phone.push(
        phone.mutation("update_job", job_id=job, fields={"description": {"from": None, "to": "B"}})
    )
    return body["results"][0]["conflicts"][0]


def test_admin_lists_open_conflicts_and_sees_both_sides(client, world, tech1):
    cid = _held_description_conflict(client, world, tech1)
    page = client.get(
        "/api/sync/conflicts", query_string={"status": "open"}, headers=world.auth("admin")
    ).get_json()
    assert [c["id"] for c in page["items"]] == [cid]
    one = client.get(f"/api/sync/conflicts/{cid}", headers=world.auth("admin")).get_json()
    assert (one["server_value"], one["client_value"], one["status"]) == ("A", "B", "open")
    assert one["user_id"] == world.ids["tech1"]


def test_technicians_and_dealers_cannot_see_conflicts(client, world):
    for who in ("tech1", "dealer1"):
        assert client.get("/api/sync/conflicts", headers=world.auth(who)).status_code == 403


def test_resolving_with_the_device_value_applies_it_is_audited_and_reaches_devices(
    app, client, world, tech1
):
    cid = _held_description_conflict(client, world, tech1)
    _, cursor = tech1.pull_all()
    r = client.post(
        f"/api/sync/conflicts/{cid}/resolve", headers=world.auth("admin"), json={"choice": "client"}
    )
    assert r.status_code == 200
    assert (r.get_json()["status"], r.get_json()["resolved_value"]) == ("resolved", "B")
    assert job_row(app, world.ids["job1"]).description == "B"
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "resolve_conflict")
        ).one()
        assert entry.entity_id == cid and str(entry.actor_id) == world.ids["admin"]
        assert entry.data["choice"] == "client"
        db.session.remove()
    changes, _ = tech1.pull_all(cursor)
    kinds = {(c["entity"], c["id"]): c for c in changes}
    assert kinds[("sync_conflicts", cid)]["data"]["status"] == "resolved"
    assert kinds[("jobs", world.ids["job1"])]["data"]["description"] == "B"
    # Resolving twice is refused.
    again = client.post(
        f"/api/sync/conflicts/{cid}/resolve", headers=world.auth("admin"), json={"choice": "server"}
    )
    assert again.status_code == 409


def test_resolving_with_a_merged_value_validates_and_applies_it(app, client, world, tech1):
    cid = _held_description_conflict(client, world, tech1)
    bad = client.post(
        f"/api/sync/conflicts/{cid}/resolve", headers=world.auth("admin"), json={"choice": "merged"}
    )
    assert bad.status_code == 422
    r = client.post(
        f"/api/sync/conflicts/{cid}/resolve",
        headers=world.auth("admin"),
        json={"choice": "merged", "value": "A；B"},
    )
    assert r.status_code == 200
    assert job_row(app, world.ids["job1"]).description == "A；B"


def test_keeping_the_server_value_changes_nothing(app, client, world, tech1):
    cid = _held_description_conflict(client, world, tech1)
    r = client.post(
        f"/api/sync/conflicts/{cid}/resolve",
        headers=world.auth("dispatcher"),
        json={"choice": "server"},
    )
    assert r.status_code == 200 and r.get_json()["resolution"] == "server"
    assert job_row(app, world.ids["job1"]).description == "A"


def test_taking_the_technicians_side_of_a_reassignment_gives_the_job_back(
    app, client, world, tech1
):
    job = world.ids["job1"]
    tech1.pull_all()
    client.post(
        f"/api/jobs/{job}/assign",
        headers=world.auth("dispatcher"),
        json={"technician_id": world.ids["tech2"]},
    )
    body = tech1.push(tech1.mutation("add_note", **note(job)))
    cid = body["results"][0]["conflicts"][0]
    r = client.post(
        f"/api/sync/conflicts/{cid}/resolve", headers=world.auth("admin"), json={"choice": "client"}
    )
    assert r.status_code == 200
    assert str(job_row(app, job).technician_id) == world.ids["tech1"]


def test_unknown_conflict_is_a_404(client, world):
    r = client.get(f"/api/sync/conflicts/{uuid.uuid4()}", headers=world.auth("admin"))
    assert r.status_code == 404


def test_the_admin_page_is_served_with_chinese_labels_first(client):
    r = client.get("/admin/sync/conflicts")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    # The script is a file of its own (the page's CSP allows no inline script).
    script = client.get("/admin/sync/conflicts.js").get_data(as_text=True)
    assert "同步冲突" in html and "/api/sync/conflicts" in script
    assert "保留服务器值" in script and "采用设备值" in script and "保存合并值" in script
    # Untrusted values are written with textContent, never innerHTML.
    assert "innerHTML" not in html + script
