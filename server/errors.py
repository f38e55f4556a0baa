"""One JSON error shape for every failure: RFC 9457 problem+json.

Every error response has `type`, `title`, `status` and `detail`; validation
failures add `errors`, a mapping of field to messages. Handlers live on the app,
not on a blueprint, so unmatched URLs (404) and methods (405) are covered too.
"""

import http
import logging

from flask import Flask, Response, json
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from server import exceptions as domain

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "/problems/"


class ProblemError(Exception):
    """An HTTP-level refusal raised by a view (services raise server.exceptions instead)."""

    def __init__(self, status: int, detail: str, *, slug=None, errors=None, headers=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.errors = errors
        self.headers = headers or {}


def problem(
    status: int, title: str, detail: str, *, slug=None, errors=None, headers=None, extra=None
):
    body = {
        "type": TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    # Extension members (RFC 9457 §3.2), e.g. the completion rules still missing.
    body.update({k: v for k, v in (extra or {}).items() if k not in body})
    # A refused field name may hold a lone surrogate (the reason it was refused): the
    # answer is still UTF-8, with U+FFFD in its place.
    text = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")
    text = text.decode("utf-8", "replace")
    response = Response(text, status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _flatten_webargs(messages):
    """webargs nests errors by location ({"json": {...}}); clients want field → messages."""
    if isinstance(messages, dict) and set(messages) <= {
        "json",
        "query",
        "form",
        "files",
        "headers",
        "view_args",
        "path",
    }:
        flat = {}
        for location, errs in messages.items():
            if isinstance(errs, dict):
                flat.update(errs)
            else:
                flat[location] = errs
        return flat
    return messages


def handle_http_exception(error: HTTPException):
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    headers = dict(data.get("headers") or {})
    if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    code = error.code or 500
    detail = data.get("message") or error.description or error.name
    slug = None
    if errors:
        errors = _flatten_webargs(errors)
        if "json" in errors and errors["json"] == ["Invalid JSON body."]:
            slug, detail, errors = "malformed-json", "The request body is not valid JSON.", None
        else:
            slug = "validation-error"
            detail = data.get("message") or "The request has invalid or missing fields."
    return problem(code, error.name, detail, slug=slug, errors=errors, headers=headers)


def handle_problem_error(error: ProblemError):
    title = HTTP_STATUS_CODES.get(error.status, "Error")
    return problem(
        error.status,
        title,
        error.detail,
        slug=error.slug,
        errors=error.errors,
        headers=error.headers,
    )


# The one place a domain refusal becomes an HTTP status (most specific class first).
STATUS = {
    domain.BadRequest: 400,
    domain.Unauthenticated: 401,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.Gone: 410,
    domain.TooLarge: 413,
    domain.Unsupported: 415,
    domain.Refused: 422,
    domain.Invalid: 422,
    domain.Throttled: 429,
    domain.Busy: 503,
}


def status_of(error: domain.DomainError) -> int:
    return next((STATUS[c] for c in type(error).__mro__ if c in STATUS), 400)


def handle_domain_error(error: domain.DomainError):
    status = status_of(error)
    headers = {}
    if error.retry_after is not None:
        headers["Retry-After"] = str(int(error.retry_after))
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return problem(
        status,
        HTTP_STATUS_CODES.get(status, "Error"),
        error.detail,
        slug=error.slug,
        errors=error.errors,
        headers=headers,
        extra=error.extra,
    )


def handle_unexpected(error: Exception):
    if isinstance(error, OperationalError | StaleDataError):
        # StaleDataError: a row changed under a write that did not hold its lock. Every
        # writer locks first (docs/sync-protocol.md §2), so this is a bug to log; but the
        # request is as retryable as a lock timeout, and must not wedge a device on a 500.
        # Database busy, restarting or unreachable: transient. Clients keep their work
        # queued and retry; the failed transaction was rolled back, nothing half-applied.
        log.warning("database unavailable: %s", error.__class__.__name__)
        return problem(
            503,
            "Service Unavailable",
            "The database is temporarily unavailable; retry later.",
            slug="database-unavailable",
            headers={"Retry-After": "5"},
        )
    # Never leak str(error): it can hold SQL or paths. The log has the traceback.
    log.exception("unhandled error", exc_info=error)
    return problem(500, HTTP_STATUS_CODES[500], "The server failed to handle this request.")


class ProblemSchema(Schema):
    """The body of every error (RFC 9457); documents it in /api/openapi.json."""

    type = fields.String(required=True, metadata={"description": "/problems/<slug> or about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(),
        metadata={"description": "field → messages (validation errors)"},
    )

    class Meta:
        # Extension members (RFC 9457 §3.2), e.g. `missing` completion rules.
        unknown = "include"


class ProblemApi(Api):
    """flask-smorest Api whose error responses are problem+json, and documented so."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def _register_responses(self):
        # flask-smorest documents errors as application/json in its own shape.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def register(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ProblemError, handle_problem_error)
    app.register_error_handler(domain.DomainError, handle_domain_error)
    app.register_error_handler(Exception, handle_unexpected)
