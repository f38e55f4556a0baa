"""The service desk's "will this be free?": from a unit's records or from facts given."""

import pytest

from tests.helpers import assert_problem
from tests.warranty.conftest import set_unit

URL = "/api/warranty/assess"


def _facts(world, **extra) -> dict:
    return {
        "dealer_id": world.ids["org1"],
        "purchased_on": "2026-01-20",
        "installed_on": "2026-01-31",
        **extra,
    }


def _assess(client, world, body, who="dispatcher"):
    return client.post(URL, json=body, headers=world.auth(who))


@pytest.mark.parametrize(
    ("extra", "answer"),
    [
        ({"fault_category": "joint_loose", "found_on": "2026-02-28"}, ("installer", "free", "L1")),
        ({"fault_category": "joint_loose", "found_on": "2026-03-01"}, ("dealer", "free", "W1")),
        ({"fault_category": "pipe_burst", "found_on": "2026-02-01"}, ("dealer", "free", "L2")),
        (
            {"fault_category": "seepage", "found_on": "2026-02-01", "waiver_signed": True},
            ("customer", "paid", "V1"),
        ),
        (
            {
                "fault_category": "seepage",
                "found_on": "2026-02-01",
                "waiver_signed": True,
                "shipped_with_valve": True,
            },
            ("installer", "free", "L1"),
        ),
        (
            {
                "fault_category": "joint_loose",
                "found_on": "2026-02-20",
                "filters_changed_by_other_on": "2026-02-10",
            },
            ("customer", "paid", "W3"),
        ),
        ({"fault_category": "force_majeure", "found_on": "2026-02-01"}, ("none", "paid", "W5")),
        ({"fault_category": "other", "found_on": "2027-01-21"}, ("customer", "paid", "W4")),
    ],
)
def test_the_desk_asks_with_the_facts_it_was_told(client, world, extra, answer):
    response = _assess(client, world, _facts(world, **extra))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["liable"], body["charge"], body["rule"]) == answer
    assert body["path"][-1] == body["rule"]
    assert set(body["explanation"]) == {"zh-CN", "en"}
    assert f"（{body['rule']}）" in body["explanation"]["zh-CN"]


def test_the_answer_follows_the_dealers_policy(client, world):
    r = client.patch(
        f"/api/dealers/{world.ids['org1']}/policy",
        json={"installer_liability": {"general_months": 2}, "timezone": "UTC"},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    body = _assess(
        client, world, _facts(world, fault_category="joint_loose", found_on="2026-03-31")
    ).get_json()
    assert body["rule"] == "L1" and "2026-03-31" in body["explanation"]["en"]
    assert body["facts"]["policy"]["timezone"] == "UTC"


def test_the_desk_asks_about_a_unit_from_its_records(app, client, world):
    set_unit(app, world, purchase_date="2026-01-20", installed_on="2026-01-31")
    body = {
        "unit_id": world.ids["unit1"],
        "fault_category": "joint_loose",
        "found_on": "2026-02-20",
    }
    assert _assess(client, world, body).get_json()["rule"] == "L1"
    change = {"changed_on": "2026-02-10", "by": "customer"}
    r = client.post(
        f"/api/units/{world.ids['unit1']}/filter-changes",
        json=change,
        headers=world.auth("dispatcher"),
    )
    assert r.status_code == 201
    answer = _assess(client, world, body).get_json()
    assert (answer["path"], answer["liable"]) == (["L7", "W3"], "customer")
    assert answer["facts"]["unit"]["filters_changed_by_other_on"] == "2026-02-10"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fault_category": "leaky"}, "fault_category"),
        ({"fault_category": None}, "fault_category"),
        ({"found_on": "2026-01-30"}, "found_on"),  # before the install
        ({"found_on": "2026-01-19", "installed_on": None}, "found_on"),  # before the purchase
        ({"found_on": "2026/02/28"}, "found_on"),
        ({"found_on": None}, "found_on"),
        ({"filters_changed_by_other_on": "2026-01-01"}, "filters_changed_by_other_on"),
        ({"dealer_id": None}, "dealer_id"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_unknown_categories_and_impossible_dates_are_422_naming_the_field(
    client, world, change, field
):
    body = _facts(world, fault_category="joint_loose", found_on="2026-02-01")
    for key, value in change.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    body = {k: v for k, v in body.items() if v is not None}
    assert_problem(_assess(client, world, body), 422, field=field)


def test_a_unit_or_facts_never_both(client, world):
    body = _facts(world, unit_id=world.ids["unit1"], fault_category="other", found_on="2026-02-01")
    assert_problem(_assess(client, world, body), 422, field="dealer_id")
    body = {
        "unit_id": world.ids["unit1"],
        "waiver_signed": False,
        "fault_category": "other",
        "found_on": "2026-02-01",
    }
    assert_problem(_assess(client, world, body), 422, field="waiver_signed")


@pytest.mark.parametrize(
    ("who", "key", "target", "status"),
    [
        ("admin", "unit_id", "unit2", 200),
        ("dispatcher", "dealer_id", "org2", 200),
        ("dealer1", "unit_id", "unit1", 200),
        ("dealer1", "unit_id", "unit2", 404),
        ("dealer1", "dealer_id", "org1", 200),
        ("dealer1", "dealer_id", "org2", 404),
        ("tech1", "unit_id", "unit1", 403),
    ],
)
def test_who_may_ask(client, world, who, key, target, status):
    body = {key: world.ids[target], "fault_category": "other", "found_on": "2026-12-01"}
    response = _assess(client, world, body, who)
    assert response.status_code == status, response.get_json()


def test_the_assessment_is_documented_in_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    operation = spec["paths"]["/api/warranty/assess"]["post"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert request.endswith("/AssessArgs")
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schemas = spec["components"]["schemas"]
    fields = schemas[answer.rsplit("/", 1)[1]]["properties"]
    assert {"liable", "charge", "rule", "explanation"} <= set(fields)
    assert set(schemas["Explanation"]["properties"]) == {"zh-CN", "en"}
    assert {"unit_id", "fault_category", "found_on"} <= set(schemas["AssessArgs"]["properties"])
    for path in ("/api/units/{unit_id}/warranty", "/api/jobs/{job_id}/liability"):
        assert path in spec["paths"]
