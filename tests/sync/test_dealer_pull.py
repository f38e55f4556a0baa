"""Dealers pull their own jobs' evidence, read-only, and never see another dealer's."""

import uuid
from datetime import date

from server.common.models import utcnow
from server.desk.models import Job
from server.extensions import db
from server.field.models import Note
from server.sync.models import SyncConflict
from server.warranty.models import WarrantyRecord
from tests.sync.conftest import Device, count, new_id, note


def ids_by_entity(changes):
    out = {}
    for c in changes:
        out.setdefault(c["entity"], set()).add(c["id"])
    return out


def _warranty(app, unit_id, dealer_id):
    with app.app_context():
        row = WarrantyRecord(
            unit_id=uuid.UUID(unit_id),
            dealer_id=uuid.UUID(dealer_id),
            starts_on=date(2026, 11, 1),
            ends_on=date(2028, 11, 1),
        )
        db.session.add(row)
        db.session.commit()
        found = str(row.id)
        db.session.remove()
        return found


def test_a_dealer_snapshot_holds_only_its_own_jobs_with_their_evidence(
    app, client, world, tech1, tech2
):
    n1, n2 = note(world.ids["job1"], "一号"), note(world.ids["job2"], "二号")
    tech1.push(tech1.mutation("add_note", **n1))
    tech2.push(tech2.mutation("add_note", **n2))
    dealer1 = Device(client, world.auth("dealer1"))
    changes, _ = dealer1.pull_all()
    seen = ids_by_entity(changes)
    assert seen["jobs"] == {world.ids["job1"]}
    assert seen["customers"] == {world.ids["customer1"]}
    assert seen["units"] == {world.ids["unit1"]}
    assert seen["dealers"] == {world.ids["org1"]}
    assert seen["job_notes"] == {n1["id"]}
    everything = {i for ids in seen.values() for i in ids}
    for theirs in ("job2", "customer2", "unit2", "org2"):
        assert world.ids[theirs] not in everything
    assert n2["id"] not in everything


def test_a_dealer_follows_its_own_changes_and_never_the_other_dealers(
    app, client, world, tech1, tech2
):
    dealer1 = Device(client, world.auth("dealer1"))
    dealer2 = Device(client, world.auth("dealer2"))
    _, c1 = dealer1.pull_all()
    _, c2 = dealer2.pull_all()
    n1 = note(world.ids["job1"], "一号")
    tech1.push(tech1.mutation("add_note", **n1))
    warranty1 = _warranty(app, world.ids["unit1"], world.ids["org1"])
    office = world.auth("dispatcher")
    r = client.patch(
        f"/api/customers/{world.ids['customer1']}",
        headers=office,
        json={"name": "张伟", "phone": "13800000001", "address": "杭州市西湖区文三路100号"},
    )
    assert r.status_code == 200
    r = client.post(f"/api/jobs/{world.ids['job1']}/cancel", headers=office, json={"reason": "x"})
    assert r.status_code == 200

    changes1, _ = dealer1.pull_all(c1)
    seen1 = ids_by_entity(changes1)
    assert n1["id"] in seen1["job_notes"]
    assert warranty1 in seen1["warranty_records"]
    assert world.ids["customer1"] in seen1["customers"]
    # A cancelled job stays on a dealer's device (a technician's device drops it).
    job = {c["id"]: c for c in changes1 if c["entity"] == "jobs"}[world.ids["job1"]]
    assert (job["op"], job["data"]["status"]) == ("upsert", "cancelled")
    assert all(c["op"] in ("upsert", "delete") for c in changes1)
    # Dealer 2 gets nothing of dealer 1's: not the evidence, not the office's edits.
    changes2, c2 = dealer2.pull_all(c2)
    assert changes2 == []
    # And the other way round.
    _, c1 = dealer1.pull_all(c1)
    tech2.push(tech2.mutation("add_note", **note(world.ids["job2"])))
    r = client.patch(
        f"/api/customers/{world.ids['customer2']}",
        headers=office,
        json={"name": "李娜", "phone": "13800000002", "address": "x", "notes": "VIP"},
    )
    assert r.status_code == 200
    changes1, _ = dealer1.pull_all(c1)
    assert changes1 == []
    changes2, _ = dealer2.pull_all(c2)
    assert {world.ids["customer2"]} <= ids_by_entity(changes2)["customers"]


def test_a_deleted_job_leaves_its_dealers_device(app, client, world):
    dealer1 = Device(client, world.auth("dealer1"))
    dealer2 = Device(client, world.auth("dealer2"))
    _, c1 = dealer1.pull_all()
    _, c2 = dealer2.pull_all()
    with app.app_context():
        db.session.get(Job, uuid.UUID(world.ids["job1"])).deleted_at = utcnow()
        db.session.commit()
    changes1, _ = dealer1.pull_all(c1)
    # Like every job that leaves a device's scope: a removal (the office gets tombstones).
    assert [(c["id"], c["op"]) for c in changes1 if c["entity"] == "jobs"] == [
        (world.ids["job1"], "remove")
    ]
    assert dealer2.pull_all(c2)[0] == []


def test_dealers_never_see_conflicts(app, client, world, tech1):
    dealer1 = Device(client, world.auth("dealer1"))
    _, cursor = dealer1.pull_all()
    with app.app_context():
        db.session.get(Job, uuid.UUID(world.ids["job1"])).locked_at = utcnow()
        db.session.commit()
    body = tech1.push(tech1.mutation("add_note", **note(world.ids["job1"])))
    assert body["results"][0]["status"] == "conflict"
    assert count(app, SyncConflict) == 1
    for changes in (dealer1.pull_all(cursor)[0], dealer1.pull_all()[0]):  # log, then snapshot
        assert "sync_conflicts" not in ids_by_entity(changes)
        assert "job_notes" in ids_by_entity(changes)


def test_a_dealer_may_not_push(app, client, world):
    body = {
        "schema_version": 1,
        "client_id": new_id(),
        "mutations": [
            {
                "mutation_id": 1,
                "name": "add_note",
                "args": note(world.ids["job1"]),
                "at": "2026-11-25T10:00:00+08:00",
            }
        ],
    }
    r = client.post("/api/sync/push", json=body, headers=world.auth("dealer1"))
    assert r.status_code == 403
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert count(app, Note) == 0


def test_a_dealer_reads_its_own_rules_only(client, world):
    auth = world.auth("dealer1")
    r = client.get("/api/sync/rules", query_string={"dealer_id": world.ids["org1"]}, headers=auth)
    assert r.status_code == 200 and "installation" in r.get_json()["kinds"]
    r = client.get("/api/sync/rules", query_string={"dealer_id": world.ids["org2"]}, headers=auth)
    assert r.status_code == 404
