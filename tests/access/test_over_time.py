"""Who may see what holds over time: after a change, the old party gets nothing new.

Every role walks through each change: a job reassigned, a job cancelled (its customer's
only job, or one of two), a job approved by its dealer (locked: it leaves the
technician's device) and one unlocked again by an admin, a unit moved to another
dealer. After the change the office edits the customer and the unit and a technician
records a photo on the job; then each role reads the job, its customer, its unit and
the photo's bytes through REST, through its device's pull (from a cursor taken before
the change, and a fresh snapshot), and through the media API. What each role may see
afterwards is the table below; a device holds jobs and what they need, so its pull is
what it may see of its jobs' households.
"""

import uuid
from datetime import UTC, datetime

import pytest

from server.desk.models import Job
from server.extensions import db
from tests.helpers import another_job
from tests.media.conftest import fetch, media_root, put  # noqa: F401
from tests.media.images import jpeg, sha
from tests.sync.conftest import Device, new_id

ROLES = ("admin", "dispatcher", "tech1", "tech2", "dealer1", "dealer2")
EVERYTHING = {"job", "customer", "unit", "photo"}


def reassign(client, world, app):
    office = world.auth("dispatcher")
    r = client.post(
        f"/api/jobs/{world.ids['job1']}/assign",
        json={"technician_id": world.ids["tech2"]},
        headers=office,
    )
    assert r.status_code == 200
    return "tech2"


def cancel(client, world, app):
    r = client.post(
        f"/api/jobs/{world.ids['job1']}/cancel",
        json={"reason": "客户取消"},
        headers=world.auth("dispatcher"),
    )
    assert r.status_code == 200
    return "tech1"  # their evidence still arrives: kept, and held for an admin


def cancel_one_of_two(client, world, app):
    another_job(app, world, kind="filter_change")  # customer1 has another open job
    return cancel(client, world, app)


