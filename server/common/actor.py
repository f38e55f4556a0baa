"""Who is acting in this request, for the audit trail: set by the API layer, read by services.

A context variable rather than Flask's `g`, so services never import Flask; the app clears
it when each request ends (a worker thread serves many requests).
"""

from contextvars import ContextVar

_current: ContextVar[tuple] = ContextVar("actor", default=(None, None))


def set_actor(user, address: str | None) -> None:
    _current.set((user, address))


def current() -> tuple:
    """(user or None, remote address or None)."""
    return _current.get()


def clear() -> None:
    _current.set((None, None))
