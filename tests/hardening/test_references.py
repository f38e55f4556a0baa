"""An id naming a row that does not exist is a 422 naming the field, never a foreign-key
error from the database: on every create and update that takes an id, and in a push."""

import pytest

from tests.helpers import assert_problem, row_counts
from tests.sync.conftest import NOW, Device, new_id, note, tech1  # noqa: F401

GHOST = "00000000-0000-4000-8000-000000000000"
UNIT = {"model": "RO-400G", "serial": "SN-GHOST-1"}
REQUEST = {"kind": "repair", "channel": "phone"}
JOB = {"kind": "repair"}

# (method, path, body; "{ghost}" is an id of nothing, the field named)
CASES = [
    (
        "POST",
        "/api/units",
        {**UNIT, "customer_id": "{ghost}", "dealer_id": "{org1}"},
        "customer_id",
    ),
    (
        "POST",
        "/api/units",
        {**UNIT, "customer_id": "{customer1}", "dealer_id": "{ghost}"},
        "dealer_id",
    ),
    ("PATCH", "/api/units/{unit1}", {"customer_id": "{ghost}"}, "customer_id"),
    ("PATCH", "/api/units/{unit1}", {"dealer_id": "{ghost}"}, "dealer_id"),
    (
        "POST",
        "/api/requests",
        {**REQUEST, "customer_id": "{ghost}", "dealer_id": "{org1}"},
        "customer_id",
    ),
    (
        "POST",
        "/api/requests",
        {**REQUEST, "customer_id": "{customer1}", "unit_id": "{ghost}"},
        "unit_id",
    ),
    (
        "POST",
        "/api/requests",
        {**REQUEST, "customer_id": "{customer1}", "dealer_id": "{ghost}"},
        "dealer_id",
    ),
    ("POST", "/api/jobs", {**JOB, "customer_id": "{ghost}", "dealer_id": "{org1}"}, "customer_id"),
    ("POST", "/api/jobs", {**JOB, "customer_id": "{customer1}", "unit_id": "{ghost}"}, "unit_id"),
    (
        "POST",
        "/api/jobs",
        {**JOB, "customer_id": "{customer1}", "dealer_id": "{ghost}"},
        "dealer_id",
    ),
    (
        "POST",
        "/api/jobs",
        {**JOB, "customer_id": "{customer1}", "unit_id": "{unit1}", "request_id": "{ghost}"},
        "request_id",
    ),
    ("POST", "/api/jobs/{job1}/assign", {"technician_id": "{ghost}"}, "technician_id"),
    (
        "POST",
        "/api/users",
        {
            "username": "d9",
            "display_name": "九",
            "role": "dealer",
            "password": "12345678",
            "dealer_id": "{ghost}",
        },
        "dealer_id",
    ),
    ("POST", "/api/jobs/{job1}/notes", {"body": "备注", "visit_id": "{ghost}"}, "visit_id"),
    (
        "POST",
        "/api/jobs/{job1}/fees",
        {
            "kind": "travel",
            "description": "路费",
            "amount_fen": 500,
            "payer": "customer",
            "visit_id": "{ghost}",
        },
        "visit_id",
    ),
]


def _fill(body: dict, world) -> dict:
    ids = {**world.ids, "ghost": GHOST}
    return {k: v.format(**ids) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize(("method", "path", "body", "field"), CASES)
def test_an_id_of_nothing_is_a_422_naming_the_field_and_writes_nothing(
    app, client, world, method, path, body, field
):
    before = row_counts(app)
    response = client.open(
        path.format(**world.ids),
        method=method,
        json=_fill(body, world),
        headers=world.auth("admin"),
    )
    assert_problem(response, 422, field=field)
    assert row_counts(app) == before


def test_updating_a_request_to_a_unit_of_nothing_is_a_422(app, client, world):
    created = client.post(
        "/api/requests",
        json={**REQUEST, "customer_id": world.ids["customer1"], "unit_id": world.ids["unit1"]},
        headers=world.auth("admin"),
    )
    assert created.status_code == 201
    before = row_counts(app)
    response = client.patch(
        f"/api/requests/{created.get_json()['id']}",
        json={"unit_id": GHOST},
        headers=world.auth("admin"),
    )
    assert_problem(response, 422, field="unit_id")
    assert row_counts(app) == before


@pytest.mark.parametrize("mutation", ["add_note", "add_photo", "record_customer_absent"])
def test_in_a_push_a_visit_of_nothing_rejects_only_its_mutation(app, world, tech1, mutation):
    job = world.ids["job1"]
    args = {
        "add_note": note(job, visit_id=GHOST),
        "add_photo": dict(
            id=new_id(), job_id=job, purpose="gauge", sha256="a" * 64, taken_at=NOW, visit_id=GHOST
        ),
        "record_customer_absent": dict(id=new_id(), job_id=job, at=NOW, visit_id=GHOST),
    }[mutation]
    body = tech1.push(tech1.mutation(mutation, **args), tech1.mutation("add_note", **note(job)))
    bad, good = body["results"]
    assert bad["status"] == "rejected"
    assert bad["reason"] == "invalid_args"
    assert "visit_id" in bad["errors"]
    assert good["status"] == "applied"
