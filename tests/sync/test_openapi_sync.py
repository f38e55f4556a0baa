"""The sync endpoints document their request and response bodies, and the bodies match."""

import pytest

from server.sync.responses import PullResponseSchema, PushResponseSchema, RulesResponseSchema
from tests.sync.conftest import new_id, note


def _schema(spec, ref_or_schema):
    if "$ref" in ref_or_schema:
        return spec["components"]["schemas"][ref_or_schema["$ref"].rsplit("/", 1)[-1]]
    return ref_or_schema


def _body(spec, op, status="200"):
    content = op["responses"][status]["content"]["application/json"]["schema"]
    return _schema(spec, content)


@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").get_json()


def test_push_documents_its_envelope_and_its_result(spec):
    op = spec["paths"]["/api/sync/push"]["post"]
    request = _schema(spec, op["requestBody"]["content"]["application/json"]["schema"])
    assert {"schema_version", "client_id", "mutations"} <= set(request["properties"])
    response = _body(spec, op)
    assert {"last_mutation_id", "results", "schema_version", "gap"} <= set(response["properties"])
    result = _schema(spec, response["properties"]["results"]["items"])
    assert {"mutation_id", "status", "reason", "conflicts"} <= set(result["properties"])


def test_pull_and_rules_document_their_bodies(spec):
    op = spec["paths"]["/api/sync/pull"]["get"]
    assert {"cursor", "limit", "schema_version"} <= {p["name"] for p in op["parameters"]}
    response = _body(spec, op)
    assert {"changes", "cursor", "has_more", "schema_version"} <= set(response["properties"])
    change = _schema(spec, response["properties"]["changes"]["items"])
    assert {"seq", "entity", "id", "op", "data"} <= set(change["properties"])
    rules = _body(spec, spec["paths"]["/api/sync/rules"]["get"])
    assert {"version", "kinds", "pressure_valve_threshold_kpa"} <= set(rules["properties"])


def test_conflict_endpoints_document_their_bodies(spec):
    listed = _body(spec, spec["paths"]["/api/sync/conflicts"]["get"])
    item = _schema(spec, listed["properties"]["items"]["items"])
    assert {"entity", "field", "base", "server_value", "client_value"} <= set(item["properties"])
    one = _body(spec, spec["paths"]["/api/sync/conflicts/{conflict_id}"]["get"])
    assert {"server_value", "client_value", "status"} <= set(one["properties"])
    op = spec["paths"]["/api/sync/conflicts/{conflict_id}/resolve"]["post"]
    request = _schema(spec, op["requestBody"]["content"]["application/json"]["schema"])
    assert {"choice", "value"} <= set(request["properties"])
    assert {"resolution", "resolved_value"} <= set(_body(spec, op)["properties"])


def test_real_bodies_match_the_documented_schemas(client, world, tech1):
    """Every key a response carries is documented (the schemas refuse unknown keys)."""
    job = world.ids["job1"]
    body = tech1.push(
        tech1.mutation("add_note", **note(job)),
        tech1.mutation("no_such_mutation"),
        tech1.mutation("update_job", job_id=job, fields={"diagnosis": {"from": None, "to": "堵"}}),
        tech1.mutation("complete_job", job_id=job, completed_at="2026-11-25T10:00:00+08:00"),
    )
    assert PushResponseSchema().validate(body) == {}
    replay = tech1.send([{**tech1.mutation("add_note", **note(job)), "mutation_id": 1}])
    assert PushResponseSchema().validate(replay.get_json()) == {}
    gapped = tech1.send([{**tech1.mutation("add_note", **note(job)), "mutation_id": 99}])
    assert "gap" in gapped.get_json()
    assert PushResponseSchema().validate(gapped.get_json()) == {}
    snapshot = tech1.pull()
    assert PullResponseSchema().validate(snapshot) == {}
    tech1.push(tech1.mutation("add_note", **note(job)))
    assert PullResponseSchema().validate(tech1.pull(snapshot["cursor"])) == {}
    rules = client.get("/api/sync/rules", headers=world.auth("tech1")).get_json()
    assert RulesResponseSchema().validate(rules) == {}


def test_an_undocumented_key_would_be_caught(world):
    assert PushResponseSchema().validate(
        {"schema_version": 1, "client_id": new_id(), "last_mutation_id": 0, "results": [], "x": 1}
    ) == {"x": ["Unknown field."]}
