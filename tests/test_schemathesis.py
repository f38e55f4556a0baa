"""Every operation of the served OpenAPI document, fuzzed in-process by schemathesis as an
admin and as a technician, with every check on (all of schemathesis' built-in checks; only
max_response_time, which needs a limit, is not set): no 500, every answer as documented.
Each operation is one test, and it passes only with no failure.

Where a check's expectation cannot hold for a documented reason, the exception is stated
per operation below (the status allowed and why), never for the whole API. Examples are
bounded and derandomized, so CI sees the same cases on every run.
"""

import tempfile

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from server import create_app
from server.auth.models import DeviceToken
from server.extensions import db

# Statuses each check expects by default (schemathesis' defaults, repeated to extend them).
POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
NEGATIVE = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
MISSING_HEADER = ["400", "401", "403", "406", "415", "422"]

# A request the document calls valid may still be refused with 422 when the rule is one
# a JSON schema cannot state: the rows an id names must exist, or one field constrains
# another. The server then names the field (tests/hardening/ checks those answers).
RULES_BEYOND_THE_SCHEMA = {
    ("POST", "/api/auth/password"): "the new password is strong enough (distinct characters, "
    "not the user name)",
    ("POST", "/api/users"): "dealer_id exists, and is given exactly for role dealer",
    ("POST", "/api/units"): "customer_id and dealer_id name existing rows",
    ("POST", "/api/requests"): "customer_id, unit_id and dealer_id name existing rows",
    ("POST", "/api/jobs"): "customer_id, unit_id, dealer_id and request_id exist",
    ("POST", "/api/jobs/{row_id}/schedule"): "window_start is before window_end",
    ("POST", "/api/jobs/{job_id}/measurements"): "the unit belongs to the kind's family",
    ("POST", "/api/jobs/{job_id}/signatures"): "statement_sha256 is the text's hash",
    ("POST", "/api/media/signatures"): "strokes are drawable signature_pad data",
    ("PUT", "/api/media/{sha256}"): "the bytes hash to the address",
    ("POST", "/api/sync/conflicts/{conflict_id}/resolve"): "value comes exactly with merged",
    ("PUT", "/api/dealers/{dealer_id}/webhook"): "the URL's host resolves, to public addresses",
    ("POST", "/api/warranty/assess"): "dealer_id is given only without unit_id",
    ("POST", "/api/complaints"): "customer_id, job_id, unit_id, dealer_id and owner_id exist",
    ("PATCH", "/api/complaints/{row_id}"): "owner_id is an office user; due_at after opening",
    ("POST", "/api/requests/intake"): "the customer and unit named exist and belong together; "
    "a new customer or unit comes with its fields",
    ("POST", "/api/requests/{row_id}/appointment-calls"): "visit_start is before visit_end, "
    "the no-show fee was told, a surcharge only beyond the service radius",
    ("POST", "/api/public/requests"): "a seller is chosen when the serial is not known",
}


def _operation(method, path, **config) -> dict:
    # One operation by its label (separate include-method and include-path would be "or").
    return {"include-name": f"{method} {path}", **config}


CONFIG = {
    "generation": {
        # Every text field refuses U+0000 (PostgreSQL cannot store it; tests/hardening/
        # checks the refusal); a JSON schema can only say so with a pattern on every string.
        "allow-x00": False,
        # The bearer token is the caller's own (admin or technician), sent by _call.
        "with-security-parameters": False,
        "deterministic": True,
    },
    "operations": [
        *(
            _operation(
                method,
                path,
                checks={"positive_data_acceptance": {"expected-statuses": [*POSITIVE, "422"]}},
            )
            for method, path in RULES_BEYOND_THE_SCHEMA
        ),
        # tus 1.0: a missing or other Tus-Resumable MUST be answered 412 (with Tus-Version).
        *(
            _operation(
                method,
                "/api/media/{sha256}/upload",
                checks={
                    "negative_data_rejection": {"expected-statuses": [*NEGATIVE, "412"]},
                    "missing_required_header": {"expected-statuses": [*MISSING_HEADER, "412"]},
                    # Upload-Length (or a chunk) beyond the uploader's media policy, per dealer.
                    "positive_data_acceptance": {"expected-statuses": [*POSITIVE, "413"]},
                },
            )
            for method in ("POST", "HEAD", "PATCH", "DELETE")
        ),
    ],
}


class _Served:
    """The WSGI app schemathesis talks to: the session's app once the tests run.

    Collection needs the document before that app exists; any app serves the same one."""

    def __init__(self):
        media = tempfile.mkdtemp(prefix="purifier-spec-")
        self.app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "MEDIA_ROOT": media}
        )

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


served = _Served()
# tus chunks are plain bytes under their own media type.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", served, config=SchemathesisConfig.from_dict(CONFIG)
)
# A technician's requests are parsed by the same code as an admin's, whose run has the
# coverage phase's boundary values; most office operations refuse a technician before
# parsing (403). So the technician's run fuzzes without it, to keep CI within its time.
technician_schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json",
    served,
    config=SchemathesisConfig.from_dict({**CONFIG, "phases": {"coverage": {"enabled": False}}}),
)

FUZZ = settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _serve_the_session_app(app):
    served.app = app


# These may end the caller's own token; the next case starts signed in again.
SIGNING_OUT = {"POST /api/auth/logout", "POST /api/users/{user_id}/devices/revoke"}


def _call(case, app, world, role):
    try:
        case.call_and_validate(headers=world.auth(role))
    finally:
        if case.operation.label in SIGNING_OUT:
            with app.app_context():
                db.session.execute(sa.update(DeviceToken).values(revoked_at=None))
                db.session.commit()


@schema.parametrize()
@FUZZ
def test_every_operation_as_admin(case, app, world):
    _call(case, app, world, "admin")


@technician_schema.parametrize()
@FUZZ
def test_every_operation_as_technician(case, app, world):
    _call(case, app, world, "tech1")
