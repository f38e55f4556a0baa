"""Request bodies as strict JSON: every way a body is read (Flask's get_json, webargs) uses
`loads`, so each refuses the same things with 400 `malformed-json`.

Python's json module accepts `NaN`, `Infinity` and `-Infinity`, and turns `1e400` into an
infinity: none of these is JSON (RFC 8259), SQLite would store them and a later response
would not be JSON either. Nesting is bounded: the deepest legitimate body, a signature's
strokes inside a push, is 8 levels (envelope, mutations, mutation, args, strokes, group,
points, point), while thousands of levels exhaust the parser's recursion and hundreds the
recursion of what reads the value next.
"""

import json
import math

from flask.json.provider import DefaultJSONProvider

MAX_DEPTH = 16


class BodyError(ValueError):
    """Not a body this server reads (a ValueError, as Flask and webargs expect)."""


def _refuse_constant(name: str):
    raise BodyError(f"{name} is not JSON")


def check(value) -> None:
    """Refuse non-finite numbers and nesting deeper than MAX_DEPTH (iteratively)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise BodyError("a number is too large")
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        container, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BodyError(f"nested deeper than {MAX_DEPTH} levels")
        for child in container.values() if isinstance(container, dict) else container:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
            elif isinstance(child, float) and not math.isfinite(child):
                raise BodyError("a number is too large")


def loads(data: str | bytes):
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise BodyError(f"nested deeper than {MAX_DEPTH} levels") from exc
    check(value)
    return value


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading bodies with `loads`."""

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs):
        return loads(s)
