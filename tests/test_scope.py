"""Each role sees only its own rows; out of scope reads as 404 so ids don't leak."""

import pytest

from tests.helpers import assert_problem

# (who, what, whose) → visible? `whose` 1 or 2 picks the world's household.
CASES = [
    ("tech1", "jobs", 1, True),
    ("tech1", "jobs", 2, False),
    ("tech2", "jobs", 1, False),
    ("tech1", "customers", 1, True),
    ("tech1", "customers", 2, False),
    ("tech1", "units", 1, True),
    ("tech1", "units", 2, False),
    ("dealer1", "units", 1, True),
    ("dealer2", "units", 1, False),
    ("dealer1", "jobs", 2, False),
    ("dealer2", "jobs", 2, True),
    ("dealer2", "customers", 1, False),
    ("dealer2", "customers", 2, True),
    ("admin", "jobs", 2, True),
    ("dispatcher", "units", 1, True),
]
ROW = {"jobs": "job", "customers": "customer", "units": "unit"}


@pytest.mark.parametrize(("who", "what", "whose", "visible"), CASES)
def test_reading_one_row(client, world, who, what, whose, visible):
    row_id = world.ids[f"{ROW[what]}{whose}"]
    response = client.get(f"/api/{what}/{row_id}", headers=world.auth(who))
    if visible:
        assert response.status_code == 200
        assert response.get_json()["id"] == row_id
    else:
        body = assert_problem(response, 404)
        assert row_id not in body["detail"]


@pytest.mark.parametrize(("who", "what", "whose", "visible"), CASES)
def test_lists_hold_exactly_what_one_may_read(client, world, who, what, whose, visible):
    response = client.get(f"/api/{what}", headers=world.auth(who))
    assert response.status_code == 200
    ids = {item["id"] for item in response.get_json()["items"]}
    assert (world.ids[f"{ROW[what]}{whose}"] in ids) is visible


def test_a_technician_cannot_read_another_technicians_job_even_by_filter(client, world):
    response = client.get(
        f"/api/jobs?technician_id={world.ids['tech2']}", headers=world.auth("tech1")
    )
    assert response.get_json()["items"] == []


def test_a_dealer_cannot_find_another_dealers_unit_by_serial(client, world):
    response = client.get("/api/units?serial=SN-TEST-1", headers=world.auth("dealer2"))
    assert response.get_json()["total"] == 0
    response = client.get("/api/units?serial=SN-TEST-1", headers=world.auth("dealer1"))
    assert response.get_json()["total"] == 1


def test_service_requests_are_office_and_dealer_only(client, world):
    assert_problem(client.get("/api/requests", headers=world.auth("tech1")), 403)
    assert client.get("/api/requests", headers=world.auth("dealer1")).status_code == 200


@pytest.mark.parametrize("who", ["tech1", "dealer1"])
@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/customers"),
        ("post", "/api/units"),
        ("post", "/api/requests"),
        ("post", "/api/jobs"),
        ("post", "/api/jobs/{job1}/assign"),
        ("post", "/api/jobs/{job1}/cancel"),
        ("patch", "/api/customers/{customer1}"),
    ],
)
def test_only_the_office_writes(client, world, who, method, url):
    response = getattr(client, method)(url.format(**world.ids), json={}, headers=world.auth(who))
    assert_problem(response, 403)


def test_a_dealer_reads_only_its_own_dealer_and_policy(client, world):
    d1, d2 = world.ids["org1"], world.ids["org2"]
    assert client.get(f"/api/dealers/{d1}/policy", headers=world.auth("dealer1")).status_code == 200
    assert_problem(client.get(f"/api/dealers/{d2}/policy", headers=world.auth("dealer1")), 404)
    listed = client.get("/api/dealers", headers=world.auth("dealer1")).get_json()
    assert [d["id"] for d in listed] == [d1]
    assert_problem(client.get(f"/api/dealers/{d1}", headers=world.auth("tech1")), 403)
