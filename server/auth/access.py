"""Bearer-token authentication and role checks for views."""

from functools import wraps

from flask import g, request

from server.auth import service
from server.common.actor import set_actor
from server.errors import ProblemError


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(
        401, detail, slug="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="api"'}
    )


def load_user():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("A bearer token is required.")
    found = service.authenticate(token.strip())
    if found is None:
        raise _unauthorized("The token is unknown or revoked.")
    g.user, g.device = found
    set_actor(g.user, request.remote_addr)
    return g.user


def requires(*roles):
    """Authenticate, then allow only `roles` (all roles when none are given).

    A role that may never use an endpoint gets 403; rows outside a user's scope
    answer 404 in the services, so ids don't leak.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = load_user()
            if roles and user.role not in roles:
                raise ProblemError(403, "Your role may not do this.", slug="forbidden")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_user():
    return g.user
