"""Complaints from open to closed: owner, notes, deadline; moves outside the table are 409."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from server.care.complaints import MOVES
from server.care.models import Complaint
from server.extensions import db
from tests.helpers import assert_problem, row_counts


def create(client, world, who="dispatcher", **body):
    body = {"customer_id": world.ids["customer1"], "summary": "安装后漏水", **body}
    return client.post("/api/complaints", json=body, headers=world.auth(who))


@pytest.fixture
def complaint(client, world):
    r = create(client, world, job_id=world.ids["job1"])
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def act(client, world, complaint_id, move, body=None, who="dispatcher"):
    return client.post(
        f"/api/complaints/{complaint_id}/{move}", json=body or {}, headers=world.auth(who)
    )


def test_a_complaint_takes_its_dealer_and_unit_from_the_job_and_a_policy_deadline(world, complaint):
    assert complaint["dealer_id"] == world.ids["org1"]
    assert complaint["unit_id"] == world.ids["unit1"]
    assert (complaint["status"], complaint["source"], complaint["overdue"]) == (
        "open",
        "office",
        False,
    )
    opened = datetime.fromisoformat(complaint["opened_at"])
    assert datetime.fromisoformat(complaint["due_at"]) - opened == timedelta(hours=48)


def test_without_a_job_or_unit_the_dealer_must_be_named(app, client, world):
    before = row_counts(app)
    assert_problem(create(client, world), 422, field="dealer_id")
    assert row_counts(app) == before
    r = create(client, world, dealer_id=world.ids["org2"])
    assert r.status_code == 201 and r.get_json()["dealer_id"] == world.ids["org2"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"job_id": "job2"}, "job_id"),  # another customer's job
        ({"unit_id": "unit2"}, "unit_id"),
        ({"job_id": "job1", "dealer_id": "org2"}, "dealer_id"),
        ({"job_id": "job1", "owner_id": "tech1"}, "owner_id"),  # owners are office people
        ({"job_id": "job1", "summary": ""}, "summary"),
        ({"due_at": "2026-01-01T00:00:00"}, "due_at"),  # no offset
    ],
)
def test_bad_references_are_422_and_write_nothing(app, client, world, body, field):
    body = {k: world.ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = row_counts(app)
    assert_problem(create(client, world, **body), 422, field=field)
    assert row_counts(app) == before


def test_the_lifecycle_open_in_progress_closed_reopened(client, world, complaint):
    cid = complaint["id"]
    assert act(client, world, cid, "start").get_json()["status"] == "in_progress"
    closed = act(client, world, cid, "close", {"resolution": "更换接头，客户满意"}).get_json()
    assert closed["status"] == "closed" and closed["closed_at"] and closed["resolution"]
    reopened = act(client, world, cid, "reopen", {"reason": "客户说又漏了"}).get_json()
    assert reopened["status"] == "open" and reopened["closed_at"] is None
    assert "客户说又漏了" in reopened["notes"][-1]["body"]
    # Closing straight from open is allowed too.
    assert act(client, world, cid, "close", {"resolution": "ok"}).get_json()["status"] == "closed"


@pytest.mark.parametrize(
    ("path", "move", "body"),
    [
        (["start"], "start", None),  # in_progress cannot start again
        (["close"], "start", None),
        (["close"], "close", {"resolution": "again"}),
        ([], "reopen", {"reason": "never closed"}),
        (["start"], "reopen", {"reason": "not closed"}),
    ],
)
def test_a_move_from_a_status_the_table_does_not_list_is_409(
    client, world, complaint, path, move, body
):
    cid = complaint["id"]
    for step in path:
        args = {"resolution": "done"} if step == "close" else None
        assert act(client, world, cid, step, args).status_code == 200
    problem = assert_problem(act(client, world, cid, move, body), 409)
    assert problem["type"].endswith("complaint-status")
    assert set(MOVES) == {"start", "close", "reopen"}


@pytest.mark.parametrize(
    ("move", "body", "field"),
    [
        ("close", {}, "resolution"),
        ("close", {"resolution": ""}, "resolution"),
        ("reopen", {}, "reason"),
    ],
)
def test_a_close_needs_a_resolution_and_a_reopen_a_reason(
    client, world, complaint, move, body, field
):
    if move == "reopen":
        act(client, world, complaint["id"], "close", {"resolution": "done"})
    assert_problem(act(client, world, complaint["id"], move, body), 422, field=field)


def test_owner_deadline_and_notes(app, client, world, complaint):
    cid, headers = complaint["id"], world.auth("admin")
    with app.app_context():  # opened yesterday
        row = db.session.get(Complaint, uuid.UUID(cid))
        row.opened_at -= timedelta(days=1)
        db.session.commit()
    due = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    r = client.patch(
        f"/api/complaints/{cid}",
        json={"owner_id": world.ids["dispatcher"], "due_at": due},
        headers=headers,
    )
    assert r.status_code == 200 and r.get_json()["owner_id"] == world.ids["dispatcher"]
    assert r.get_json()["overdue"] is True
    note = client.post(f"/api/complaints/{cid}/notes", json={"body": "已回电"}, headers=headers)
    assert note.status_code == 201 and note.get_json()["notes"][0]["body"] == "已回电"
    late = client.get("/api/complaints", query_string={"overdue": "true"}, headers=headers)
    assert [c["id"] for c in late.get_json()["items"]] == [cid]
    on_time = client.get("/api/complaints", query_string={"overdue": "false"}, headers=headers)
    assert on_time.get_json()["total"] == 0
    early = (datetime.fromisoformat(complaint["opened_at"]) - timedelta(days=2)).isoformat()
    r = client.patch(f"/api/complaints/{cid}", json={"due_at": early}, headers=headers)
    assert_problem(r, 422, field="due_at")


def test_a_closed_complaint_is_not_edited_until_reopened(client, world, complaint):
    act(client, world, complaint["id"], "close", {"resolution": "done"})
    r = client.patch(
        f"/api/complaints/{complaint['id']}", json={"summary": "x"}, headers=world.auth("admin")
    )
    assert assert_problem(r, 409)["type"].endswith("complaint-closed")
    closed = client.get(
        "/api/complaints", query_string={"overdue": "true"}, headers=world.auth("admin")
    )
    assert closed.get_json()["total"] == 0


def test_a_dealer_reads_only_complaints_about_it_and_changes_none(client, world, complaint):
    other = create(client, world, customer_id=world.ids["customer2"], job_id=world.ids["job2"])
    mine = client.get("/api/complaints", headers=world.auth("dealer1")).get_json()
    assert [c["id"] for c in mine["items"]] == [complaint["id"]]
    assert (
        client.get(f"/api/complaints/{complaint['id']}", headers=world.auth("dealer1")).status_code
        == 200
    )
    r = client.get(f"/api/complaints/{other.get_json()['id']}", headers=world.auth("dealer1"))
    assert_problem(r, 404)
    assert_problem(create(client, world, who="dealer1", job_id=world.ids["job1"]), 403)
    assert_problem(act(client, world, complaint["id"], "start", who="dealer1"), 403)


def test_technicians_see_no_complaints(client, world, complaint):
    assert_problem(client.get("/api/complaints", headers=world.auth("tech1")), 403)
    r = client.get(f"/api/complaints/{complaint['id']}", headers=world.auth("tech1"))
    assert_problem(r, 403)


def test_an_admin_deletes_a_complaint_made_in_error(client, world, complaint):
    path = f"/api/complaints/{complaint['id']}"
    assert_problem(client.delete(path, headers=world.auth("dispatcher")), 403)
    assert client.delete(path, headers=world.auth("admin")).status_code == 204
    assert_problem(client.get(path, headers=world.auth("admin")), 404)
