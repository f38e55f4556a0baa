"""Numbers beyond what a column, a timedelta or a page offset holds are a 4xx, never a
database error: pages, pull cursors, money, every number of the dealer policy, tus headers."""

import uuid

import pytest
from marshmallow import fields, validate

from server.dealers import policy
from server.field.models import FeeLine
from tests.helpers import assert_problem, request_schemas, row_counts
from tests.sync.conftest import Device, count, new_id, tech1  # noqa: F401

HUGE = [2**63, 10**30, int("9" * 400)]


@pytest.mark.parametrize("value", HUGE)
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/customers", "page"),
        ("/api/jobs", "page"),
        ("/api/jobs", "page_size"),
        ("/api/sync/conflicts", "page"),
        ("/api/jobs/{job1}/notes", "page"),
        ("/api/sync/pull", "limit"),
        ("/api/media/{sha}/link", "expires_in"),
    ],
)
def test_a_huge_number_in_a_query_is_a_422(client, world, value, path, name):
    url = path.format(sha="0" * 64, **world.ids)
    response = client.get(f"{url}?{name}={value}", headers=world.auth("admin"))
    assert_problem(response, 422, field=name)


@pytest.mark.parametrize(
    "cursor",
    [
        "9" * 19,  # past a bigint
        "9" * 100,
        f"s{'9' * 19}:{uuid.uuid4()}",
        "+5",
        " 5",
        "5_0",
        "٣",  # another script's digit: int() takes it
        "-1",
        "s5:not-a-uuid",
    ],
)
def test_a_cursor_the_server_never_gave_out_is_400_bad_cursor(client, world, cursor):
    response = client.get(
        "/api/sync/pull", query_string={"cursor": cursor}, headers=world.auth("tech1")
    )
    problem = assert_problem(response, 400, field="cursor")
    assert problem["type"] == "/problems/bad-cursor"


@pytest.mark.parametrize("cursor", ["9" * 18, f"s{'9' * 18}:{uuid.uuid4()}"])
def test_the_largest_cursor_form_is_read(client, world, cursor):
    response = client.get(
        "/api/sync/pull", query_string={"cursor": cursor}, headers=world.auth("tech1")
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("value", [*HUGE, 100_000_001, -1])
def test_money_out_of_range_is_refused_through_rest_and_push(app, client, world, tech1, value):
    before = row_counts(app)
    part = {"part_code": "PP-1", "name": "滤芯", "unit_price_fen": value}
    response = client.post(
        f"/api/jobs/{world.ids['job1']}/parts", json=part, headers=world.auth("admin")
    )
    assert_problem(response, 422, field="unit_price_fen")
    assert row_counts(app) == before
    fee = dict(kind="travel", description="路费", amount_fen=value, payer="customer")
    body = tech1.push(tech1.mutation("add_fee", id=new_id(), job_id=world.ids["job1"], **fee))
    (result,) = body["results"]
    assert result["reason"] == "invalid_args"
    assert "amount_fen" in result["errors"]
    assert count(app, FeeLine) == 0


def _policy_numbers():
    """Every number of the policy document, as (section, field) (section None: top level)."""
    for name, field in policy.PolicySchema().fields.items():
        if isinstance(field, fields.Nested):
            for inner_name, inner in field.schema.fields.items():
                yield name, inner_name, inner
        else:
            yield None, name, field


NUMBERS = [
    (section, name)
    for section, name, field in _policy_numbers()
    if isinstance(field, fields.Number)
    or (isinstance(field, fields.List) and isinstance(field.inner, fields.Number))
]


def _range(field):
    field = field.inner if isinstance(field, fields.List) else field
    return next(v for v in field.validators if isinstance(v, validate.Range))


def test_every_number_of_the_policy_has_a_maximum():
    assert len(NUMBERS) > 20
    for section, name, field in _policy_numbers():
        if (section, name) in NUMBERS:
            assert _range(field).max is not None, (section, name)


@pytest.mark.parametrize(("section", "name"), NUMBERS)
def test_a_policy_number_past_its_maximum_is_a_422(app, client, world, section, name):
    fields_of = dict(policy.PolicySchema().fields)
    field = fields_of[name] if section is None else fields_of[section].schema.fields[name]
    value = _range(field).max + 1
    value = [value] if isinstance(field, fields.List) else value
    document = {name: value} if section is None else {section: {name: value}}
    before = row_counts(app)
    url = f"/api/dealers/{world.ids['org1']}/policy"
    for method in ("PUT", "PATCH"):
        response = client.open(url, method=method, json=document, headers=world.auth("admin"))
        problem = assert_problem(response, 422, field=section or name)
        if section:
            assert name in problem["errors"][section], problem
    assert row_counts(app) == before


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_policy_number_is_a_422(client, world, value):
    response = client.patch(
        f"/api/dealers/{world.ids['org1']}/policy",
        json={"sla": {"repair_minutes": value}, "fees": {"no_show_fen": value}},
        headers=world.auth("admin"),
    )
    problem = assert_problem(response, 422, field="sla")
    assert "no_show_fen" in problem["errors"]["fees"]


def test_every_integer_a_request_carries_is_bounded(app):
    """Each integer field of every request schema has a maximum (or a fixed set of values)."""
    unbounded = []
    for schema in request_schemas(app):
        for name, field in schema().load_fields.items():
            field = field.inner if isinstance(field, fields.List) else field
            if not isinstance(field, fields.Integer):
                continue
            ranges = [v for v in field.validators if isinstance(v, validate.Range)]
            if not any(r.max is not None for r in ranges) and "enum" not in field.metadata:
                unbounded.append((schema.__name__, name))
    assert unbounded == []


def _tus(world, **headers):
    return {**world.auth("tech1"), "Tus-Resumable": "1.0.0", **headers}


ADDRESS = "ab" * 32


@pytest.mark.parametrize("value", ["9" * 19, "9" * 400, "-1", "+5", " 5", "5_0", "1.5", "٣"])
def test_a_tus_byte_count_that_is_not_one_is_a_400(app, client, world, value):
    before = row_counts(app)
    created = client.post(
        f"/api/media/{ADDRESS}/upload", headers=_tus(world, **{"Upload-Length": value})
    )
    assert_problem(created, 400, field="Upload-Length")
    chunk = client.patch(
        f"/api/media/{ADDRESS}/upload",
        data=b"x",
        content_type="application/offset+octet-stream",
        headers=_tus(world, **{"Upload-Offset": value}),
    )
    assert_problem(chunk, 400, field="Upload-Offset")
    assert row_counts(app) == before


def test_an_upload_length_past_the_policy_is_a_413(app, client, world):
    before = row_counts(app)
    response = client.post(
        f"/api/media/{ADDRESS}/upload", headers=_tus(world, **{"Upload-Length": "9" * 18})
    )
    assert_problem(response, 413)
    assert row_counts(app) == before


def test_a_huge_offset_on_an_upload_in_progress_is_a_409(client, world):
    created = client.post(
        f"/api/media/{ADDRESS}/upload", headers=_tus(world, **{"Upload-Length": "10"})
    )
    assert created.status_code == 201
    chunk = client.patch(
        f"/api/media/{ADDRESS}/upload",
        data=b"x",
        content_type="application/offset+octet-stream",
        headers=_tus(world, **{"Upload-Offset": "9" * 18}),
    )
    assert_problem(chunk, 409)
    assert chunk.headers["Upload-Offset"] == "0"
