"""The desk: intake, units, jobs, dispatch through the office API."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.audit.models import AuditEntry
from server.desk.models import Customer, Job, ServiceRequest, Unit
from server.extensions import db
from tests.conftest import new_id
from tests.helpers import assert_problem, count


def post(client, world, url, payload, who="dispatcher"):
    return client.post(url, json=payload, headers=world.auth(who))


def intake(client, world):
    """A new customer, their unit, a repair request and its job, as the desk records them."""
    customer = post(
        client,
        world,
        "/api/customers",
        {
            "name": "陈静",
            "phone": "13900002222",
            "city": "杭州市",
            "district": "滨江区",
            "address": "杭州市滨江区江南大道88号3幢1201室",
        },
    ).get_json()
    unit = post(
        client,
        world,
        "/api/units",
        {
            "customer_id": customer["id"],
            "dealer_id": world.ids["org1"],
            "model": "RO-600G",
            "serial": "SN26-0001",
            "purchase_date": "2026-05-01",
            "shipped_with_prv": True,
        },
    ).get_json()
    request = post(
        client,
        world,
        "/api/requests",
        {
            "customer_id": customer["id"],
            "unit_id": unit["id"],
            "kind": "repair",
            "channel": "wechat",
            "description": "滤瓶处漏水",
        },
    ).get_json()
    job = post(
        client,
        world,
        "/api/jobs",
        {
            "customer_id": customer["id"],
            "unit_id": unit["id"],
            "request_id": request["id"],
            "kind": "repair",
        },
    ).get_json()
    return customer, unit, request, job


def test_intake_to_a_scheduled_job(client, world, app):
    customer, _unit, request, job = intake(client, world)
    assert request["dealer_id"] == world.ids["org1"]  # taken from the unit
    assert request["status"] == "new" and request["received_at"]
    assert job["status"] == "new"
    assert job["dealer_id"] == world.ids["org1"]
    assert job["address"] == customer["address"]  # the customer's, unless given

    assigned = post(
        client, world, f"/api/jobs/{job['id']}/assign", {"technician_id": world.ids["tech1"]}
    ).get_json()
    assert assigned["status"] == "assigned"
    assert assigned["technician_id"] == world.ids["tech1"]
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    scheduled = post(
        client,
        world,
        f"/api/jobs/{job['id']}/schedule",
        {
            "window_start": start.isoformat(),
            "window_end": (start + timedelta(hours=2)).isoformat(),
        },
    ).get_json()
    assert scheduled["status"] == "scheduled"
    assert scheduled["window_start"] == "2026-12-01T01:00:00+00:00"
    assert scheduled["version"] > job["version"]

    # The technician now sees it; the other does not.
    mine = client.get("/api/jobs", headers=world.auth("tech1")).get_json()["items"]
    assert job["id"] in {j["id"] for j in mine}
    assert_problem(client.get(f"/api/jobs/{job['id']}", headers=world.auth("tech2")), 404)
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.entity_id == job["id"])
        ).all()
        assert actions == ["create", "assign", "schedule"]


def test_a_client_chosen_id_is_kept_and_cannot_be_reused(client, world):
    chosen = new_id()
    payload = {"id": chosen, "name": "赵敏", "phone": "13700003333", "address": "杭州市上城区1号"}
    response = post(client, world, "/api/customers", payload)
    assert response.status_code == 201 and response.get_json()["id"] == chosen
    assert_problem(post(client, world, "/api/customers", payload), 409)


def test_units_are_found_by_serial_and_by_phone(client, world):
    _customer, unit, _, _ = intake(client, world)
    by_serial = client.get("/api/units?serial=SN26-0001", headers=world.auth("dispatcher"))
    assert [u["id"] for u in by_serial.get_json()["items"]] == [unit["id"]]
    by_phone = client.get("/api/units?phone=13900002222", headers=world.auth("dispatcher"))
    assert [u["id"] for u in by_phone.get_json()["items"]] == [unit["id"]]
    nothing = client.get("/api/units?phone=10000000000", headers=world.auth("dispatcher"))
    assert nothing.get_json() == {"items": [], "page": 1, "page_size": 50, "total": 0}


def test_lists_are_paginated(client, world):
    for i in range(7):
        post(
            client,
            world,
            "/api/customers",
            {"name": f"客户{i}", "phone": f"1360000000{i}", "address": f"杭州市{i}号"},
        )
    first = client.get("/api/customers?page_size=4", headers=world.auth("admin")).get_json()
    second = client.get("/api/customers?page_size=4&page=2", headers=world.auth("admin")).get_json()
    assert first["total"] == second["total"] == 9
    assert len(first["items"]) == 4 and len(second["items"]) == 4
    assert not {c["id"] for c in first["items"]} & {c["id"] for c in second["items"]}
    third = client.get("/api/customers?page_size=4&page=3", headers=world.auth("admin")).get_json()
    assert len(third["items"]) == 1


def test_jobs_filter_by_status_technician_and_window(client, world):
    headers = world.auth("admin")
    by_tech = client.get(f"/api/jobs?technician_id={world.ids['tech1']}", headers=headers)
    assert [j["id"] for j in by_tech.get_json()["items"]] == [world.ids["job1"]]
    both = client.get("/api/jobs?status=scheduled&status=new", headers=headers).get_json()
    assert both["total"] == 2
    past = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    nothing = client.get("/api/jobs", query_string={"window_to": past}, headers=headers)
    assert nothing.get_json()["total"] == 0


def test_customer_search_matches_name_phone_or_address(client, world):
    found = client.get("/api/customers?q=李娜", headers=world.auth("admin")).get_json()
    assert [c["id"] for c in found["items"]] == [world.ids["customer2"]]


def test_cancel_closes_a_job_to_further_dispatch(client, world, app):
    url = f"/api/jobs/{world.ids['job1']}"
    cancelled = post(client, world, f"{url}/cancel", {"reason": "客户已自行处理"}).get_json()
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    assert_problem(post(client, world, f"{url}/assign", {"technician_id": world.ids["tech2"]}), 409)
    assert_problem(post(client, world, f"{url}/cancel", {"reason": "again"}), 409)
    with app.app_context():
        assert db.session.get(Job, world.job1.id).technician_id == world.users["tech1"].id


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        (
            "/api/units",
            {"customer_id": "{unknown}", "dealer_id": "{org1}", "model": "X", "serial": "SN-NEW-1"},
            "customer_id",
        ),
        (
            "/api/units",
            {
                "customer_id": "{customer1}",
                "dealer_id": "{unknown}",
                "model": "X",
                "serial": "SN-NEW-1",
            },
            "dealer_id",
        ),
        (
            "/api/units",
            {
                "customer_id": "{customer1}",
                "dealer_id": "{org1}",
                "model": "X",
                "serial": "bad serial!",
            },
            "serial",
        ),
        (
            "/api/jobs",
            {"customer_id": "{customer1}", "unit_id": "{unit2}", "kind": "repair"},
            "unit_id",
        ),
        ("/api/jobs", {"customer_id": "{customer1}", "kind": "repair"}, "dealer_id"),
        (
            "/api/jobs",
            {"customer_id": "{customer1}", "unit_id": "{unit1}", "kind": "teleport"},
            "kind",
        ),
        (
            "/api/requests",
            {
                "customer_id": "{customer1}",
                "unit_id": "{unit1}",
                "kind": "repair",
                "channel": "pigeon",
            },
            "channel",
        ),
        (
            "/api/requests",
            {
                "customer_id": "{customer2}",
                "unit_id": "{unit1}",
                "kind": "repair",
                "channel": "phone",
            },
            "unit_id",
        ),
    ],
)
def test_bad_references_are_a_422_and_write_nothing(client, world, app, url, payload, field):
    ids = {**world.ids, "unknown": new_id()}
    body = {k: v.format(**ids) if isinstance(v, str) else v for k, v in payload.items()}
    response = post(client, world, url, body)
    assert_problem(response, 422, field=field)
    with app.app_context():
        assert (count(Unit), count(Job), count(ServiceRequest), count(Customer)) == (2, 2, 0, 2)
        assert count(AuditEntry) == 0


def test_a_duplicate_serial_is_a_409(client, world, app):
    payload = {
        "customer_id": world.ids["customer1"],
        "dealer_id": world.ids["org1"],
        "model": "RO-400G",
        "serial": "SN-TEST-2",
    }
    assert_problem(post(client, world, "/api/units", payload), 409)
    with app.app_context():
        assert count(Unit) == 2


def test_assigning_to_someone_not_a_technician_is_refused(client, world, app):
    url = f"/api/jobs/{world.ids['job1']}/assign"
    for who in ("dealer1", "admin"):
        response = post(client, world, url, {"technician_id": world.ids[who]})
        assert_problem(response, 422, field="technician_id")
    assert_problem(post(client, world, url, {"technician_id": new_id()}), 422)
    with app.app_context():
        assert db.session.get(Job, world.job1.id).technician_id == world.users["tech1"].id


def test_a_window_must_end_after_it_starts(client, world):
    start = datetime(2026, 12, 1, 1, 0, tzinfo=UTC).isoformat()
    response = post(
        client,
        world,
        f"/api/jobs/{world.ids['job1']}/schedule",
        {"window_start": start, "window_end": start},
    )
    assert_problem(response, 422, field="window_end")
    naive = post(
        client,
        world,
        f"/api/jobs/{world.ids['job1']}/schedule",
        {"window_start": "2026-12-01T09:00:00", "window_end": "2026-12-01T11:00:00"},
    )
    assert_problem(naive, 422, field="window_start")


def test_unassigning_returns_the_job_to_the_queue(client, world):
    body = post(
        client, world, f"/api/jobs/{world.ids['job1']}/assign", {"technician_id": None}
    ).get_json()
    assert body["status"] == "new" and body["technician_id"] is None
    mine = client.get("/api/jobs", headers=world.auth("tech1")).get_json()
    assert mine["total"] == 0


def test_updates_change_only_the_given_fields(client, world):
    url = f"/api/customers/{world.ids['customer1']}"
    body = client.patch(url, json={"phone": "13811112222"}, headers=world.auth("dispatcher"))
    assert body.status_code == 200
    assert body.get_json()["phone"] == "13811112222"
    assert body.get_json()["name"] == "张伟"
    acknowledged = client.patch(
        f"/api/requests/{intake(client, world)[2]['id']}",
        json={"status": "acknowledged"},
        headers=world.auth("dispatcher"),
    ).get_json()
    assert acknowledged["acknowledged_at"]


def test_a_row_still_in_use_is_not_deleted_and_an_unused_one_leaves_a_tombstone(client, world, app):
    admin = world.auth("admin")
    for kind, key in (("customers", "customer1"), ("units", "unit1")):
        r = client.delete(f"/api/{kind}/{world.ids[key]}", headers=admin)
        assert assert_problem(r, 409)["type"].endswith("in-use")
    assert_problem(
        client.delete(f"/api/units/{world.ids['unit1']}", headers=world.auth("dispatcher")), 403
    )
    customer, unit, request, job = intake(client, world)
    office = client.get("/api/sync/pull", headers=admin).get_json()["cursor"]
    assert client.delete(f"/api/jobs/{job['id']}", headers=admin).status_code == 204
    for kind, row in (("requests", request), ("units", unit), ("customers", customer)):
        assert client.delete(f"/api/{kind}/{row['id']}", headers=admin).status_code == 204, kind
        assert_problem(client.get(f"/api/{kind}/{row['id']}", headers=admin), 404)
    changes = client.get(
        "/api/sync/pull", query_string={"cursor": office}, headers=admin
    ).get_json()["changes"]
    tombstones = {(c["entity"], c["id"]) for c in changes if c["op"] == "delete"}
    assert {("customers", customer["id"]), ("units", unit["id"]), ("jobs", job["id"])} <= tombstones
    with app.app_context():
        assert count(Customer) == 3  # kept, with deleted_at


def test_a_unit_moved_to_another_dealer_takes_its_open_work_along(client, world, app):
    customer, unit, request, job = intake(client, world)
    with app.app_context():
        done = Job(
            customer_id=uuid.UUID(customer["id"]),
            unit_id=uuid.UUID(unit["id"]),
            dealer_id=uuid.UUID(unit["dealer_id"]),
            kind="installation",
            status="completed",
        )
        db.session.add(done)
        db.session.commit()
        done_id = str(done.id)
        db.session.remove()
    r = client.patch(
        f"/api/units/{unit['id']}",
        json={"dealer_id": world.ids["org2"]},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    office = world.auth("admin")
    assert (
        client.get(f"/api/jobs/{job['id']}", headers=office).get_json()["dealer_id"]
        == world.ids["org2"]
    )
    assert (
        client.get(f"/api/requests/{request['id']}", headers=office).get_json()["dealer_id"]
        == world.ids["org2"]
    )
    assert (
        client.get(f"/api/jobs/{done_id}", headers=office).get_json()["dealer_id"]
        == world.ids["org1"]
    )
    with app.app_context():
        moved = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "move_dealer")
        ).all()
        assert [e.entity_id for e in moved] == [job["id"]]
        db.session.remove()
