"""Every failure answers in one shape, RFC 9457 problem+json, and writes nothing."""

import pytest

from server import create_app
from server.desk.models import Customer
from server.extensions import db
from tests.helpers import assert_problem, count

GOOD_CUSTOMER = {"name": "王芳", "phone": "13800001111", "address": "杭州市西湖区文三路1号"}


def test_unknown_url_is_a_json_404(client):
    body = assert_problem(client.get("/api/no-such-thing"), 404)
    assert body["type"] == "about:blank"


def test_unknown_non_api_url_is_json_too(client):
    assert_problem(client.get("/no-such-page"), 404)


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/health")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_a_400_and_writes_nothing(client, world):
    response = client.post(
        "/api/customers",
        data='{"name": "王芳", ',
        content_type="application/json",
        headers=world.auth("admin"),
    )
    body = assert_problem(response, 400)
    assert body["type"].endswith("malformed-json")
    with client.application.app_context():
        assert count(Customer) == 2  # the world's two


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD_CUSTOMER, "phone": 13800001111}, "phone"),  # wrong type
        ({**GOOD_CUSTOMER, "vip": True}, "vip"),  # unknown field
        ({"name": "王芳", "phone": "13800001111"}, "address"),  # missing field
        ({**GOOD_CUSTOMER, "name": ""}, "name"),  # empty
        ({**GOOD_CUSTOMER, "id": "not-a-uuid"}, "id"),  # bad UUID in the body
        ({**GOOD_CUSTOMER, "phone": "call me"}, "phone"),  # not a phone number
    ],
)
def test_invalid_body_is_a_422_naming_the_field_and_writes_nothing(client, world, payload, field):
    response = client.post("/api/customers", json=payload, headers=world.auth("admin"))
    body = assert_problem(response, 422, field=field)
    assert body["type"].endswith("validation-error")
    with client.application.app_context():
        assert count(Customer) == 2


def test_json_array_instead_of_object_is_a_422(client, world):
    response = client.post("/api/customers", json=[GOOD_CUSTOMER], headers=world.auth("admin"))
    assert_problem(response, 422)


def test_oversized_body_is_a_413_and_writes_nothing(client, world, app):
    limit = app.config["MAX_JSON_BYTES"]
    payload = {**GOOD_CUSTOMER, "notes": "水" * limit}
    response = client.post("/api/customers", json=payload, headers=world.auth("admin"))
    assert_problem(response, 413)
    with app.app_context():
        assert count(Customer) == 2


def test_bad_uuid_in_the_path_is_a_404(client, world):
    assert_problem(client.get("/api/jobs/12345", headers=world.auth("admin")), 404)
    assert_problem(client.get("/api/jobs/../../etc/passwd", headers=world.auth("admin")), 404)


def test_bad_query_parameter_is_a_422(client, world):
    response = client.get("/api/jobs?page_size=100000", headers=world.auth("admin"))
    assert_problem(response, 422, field="page_size")
    response = client.get("/api/jobs?status=exploded", headers=world.auth("admin"))
    assert_problem(response, 422, field="status")
    response = client.get("/api/jobs?colour=red", headers=world.auth("admin"))
    assert_problem(response, 422, field="colour")


def test_unexpected_error_is_a_json_500_without_internals(app):
    broken = create_app(
        {
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "x",
        }
    )

    @broken.get("/api/boom")
    def boom():
        raise RuntimeError("secret internal detail /srv/db password=hunter2")

    response = broken.test_client().get("/api/boom")
    body = assert_problem(response, 500)
    assert "hunter2" not in response.get_data(as_text=True)
    assert body["title"] == "Internal Server Error"
    with broken.app_context():
        db.engine.dispose()


def test_database_unavailable_is_a_503_with_retry_after(app):
    gone = create_app(
        {
            "TESTING": False,
            # Nothing listens on port 1: the connection is refused, as when the database restarts.
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "SECRET_KEY": "x",
        }
    )
    response = gone.test_client().get("/api/health")
    assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0


def test_the_500_handler_itself_answers_valid_problem_json(app):
    from flask import json

    from server.errors import handle_unexpected

    with app.test_request_context("/api/anything"):
        response = handle_unexpected(RuntimeError("boom"))
    body = json.loads(response.get_data(as_text=True))
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert body == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server failed to handle this request.",
    }


@pytest.mark.parametrize(
    ("refusal", "status"),
    [
        ("BadRequest", 400),
        ("Unauthenticated", 401),
        ("Forbidden", 403),
        ("NotFound", 404),
        ("Conflict", 409),
        ("Gone", 410),
        ("TooLarge", 413),
        ("Unsupported", 415),
        ("Refused", 422),
        ("Throttled", 429),
        ("Busy", 503),
    ],
)
def test_each_domain_refusal_has_one_status_and_the_one_shape(app, refusal, status):
    from server import exceptions
    from server.errors import handle_domain_error

    error = getattr(exceptions, refusal)("Said why.", retry_after=7, missing=["x"])
    with app.test_request_context("/"):
        response = handle_domain_error(error)
    body = assert_problem(response, status)
    assert body["detail"] == "Said why." and body["missing"] == ["x"]
    assert body["type"] == f"/problems/{error.slug}"
    assert response.headers["Retry-After"] == "7"
    assert ("WWW-Authenticate" in response.headers) == (status == 401)


def test_an_invalid_value_names_its_field(app):
    from server.errors import handle_domain_error
    from server.exceptions import Invalid

    with app.test_request_context("/"):
        response = handle_domain_error(Invalid("window_end", "must be after window_start"))
    body = assert_problem(response, 422, field="window_end")
    assert body["errors"] == {"window_end": ["must be after window_start"]}
    assert body["type"].endswith("validation-error")


def test_a_row_changed_under_a_write_is_a_503_to_retry_not_a_500(app):
    from sqlalchemy.orm.exc import StaleDataError

    from server.errors import handle_unexpected

    with app.test_request_context("/api/sync/push"):
        response = handle_unexpected(StaleDataError("UPDATE matched 0 rows"))
    assert_problem(response, 503)
    assert int(response.headers["Retry-After"]) > 0
