"""Intake by phone or serial, the SLA clocks in the API, acknowledgement, the appointment
call (its surcharge and quote as fee agreements) and the escalation list."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.desk.models import Customer, Job, ServiceRequest, Unit
from server.extensions import db
from server.field.models import FeeAgreement, Visit
from tests.helpers import assert_problem, count, set_job

SHA = "ab" * 32


def post(client, world, url, payload=None, who="dispatcher"):
    return client.post(url, json=payload or {}, headers=world.auth(who))


def test_a_known_phone_finds_the_customer_and_a_serial_the_unit(client, world, app):
    r = post(
        client,
        world,
        "/api/requests/intake",
        {
            "channel": "phone",
            "kind": "repair",
            "phone": "13800000001",
            "serial": "SN-TEST-1",
            "description": "漏水",
            "proof_of_purchase_sha256": SHA,
        },
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["customer_id"] == world.ids["customer1"]
    assert body["unit_id"] == world.ids["unit1"]
    assert body["dealer_id"] == world.ids["org1"]
    sla = body["sla"]
    assert sla["timezone"] == "Asia/Shanghai"
    assert sla["acknowledge_by"].endswith("+08:00")
    assert [c["name"] for c in sla["clocks"]] == ["acknowledge", "contact", "on_site", "resolve"]
    assert {c["state"] for c in sla["clocks"]} == {"running"}
    with app.app_context():
        unit = db.session.get(Unit, uuid.UUID(world.ids["unit1"]))
        assert unit.proof_of_purchase_sha256 == SHA
        stored = db.session.get(ServiceRequest, uuid.UUID(body["id"]))
        assert stored.acknowledge_due is not None and stored.repair_due is not None


def test_a_new_phone_and_serial_create_the_customer_and_unit(client, world, app):
    with app.app_context():
        customers, units = count(Customer), count(Unit)
    r = post(
        client,
        world,
        "/api/requests/intake",
        {
            "channel": "wechat",
            "kind": "installation",
            "phone": "13911112222",
            "name": "王芳",
            "address": "杭州市拱墅区1号",
            "serial": "SN-NEW-9",
            "model": "RO-800G",
            "dealer_id": world.ids["org2"],
        },
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["dealer_id"] == world.ids["org2"]
    with app.app_context():
        assert (count(Customer), count(Unit)) == (customers + 1, units + 1)


def test_intake_refuses_what_it_cannot_resolve_and_writes_nothing(client, world, app):
    with app.app_context():
        before = count(ServiceRequest), count(Customer)
    cases = [
        ({"channel": "phone", "kind": "repair"}, "phone"),
        ({"channel": "phone", "kind": "repair", "phone": "13922223333"}, "name"),
        (
            {"channel": "phone", "kind": "repair", "phone": "13800000002", "serial": "SN-TEST-1"},
            "serial",
        ),
        ({"channel": "phone", "kind": "repair", "serial": "SN-UNKNOWN"}, "serial"),
        ({"channel": "fax", "kind": "repair", "phone": "13800000001"}, "channel"),
        ({"channel": "phone", "kind": "repair", "phone": "13800000001"}, "dealer_id"),
        (
            {
                "channel": "phone",
                "kind": "repair",
                "serial": "SN-TEST-1",
                "received_at": "2199-01-01T00:00:00+00:00",
            },
            "received_at",
        ),
    ]
    for payload, field in cases:
        assert_problem(post(client, world, "/api/requests/intake", payload), 422, field=field)
    with app.app_context():
        assert (count(ServiceRequest), count(Customer)) == before


def test_a_late_entry_counts_from_the_real_time(client, world):
    # Logged on Monday, received Friday 17:55 Shanghai: acknowledge by Monday 10:55.
    r = post(
        client,
        world,
        "/api/requests",
        {
            "customer_id": world.ids["customer1"],
            "unit_id": world.ids["unit1"],
            "kind": "repair",
            "channel": "phone",
            "received_at": "2026-12-04T17:55:00+08:00",
        },
    ).get_json()
    assert r["sla"]["acknowledge_by"] == "2026-12-07T10:55:00+08:00"
    assert r["acknowledge_due"] == "2026-12-07T02:55:00+00:00"


def _request(client, world, received="2026-12-04T17:55:00+08:00", kind="repair"):
    return post(
        client,
        world,
        "/api/requests/intake",
        {"channel": "phone", "kind": kind, "serial": "SN-TEST-1", "received_at": received},
    ).get_json()


def test_acknowledging_meets_the_clock_once(client, world):
    req = _request(client, world, datetime.now(UTC).isoformat())
    first = post(client, world, f"/api/requests/{req['id']}/acknowledge").get_json()
    assert first["status"] == "acknowledged"
    assert first["sla"]["clocks"][0]["state"] == "met"
    again = post(client, world, f"/api/requests/{req['id']}/acknowledge").get_json()
    assert again["acknowledged_at"] == first["acknowledged_at"]
    assert_problem(post(client, world, f"/api/requests/{req['id']}/acknowledge", who="tech1"), 403)


def _call(**changes):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    return {
        "visit_start": start.isoformat(),
        "visit_end": (start + timedelta(hours=2)).isoformat(),
        "no_show_fee_told": True,
        "address": "杭州市西湖区文三路1号",
        "site_conditions": "厨房水槽下空间窄",
        **changes,
    }


def test_the_appointment_call_meets_contact_and_records_agreed_charges(client, world, app):
    req = _request(client, world, "2026-11-02T09:00:00+08:00")
    set_job(app, world.ids["job1"], request_id=uuid.UUID(req["id"]))
    r = post(
        client,
        world,
        f"/api/requests/{req['id']}/appointment-calls",
        _call(
            distance_km=18.5,
            travel_surcharge_fen=3000,
            extra_work="加装前置过滤器",
            extra_work_fen=12000,
            accessories_missing="缺少鹅颈龙头",
            accessories_cleared=True,
        ),
    )
    assert r.status_code == 201, r.get_json()
    call = r.get_json()
    assert call["no_show_fen"] == 3000 and call["job_id"] == world.ids["job1"]
    got = client.get(f"/api/requests/{req['id']}", headers=world.auth("admin")).get_json()
    assert got["status"] == "scheduled" and got["contacted_at"] == call["called_at"]
    states = {c["name"]: c["state"] for c in got["sla"]["clocks"]}
    # Received weeks ago: the contact clock (24 working hours) ran out before this call.
    assert states["contact"] == "breached"
    with app.app_context():
        agreed = db.session.scalars(sa.select(FeeAgreement).order_by(FeeAgreement.kind)).all()
        assert [(a.kind, a.amount_fen, a.way, a.party) for a in agreed] == [
            ("extra_work", 12000, "call", "customer"),
            ("travel", 3000, "call", "customer"),
        ]
        assert str(agreed[1].id) == call["travel_agreement_id"]


def test_the_appointment_call_refuses_what_the_rules_do_not_allow(client, world, app):
    req = _request(client, world)
    url = f"/api/requests/{req['id']}/appointment-calls"
    for payload, field in [
        (_call(no_show_fee_told=False), "no_show_fee_told"),
        (_call(distance_km=5, travel_surcharge_fen=3000), "travel_surcharge_fen"),
        (_call(distance_km=25), "travel_surcharge_fen"),
        (_call(distance_km=25, travel_surcharge_fen=3000), "job_id"),  # no job yet
        (_call(extra_work_fen=100), "extra_work"),
        (_call(visit_end=datetime(2020, 1, 1, tzinfo=UTC).isoformat()), "visit_end"),
    ]:
        assert_problem(post(client, world, url, payload), 422, field=field)
    with app.app_context():
        assert count(FeeAgreement) == 0
        assert db.session.get(ServiceRequest, uuid.UUID(req["id"])).contacted_at is None


def test_on_site_and_resolve_are_met_by_the_jobs_visit_and_completion(client, world, app):
    req = _request(client, world, datetime.now(UTC).isoformat())
    now = datetime.now(UTC)
    set_job(app, world.ids["job1"], request_id=uuid.UUID(req["id"]))
    with app.app_context():
        job = db.session.get(Job, uuid.UUID(world.ids["job1"]))
        db.session.add(Visit(job_id=job.id, technician_id=job.technician_id, arrived_at=now))
        db.session.commit()
    got = client.get(f"/api/requests/{req['id']}", headers=world.auth("admin")).get_json()
    clocks = {c["name"]: c for c in got["sla"]["clocks"]}
    assert clocks["on_site"]["state"] == "met" and clocks["resolve"]["state"] == "running"
    set_job(app, world.ids["job1"], status="completed", completed_at=now)
    got = client.get(f"/api/requests/{req['id']}", headers=world.auth("admin")).get_json()
    assert {c["name"]: c["state"] for c in got["sla"]["clocks"]}["resolve"] == "met"


def test_the_escalation_list_names_breached_and_near_breach_clocks(client, world):
    late = _request(client, world, "2026-11-02T09:00:00+08:00")
    fresh = _request(client, world, datetime.now(UTC).isoformat())
    body = client.get("/api/requests/escalations", headers=world.auth("admin")).get_json()
    listed = {(e["request"]["id"], e["clock"]) for e in body}
    assert (late["id"], "acknowledge") in listed
    assert all(e["state"] == "breached" for e in body if e["request"]["id"] == late["id"])
    assert (fresh["id"], "acknowledge") not in listed
    # A dealer sees only its own requests' escalations.
    other = client.get("/api/requests/escalations", headers=world.auth("dealer2")).get_json()
    assert other == []


def test_closing_a_request_stops_its_clocks_and_keeps_breaches(client, world):
    late = _request(client, world, "2026-11-02T09:00:00+08:00")
    fresh = _request(client, world, datetime.now(UTC).isoformat())
    for req in (late, fresh):
        r = client.patch(
            f"/api/requests/{req['id']}", json={"status": "closed"}, headers=world.auth("admin")
        )
        assert r.status_code == 200 and r.get_json()["closed_at"]
    late_states = {c["name"]: c["state"] for c in _get(client, world, late)["sla"]["clocks"]}
    fresh_states = {c["name"]: c["state"] for c in _get(client, world, fresh)["sla"]["clocks"]}
    assert late_states["acknowledge"] == "breached"  # past due before it was closed
    assert fresh_states == dict.fromkeys(fresh_states, "stopped")
    listed = client.get("/api/requests/escalations", headers=world.auth("admin")).get_json()
    assert listed == []  # an ended request is no one's to chase
    reopened = client.patch(
        f"/api/requests/{fresh['id']}", json={"status": "new"}, headers=world.auth("admin")
    ).get_json()
    assert reopened["closed_at"] is None
    assert {c["state"] for c in reopened["sla"]["clocks"]} == {"running"}


@pytest.mark.parametrize("kind", ["remote_support", "consultation"])
def test_work_done_remotely_runs_no_on_site_clock(client, world, kind):
    late = _request(client, world, "2026-11-02T09:00:00+08:00", kind=kind)
    assert late["sla"]["on_site_by"] is None and late["on_site_due"] is None
    names = [c["name"] for c in late["sla"]["clocks"]]
    assert names == ["acknowledge", "contact", "resolve"]
    listed = client.get("/api/requests/escalations", headers=world.auth("admin")).get_json()
    mine = {e["clock"] for e in listed if e["request"]["id"] == late["id"]}
    assert mine == {"acknowledge", "contact", "resolve"}  # all breached, none on site
    repair = _request(client, world, "2026-11-02T09:00:00+08:00")
    assert repair["sla"]["on_site_by"] is not None
    assert "on_site" in [c["name"] for c in repair["sla"]["clocks"]]


def _get(client, world, req):
    return client.get(f"/api/requests/{req['id']}", headers=world.auth("admin")).get_json()


def test_a_dealers_new_policy_moves_the_deadlines_of_its_running_requests(client, world):
    running = _request(client, world, "2026-12-04T17:55:00+08:00")
    assert running["sla"]["acknowledge_by"] == "2026-12-07T10:55:00+08:00"
    changed = client.patch(
        f"/api/dealers/{world.ids['org1']}/policy",
        json={"sla": {"acknowledge_minutes": 30}},
        headers=world.auth("admin"),
    )
    assert changed.status_code == 200, changed.get_json()
    # Friday 17:55 + 30 working minutes: 5 on Friday, 25 on Monday morning.
    assert _get(client, world, running)["sla"]["acknowledge_by"] == "2026-12-07T09:25:00+08:00"