def move_unit(client, world, app):
    r = client.patch(
        f"/api/units/{world.ids['unit1']}",
        json={"dealer_id": world.ids["org2"]},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    return "tech1"


def _complete_job1(app, world) -> None:
    with app.app_context():
        job = db.session.get(Job, uuid.UUID(world.ids["job1"]))
        job.status, job.completed_at = "completed", datetime.now(UTC)
        db.session.commit()
        db.session.remove()


def move_unit_after_its_job(client, world, app):
    """The finished job stays with the dealer it was done for; the unit goes."""
    _complete_job1(app, world)
    return move_unit(client, world, app)


def approve(client, world, app):
    """Done, and its dealer approves it: locked, it leaves the technician's device."""
    _complete_job1(app, world)
    r = client.post(f"/api/jobs/{world.ids['job1']}/approve", headers=world.auth("dealer1"))
    assert r.status_code == 200
    return "tech1"  # their evidence still arrives: kept, and held for an admin


def approve_then_unlock(client, world, app):
    approve(client, world, app)
    r = client.post(f"/api/jobs/{world.ids['job1']}/unlock", headers=world.auth("admin"))
    assert r.status_code == 200
    return "tech1"


OFFICE = {"admin": EVERYTHING, "dispatcher": EVERYTHING}
# change → (what it does, {role: what that role sees of job1's household afterwards})
CHANGES = {
    "job reassigned": (
        reassign,
        {**OFFICE, "tech1": set(), "tech2": EVERYTHING, "dealer1": EVERYTHING, "dealer2": set()},
    ),
    "job cancelled, the customer's only one": (
        cancel,
        {**OFFICE, "tech1": set(), "tech2": set(), "dealer1": EVERYTHING, "dealer2": set()},
    ),
    "job cancelled, the customer has another": (
        cancel_one_of_two,
        {
            **OFFICE,
            "tech1": {"customer", "unit"},
            "tech2": set(),
            "dealer1": EVERYTHING,
            "dealer2": set(),
        },
    ),
    "job approved by its dealer": (
        approve,
        {**OFFICE, "tech1": set(), "tech2": set(), "dealer1": EVERYTHING, "dealer2": set()},
    ),
    "job approved, then unlocked by an admin": (
        approve_then_unlock,
        {**OFFICE, "tech1": EVERYTHING, "tech2": set(), "dealer1": EVERYTHING, "dealer2": set()},
    ),
    "unit moved to another dealer": (
        move_unit,
        {**OFFICE, "tech1": EVERYTHING, "tech2": set(), "dealer1": set(), "dealer2": EVERYTHING},
    ),
    "unit moved to another dealer after its job was done": (
        move_unit_after_its_job,
        {
            **OFFICE,
            "tech1": EVERYTHING,
            "tech2": set(),
            "dealer1": {"job", "photo"},
            "dealer2": {"customer", "unit"},
        },
        # dealer2 may read the unit it owns now, but has no job of it on its device.
        {"dealer2": set()},
    ),
}
# The entity each thing is in the pull, and its world id.
THINGS = {
    "job": ("jobs", "job1"),
    "customer": ("customers", "customer1"),
    "unit": ("units", "unit1"),
}
REST = {"job": "jobs", "customer": "customers", "unit": "units"}


def _new_things_after(client, world, app, photographer: str) -> str:
    """The office edits the customer and the unit; a technician records a photo."""
    office = world.auth("admin")
    r = client.patch(
        f"/api/customers/{world.ids['customer1']}", json={"notes": "新备注"}, headers=office
    )
    assert r.status_code == 200
    r = client.patch(f"/api/units/{world.ids['unit1']}", json={"model": "RO-600G"}, headers=office)
    assert r.status_code == 200
    data = jpeg(seed=7)
    assert put(client, world, data, who="dispatcher").status_code == 201
    device = Device(client, world.auth(photographer))
    body = device.push(
        device.mutation(
            "add_photo",
            id=new_id(),
            job_id=world.ids["job1"],
            purpose="site",
            sha256=sha(data),
            taken_at=datetime.now(UTC).isoformat(),
        )
    )
    assert body["results"][0]["status"] in ("applied", "conflict")
    return sha(data)


def _rest_sees(client, world, role: str, thing: str) -> bool:
    what, key = REST[thing], THINGS[thing][1]
    one = client.get(f"/api/{what}/{world.ids[key]}", headers=world.auth(role))
    listed = client.get(f"/api/{what}", query_string={"page_size": 500}, headers=world.auth(role))
    in_list = world.ids[key] in {item["id"] for item in listed.get_json()["items"]}
    assert (one.status_code == 200) == in_list, (role, thing, one.status_code)
    if one.status_code != 200:
        assert one.status_code == 404, (role, thing, one.status_code)
    return in_list


def _media_sees(client, world, role: str, address: str) -> bool:
    response = fetch(client, f"/api/media/{address}/original", headers=world.auth(role))
    assert response.status_code in (200, 404), (role, response.status_code)
    return response.status_code == 200


@pytest.mark.parametrize("change", list(CHANGES))
def test_after_a_change_the_old_party_gets_nothing_new(app, client, world, change):
    do, visible, *pull_only = CHANGES[change]
    pulled = {**visible, **(pull_only[0] if pull_only else {})}
    devices = {role: Device(client, world.auth(role)) for role in ROLES}
    cursors = {role: devices[role].pull_all()[1] for role in ROLES}

    photographer = do(client, world, app)
    address = _new_things_after(client, world, app, photographer)

    for role in ROLES:
        sees = visible[role]
        for thing in REST:
            assert _rest_sees(client, world, role, thing) == (thing in sees), (role, thing)
        assert _media_sees(client, world, role, address) == ("photo" in sees), role

        sees = pulled[role]
        changes, _ = devices[role].pull_all(cursors[role])
        upserted = {(c["entity"], c["id"]) for c in changes if c["op"] == "upsert"}
        for thing, (entity, key) in THINGS.items():
            arrived = (entity, world.ids[key]) in upserted
            # What a role may see reaches its device; what it may not never does.
            assert arrived == (thing in sees), (role, thing, "follow")
        photos = {c["data"]["sha256"] for c in changes if c["entity"] == "photos" and c["data"]}
        assert (address in photos) == ("photo" in sees), (role, "photo record")
        removed = {c["id"] for c in changes if c["op"] == "remove"}
        had_it = role in ("tech1", "dealer1")
        assert (world.ids["job1"] in removed) == (had_it and "job" not in sees), (role, removed)

        snapshot, _ = devices[role].pull_all()
        held = {(c["entity"], c["id"]) for c in snapshot}
        for thing, (entity, key) in THINGS.items():
            assert ((entity, world.ids[key]) in held) == (thing in sees), (role, thing, "snapshot")
