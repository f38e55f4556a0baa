"""Bodies that are not JSON are refused at the edge, 400 malformed-json, on every endpoint:
NaN and the infinities, numbers beyond a double, and nesting past the server's maximum."""

import hashlib
import json

import pytest

from server.common.jsonbody import MAX_DEPTH
from tests.helpers import assert_problem, row_counts
from tests.sync.conftest import NOW, new_id, note

# One endpoint of each family that reads a JSON body, and who may call it.
ENDPOINTS = [
    ("POST", "/api/auth/login", None),
    ("POST", "/api/users", "admin"),
    ("POST", "/api/dealers", "admin"),
    ("PUT", "/api/dealers/{org1}/policy", "admin"),
    ("PATCH", "/api/dealers/{org1}/policy", "admin"),
    ("POST", "/api/customers", "admin"),
    ("PATCH", "/api/units/{unit1}", "admin"),
    ("POST", "/api/jobs/{job1}/schedule", "admin"),
    ("POST", "/api/jobs/{job1}/notes", "admin"),
    ("POST", "/api/media/signatures", "admin"),
    ("POST", "/api/sync/push", "tech1"),
    ("POST", "/api/sync/conflicts/{job1}/resolve", "admin"),
]

NOT_JSON = {
    "NaN": '{"name": NaN}',
    "Infinity": '{"name": Infinity}',
    "-Infinity": '{"name": -Infinity}',
    "a number beyond a double": '{"name": 1e400}',
    "NaN deep inside": '{"a": [{"b": [NaN]}]}',
    "a thousand levels deep": "[" * 5000 + "]" * 5000,
    "hundreds of levels deep": '{"a": ' + "[" * 300 + "]" * 300 + "}",
    "one level too deep": "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
}


def _send(client, world, method, path, role, body: str):
    headers = world.auth(role) if role else {}
    return client.open(
        path.format(**world.ids),
        method=method,
        data=body,
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
@pytest.mark.parametrize("body", NOT_JSON.values(), ids=NOT_JSON.keys())
def test_a_body_that_is_not_json_is_a_400_and_writes_nothing(
    app, client, world, method, path, role, body
):
    before = row_counts(app)
    response = _send(client, world, method, path, role, body)
    problem = assert_problem(response, 400)
    assert problem["type"] == "/problems/malformed-json"
    assert row_counts(app) == before


def test_nan_inside_a_mutation_refuses_the_push_as_a_whole(app, client, world):
    mutation = {"mutation_id": 1, "name": "add_measurement", "at": NOW}
    text = json.dumps(
        {
            "schema_version": 1,
            "client_id": new_id(),
            "mutations": [
                {
                    **mutation,
                    "args": {
                        "id": new_id(),
                        "job_id": world.ids["job1"],
                        "kind": "tds_in",
                        "unit": "ppm",
                        "measured_at": NOW,
                        "value": "__NAN__",
                    },
                }
            ],
        }
    ).replace('"__NAN__"', "NaN")
    before = row_counts(app)
    response = _send(client, world, "POST", "/api/sync/push", "tech1", text)
    assert_problem(response, 400)
    assert row_counts(app) == before


def test_the_deepest_legitimate_body_is_read(client, world):
    """A signature inside a push: envelope, mutations, mutation, args, strokes, group,
    points, point (8 levels) is well within the maximum."""
    text = "本人确认。"
    args = {
        "id": new_id(),
        "job_id": world.ids["job1"],
        "purpose": "acceptance",
        "signer_name": "张伟",
        "statement_text": text,
        "statement_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "strokes": [{"points": [{"x": 1, "y": 2, "time": 0}, {"x": 5, "y": 6, "time": 9}]}],
        "signed_at": NOW,
    }
    body = {
        "schema_version": 1,
        "client_id": new_id(),
        "mutations": [
            {"mutation_id": 1, "name": "add_signature", "args": args, "at": NOW},
            {"mutation_id": 2, "name": "add_note", "args": note(world.ids["job1"]), "at": NOW},
        ],
    }
    response = client.post("/api/sync/push", json=body, headers=world.auth("tech1"))
    assert response.status_code == 200, response.get_json()
    assert [r["status"] for r in response.get_json()["results"]] == ["applied", "applied"]


def test_an_empty_body_is_still_a_validation_error(client, world):
    response = client.post(
        "/api/customers", data="", content_type="application/json", headers=world.auth("admin")
    )
    assert_problem(response, 422, field="name")
