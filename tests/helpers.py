"""Assertions shared by tests."""

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
