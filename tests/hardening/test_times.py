"""Times with no UTC value (Python's datetime ends at years 1 and 9999) or outside the
years the service records are 422, in bodies, in pushed mutations and in query filters."""

from urllib.parse import quote

import pytest
from marshmallow import fields

from server.common.schemas import Time
from server.field import edits
from server.field.models import Measurement
from tests.helpers import assert_problem, request_schemas, row_counts
from tests.sync.conftest import NOW, Device, count, new_id, tech1  # noqa: F401

OVERFLOWING = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00-12:00"]
OUT_OF_RANGE = ["1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "0001-01-01T00:00:00Z"]
BAD_TIMES = OVERFLOWING + OUT_OF_RANGE

# (method, path, body with {t} for the time, the field named)
BODIES = [
    (
        "POST",
        "/api/jobs/{job1}/schedule",
        {"window_start": "{t}", "window_end": NOW},
        "window_start",
    ),
    ("POST", "/api/jobs/{job1}/visits", {"arrived_at": "{t}"}, "arrived_at"),
    (
        "POST",
        "/api/jobs/{job1}/photos",
        {"purpose": "gauge", "sha256": "0" * 64, "taken_at": "{t}"},
        "taken_at",
    ),
    ("POST", "/api/jobs/{job1}/no-show", {"at": "{t}"}, "at"),
    ("POST", "/api/jobs/{job1}/complete", {"completed_at": "{t}"}, "completed_at"),
    (
        "POST",
        "/api/requests",
        {"customer_id": "{customer1}", "kind": "repair", "channel": "phone", "received_at": "{t}"},
        "received_at",
    ),
]


def _fill(body: dict, world, time: str) -> dict:
    return {k: v.format(t=time, **world.ids) if isinstance(v, str) else v for k, v in body.items()}


@pytest.mark.parametrize("time", BAD_TIMES)
@pytest.mark.parametrize(("method", "path", "body", "field"), BODIES)
def test_a_time_outside_the_years_is_a_422_naming_the_field(
    app, client, world, time, method, path, body, field
):
    before = row_counts(app)
    response = client.open(
        path.format(**world.ids),
        method=method,
        json=_fill(body, world, time),
        headers=world.auth("admin"),
    )
    assert_problem(response, 422, field=field)
    assert row_counts(app) == before


@pytest.mark.parametrize("time", BAD_TIMES)
@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/jobs", "window_from"),
        ("/api/jobs", "window_to"),
        ("/api/requests", "received_from"),
        ("/api/requests", "received_to"),
    ],
)
def test_a_time_filter_outside_the_years_is_a_422(client, world, time, path, name):
    response = client.get(f"{path}?{name}={quote(time)}", headers=world.auth("admin"))
    assert_problem(response, 422, field=name)


@pytest.mark.parametrize("time", OVERFLOWING)
def test_in_a_push_an_overflowing_time_rejects_only_its_mutation(app, world, tech1, time):
    job = world.ids["job1"]
    reading = dict(job_id=job, kind="tds_in", value=80, unit="ppm")
    body = tech1.push(
        tech1.mutation("add_measurement", id=new_id(), measured_at=time, **reading),
        tech1.mutation("update_job", job_id=job, fields={"window_end": {"from": None, "to": time}}),
        tech1.mutation("add_measurement", id=new_id(), measured_at=NOW, **reading),
    )
    reading_result, edit, good = body["results"]
    assert reading_result["reason"] == "invalid_args"
    assert "measured_at" in reading_result["errors"]
    assert edit["reason"] == "invalid_args"
    assert "window_end" in edit["errors"]
    assert good["status"] == "applied"
    assert count(app, Measurement) == 1


def test_the_envelope_at_outside_the_years_refuses_the_push(app, world, tech1):
    before = row_counts(app)
    mutation = tech1.mutation("add_note", id=new_id(), job_id=world.ids["job1"], body="x")
    response = tech1.send([{**mutation, "at": OVERFLOWING[0]}])
    assert_problem(response, 422, field="mutations")
    assert row_counts(app) == before


def test_an_offset_may_take_the_utc_value_just_outside_the_years(client, world):
    """The years are those written: 1970-01-01T00:30+01:00 is 1969 in UTC, and storable."""
    body = {"window_start": "1970-01-01T00:30:00+01:00", "window_end": "2199-12-31T23:00:00-12:00"}
    response = client.post(
        f"/api/jobs/{world.ids['job1']}/schedule", json=body, headers=world.auth("admin")
    )
    assert response.status_code == 200, response.get_json()


def test_every_time_a_request_may_carry_is_the_shared_time_field(app):
    """Schemas of every package, and the device-editable fields of server/field/edits.py."""
    loadable = [
        (schema.__name__, name, field)
        for schema in request_schemas(app)
        for name, field in schema().load_fields.items()
    ]
    loadable += [
        (entity, name, field)
        for entity, names in edits.EDITABLE.items()
        for name, (field, _) in names.items()
    ]
    times = [(where, name, f) for where, name, f in loadable if isinstance(f, fields.DateTime)]
    assert len(times) > 15
    assert [(where, name) for where, name, f in times if not isinstance(f, Time)] == []
