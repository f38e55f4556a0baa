"""Assertions shared by tests."""

import json
import re

import sqlalchemy as sa

from server.extensions import db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, *, field: str | None = None) -> dict:
    """The response is a problem+json error with `status` (and an error for `field`)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert body["detail"]
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def job_row(app, job_id):
    """The job as stored now, detached (readable after the session closes)."""
    import uuid

    from server.desk.models import Job

    with app.app_context():
        job = db.session.get(Job, uuid.UUID(str(job_id)))
        db.session.expunge(job)
        db.session.remove()
        return job


def set_job(app, job_id, **values) -> None:
    """Change a job behind the API's back (a state a test needs to start from)."""
    import uuid

    from server.desk.models import Job

    with app.app_context():
        job = db.session.get(Job, uuid.UUID(str(job_id)))
        for key, value in values.items():
            setattr(job, key, value)
        db.session.commit()
        db.session.remove()


def another_job(app, world, like="job1", **values) -> str:
    """A further job at the household of `like` (same customer, unit, dealer, technician)."""
    import uuid
    from datetime import UTC, datetime, timedelta

    from server.desk.models import Job

    with app.app_context():
        base = db.session.get(Job, uuid.UUID(world.ids[like]))
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        fields = {
            "customer_id": base.customer_id,
            "unit_id": base.unit_id,
            "dealer_id": base.dealer_id,
            "kind": "repair",
            "status": "scheduled",
            "technician_id": base.technician_id,
            "window_start": start,
            "window_end": start + timedelta(hours=2),
            **values,
        }
        job = Job(**fields)
        db.session.add(job)
        db.session.commit()
        job_id = str(job.id)
        db.session.remove()
        return job_id


def row_counts(app) -> dict:
    """How many rows each table holds (to show a refused request wrote nothing)."""
    with app.app_context():
        counts = {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
        return counts


def send_json(client, method: str, path: str, body, headers=None):
    """Send `body` as a phone would: JSON with \\u escapes, so broken text (a lone
    surrogate) travels as JSON allows (Flask's own encoder would write it raw)."""
    return client.open(
        path,
        method=method,
        data=json.dumps(body),
        content_type="application/json",
        headers=headers or {},
    )


def all_schemas() -> list:
    """Every marshmallow schema class defined in server/ (importing each module)."""
    import importlib
    import inspect
    import pkgutil

    from marshmallow import Schema

    import server

    found = []
    for info in pkgutil.walk_packages(server.__path__, "server."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Schema) and value.__module__ == info.name:
                found.append(value)
    return found


def request_schemas(app) -> list:
    """Every schema a request is loaded with: the views' arguments, each push mutation's
    args, the dealer policy document, and the schemas they nest."""
    from marshmallow import fields

    from server.dealers.policy import PolicySchema
    from server.sync.mutations import MUTATIONS

    found = [PolicySchema, *(type(m.schema) for m in MUTATIONS.values())]
    for view in app.view_functions.values():
        arguments = getattr(view, "_apidoc", {}).get("arguments", {})
        found += [p["schema"] for p in arguments.get("parameters", [])]
    seen, queue = [], list(found)
    while queue:
        schema = queue.pop()
        schema = schema if isinstance(schema, type) else type(schema)
        if schema in seen:
            continue
        seen.append(schema)
        for field in schema().load_fields.values():
            inner = field.inner if isinstance(field, fields.List) else field
            inner = inner.value_field if isinstance(inner, fields.Dict) else inner
            if isinstance(inner, fields.Nested):
                queue.append(inner.nested)
    return seen


def sign_in_page(client, area: str, username: str, password: str | None = None):
    """Sign in to the pages of `area` ("dealer" portal, "admin" console) as a person would."""
    from tests.conftest import PASSWORD

    return client.post(
        f"/{area}/login",
        data={"username": username, "password": password or PASSWORD},
        follow_redirects=False,
    )


def form_token(client, path: str) -> str:
    """The CSRF token of the form served on `path`."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)
