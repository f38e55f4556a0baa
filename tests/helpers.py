"""Assertions shared by tests."""

import json

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
