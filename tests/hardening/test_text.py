"""Text no database stores, refused the same on every database: U+0000 (PostgreSQL text
cannot hold it) and a lone UTF-16 surrogate (a JavaScript slice that cut an emoji in half;
no driver encodes it). Ordinary endpoints answer 422 naming the field; in a push only the
offending mutation is rejected (`invalid_args`) and the others apply."""

import pytest

from server.common.schemas import StrictSchema
from server.field.models import Note
from tests.helpers import all_schemas, assert_problem, request_schemas, row_counts, send_json
from tests.sync.conftest import NOW, Device, count, new_id, note, tech1  # noqa: F401

LONE = "半个表情\ud83d"  # the first half of 😀
NUL = "a\x00b"

CUSTOMER = {"name": "王芳", "phone": "13800001111", "address": "杭州市西湖区文三路1号"}
USER = {"username": "tech9", "display_name": "九", "role": "technician", "password": "12345678"}

# (method, path, role, body with {bad} where the bad text goes, the field named)
BODIES = [
    ("POST", "/api/auth/login", None, {"username": "{bad}", "password": "x"}, "username"),
    ("POST", "/api/users", "admin", {**USER, "display_name": "{bad}"}, "display_name"),
    ("POST", "/api/dealers", "admin", {"name": "{bad}"}, "name"),
    ("PUT", "/api/dealers/{org1}/policy", "admin", {"timezone": "{bad}"}, "timezone"),
    (
        "PATCH",
        "/api/dealers/{org1}/policy",
        "admin",
        {"media": {"detail_purposes": ["{bad}"]}},
        "media",
    ),
    ("POST", "/api/customers", "admin", {**CUSTOMER, "notes": "{bad}"}, "notes"),
    ("PATCH", "/api/customers/{customer1}", "admin", {"address": "{bad}"}, "address"),
    ("PATCH", "/api/units/{unit1}", "admin", {"model": "{bad}"}, "model"),
    ("PATCH", "/api/jobs/{job1}", "admin", {"description": "{bad}"}, "description"),
    ("POST", "/api/jobs/{job1}/cancel", "admin", {"reason": "{bad}"}, "reason"),
    ("POST", "/api/jobs/{job1}/notes", "admin", {"body": "{bad}"}, "body"),
    ("POST", "/api/customers", "admin", {**CUSTOMER, "{bad}": 1}, "{bad}"),
    ("POST", "/api/media/signatures", "admin", {"strokes": [{"{bad}": []}]}, "strokes"),
    (
        "POST",
        "/api/sync/conflicts/{job1}/resolve",
        "admin",
        {"choice": "merged", "value": "{bad}"},
        "value",
    ),
]


def _fill(value, bad):
    if isinstance(value, str):
        return value.replace("{bad}", bad)
    if isinstance(value, dict):
        return {_fill(k, bad): _fill(v, bad) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, bad) for v in value]
    return value


@pytest.mark.parametrize("bad", [LONE, NUL], ids=["lone surrogate", "U+0000"])
@pytest.mark.parametrize(("method", "path", "role", "body", "field"), BODIES)
def test_unstorable_text_is_a_422_naming_the_field_and_writes_nothing(
    app, client, world, bad, method, path, role, body, field
):
    before = row_counts(app)
    headers = world.auth(role) if role else {}
    response = send_json(client, method, path.format(**world.ids), _fill(body, bad), headers)
    problem = assert_problem(response, 422)
    # The answer is UTF-8 JSON even when the refused name is itself the broken text.
    named = {key.replace("\ufffd", "") for key in problem["errors"]}
    assert _fill(field, bad).replace("\ud83d", "") in named, problem
    assert row_counts(app) == before


@pytest.mark.parametrize(
    "query", ["/api/customers?q=a%00b", "/api/units?serial=SN%00", "/api/jobs?kind=%00"]
)
def test_u0000_in_a_query_string_is_a_422_naming_the_parameter(client, world, query):
    response = client.get(query, headers=world.auth("admin"))
    name = query.split("?")[1].split("=")[0]
    assert_problem(response, 422, field=name)


def _push(device, *mutations):
    envelope = {"schema_version": 1, "client_id": device.client_id, "mutations": list(mutations)}
    return send_json(device.client, "POST", "/api/sync/push", envelope, device.headers)


@pytest.mark.parametrize("bad", [LONE, NUL], ids=["lone surrogate", "U+0000"])
def test_in_a_push_only_the_mutation_with_bad_text_is_rejected(app, world, tech1, bad):
    job = world.ids["job1"]
    response = _push(
        tech1,
        tech1.mutation("add_note", **note(job, body="第一条")),
        tech1.mutation("add_note", **note(job, body=bad)),
        tech1.mutation("add_note", **note(job, body="第三条")),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    first, broken, third = body["results"]
    assert (first["status"], third["status"]) == ("applied", "applied")
    assert broken["status"] == "rejected"
    assert broken["reason"] == "invalid_args"
    assert broken["errors"], broken
    assert body["last_mutation_id"] == 3
    assert count(app, Note) == 2


def test_a_lone_surrogate_in_a_push_names_the_field_even_when_nested(world, tech1):
    job = world.ids["job1"]
    change = {"diagnosis": {"from": None, "to": LONE}}
    response = _push(
        tech1,
        tech1.mutation("update_job", job_id=job, fields=change),
        tech1.mutation("add_photo", id=new_id(), job_id=job, purpose="gauge", sha256=LONE),
    )
    edit, photo = response.get_json()["results"]
    assert edit["reason"] == photo["reason"] == "invalid_args"
    assert "fields" in edit["errors"]
    assert "sha256" in photo["errors"]


def test_bad_text_in_the_envelope_refuses_the_push(app, world, tech1):
    before = row_counts(app)
    mutation = tech1.mutation("add_note", **note(world.ids["job1"]))
    response = _push(tech1, {**mutation, "name": "add_note" + LONE})
    assert_problem(response, 422, field="mutations")
    assert row_counts(app) == before


# Never loaded from a request: they describe what the server answers.
ANSWERS_ONLY = {"HealthSchema", "ProblemSchema"}


def test_every_schema_in_the_server_refuses_unstorable_text():
    """Request schemas of every package (desk, field, sync, auth, dealers and their policy,
    media, query strings) derive from StrictSchema, whose pre_load does the refusing."""
    schemas = all_schemas()
    assert len(schemas) > 50
    loose = [s.__name__ for s in schemas if not issubclass(s, StrictSchema)]
    assert sorted(loose) == sorted(ANSWERS_ONLY)


def test_every_request_schema_checks_text(app):
    schemas = request_schemas(app)
    assert len(schemas) > 40
    assert [s.__name__ for s in schemas if not issubclass(s, StrictSchema)] == []
