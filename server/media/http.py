"""The HTTP side of media that is not JSON: the address in the URL, tus and other headers,
and how /api/openapi.json documents them (flask-smorest only sees JSON bodies itself)."""

import re

from flask import request
from werkzeug.routing import BaseConverter

from server.errors import ProblemError

SHA256_PATTERN = "^[0-9a-f]{64}$"


class Sha256Converter(BaseConverter):
    """`<sha256:…>`: only an address matches, so /api/media/missing is never one (404 for
    anything that is not 64 lowercase hex digits)."""

    regex = "[0-9a-f]{64}"


def sha256_parameter_schema(_converter) -> dict:
    return {"type": "string", "pattern": SHA256_PATTERN}


# tus: a non-negative integer. int() would also take "+5", " 5", "5_0" and numbers beyond
# any database column; 18 digits is an exabyte.
BYTE_COUNT = re.compile(r"[0-9]{1,18}")
PURPOSE = re.compile(r"[A-Za-z0-9_-]{1,40}")


def byte_count(name: str) -> int | None:
    """A tus byte-count header (Upload-Length, Upload-Offset), or None when absent."""
    value = request.headers.get(name)
    if value is None:
        return None
    if not BYTE_COUNT.fullmatch(value):
        raise ProblemError(
            400, f"{name} must be a byte count.", slug=name.lower(), errors={name: ["not a count"]}
        )
    return int(value)


def purpose() -> str | None:
    """The uploader's hint of what a photo shows (X-Media-Purpose, else ?purpose=)."""
    given = {
        "X-Media-Purpose": request.headers.get("X-Media-Purpose"),
        "purpose": request.args.get("purpose"),
    }
    given = {name: value for name, value in given.items() if value is not None}
    for name, value in given.items():
        if not PURPOSE.fullmatch(value):
            raise ProblemError(
                422,
                f"{name} must be a purpose id such as 'gauge'.",
                slug="validation-error",
                errors={name: ["letters, digits, '_' and '-', at most 40"]},
            )
    return next(iter(given.values()), None)


# --- OpenAPI ---------------------------------------------------------------------------


def _header(name, schema, *, required=False, description=None) -> dict:
    param = {"in": "header", "name": name, "required": required, "schema": schema}
    if description:
        param["description"] = description
    return param


COUNT = {"type": "string", "pattern": "^[0-9]{1,18}$"}
LENGTH = {"type": "string", "pattern": "^[1-9][0-9]{0,17}$"}  # zero bytes: 422 empty-media
TUS_VERSION = _header("Tus-Resumable", {"type": "string", "enum": ["1.0.0"]}, required=True)
PURPOSE_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"}
PURPOSE_HINTS = [
    _header("X-Media-Purpose", PURPOSE_SCHEMA, description="what the photo shows, e.g. gauge"),
    {"in": "query", "name": "purpose", "required": False, "schema": PURPOSE_SCHEMA},
]


def _headers(*names) -> dict:
    return {name: {"schema": {"type": "string"}} for name in names}


def _empty(description: str, *headers) -> dict:
    return {"description": description, "headers": _headers(*headers)}


BYTES = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}

HEAD_MEDIA = {
    "responses": {
        "200": _empty("Held", "X-Media-Status", "X-Media-Bytes"),
        "404": {"description": "Not held"},
    }
}
PUT_MEDIA = {"parameters": PURPOSE_HINTS, "requestBody": {"required": True, "content": BYTES}}
CREATE_UPLOAD = {
    "parameters": [
        TUS_VERSION,
        _header("Upload-Length", LENGTH, required=True, description="bytes in the whole file"),
        *PURPOSE_HINTS,
    ],
    "responses": {
        "201": _empty("Started", "Tus-Resumable", "Upload-Offset", "Upload-Length", "Location"),
        "200": _empty("In progress or held", "Tus-Resumable", "Upload-Offset", "Upload-Length"),
    },
}
UPLOAD_OFFSET = {
    "parameters": [TUS_VERSION],
    "responses": {"200": _empty("Progress", "Tus-Resumable", "Upload-Offset", "Upload-Length")},
}
APPEND_CHUNK = {
    "parameters": [TUS_VERSION, _header("Upload-Offset", COUNT, required=True)],
    "requestBody": {
        "required": True,
        "content": {
            "application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}
        },
    },
    "responses": {"204": _empty("Appended", "Tus-Resumable", "Upload-Offset")},
}
ABANDON_UPLOAD = {
    "parameters": [TUS_VERSION],
    "responses": {"204": _empty("Abandoned", "Tus-Resumable")},
}
