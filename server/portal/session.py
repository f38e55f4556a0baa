"""Signing in to the portal: the ordinary login (throttled, audited), its device token kept
in the signed, HttpOnly session cookie; every form carries a CSRF token.

Views only: the portal is pages for people, and this is how a page knows its reader.
"""

import hmac
import secrets
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from server.auth import service as auth
from server.common.actor import set_actor

PORTAL_ROLES = ("dealer", "admin")


def signed_in_user():
    token = session.get("token")
    found = auth.authenticate(token) if token else None
    if found is None or found[0].role not in PORTAL_ROLES:
        return None
    g.user, g.device = found
    set_actor(g.user, request.remote_addr)
    return g.user


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    sent, expected = request.form.get("csrf", ""), session.get("csrf", "")
    # No token yet in the session means no form was ever served: nothing matches it.
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, "The form is stale; reload the page and try again.")


def portal_page(view):
    """Signed-in dealer (or admin) only; a POST must carry the session's CSRF token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if signed_in_user() is None:
            return redirect(url_for("portal.login", next=request.path))
        if request.method == "POST":
            check_csrf()
        return view(*args, **kwargs)

    return wrapped
