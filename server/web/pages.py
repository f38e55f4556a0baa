"""Pages for people (the dealer portal, the admin console): signing in with the ordinary
login (throttled, audited), its device token kept in the signed, HttpOnly session cookie;
every form carries a CSRF token.

Views only: this is how a page knows its reader. Who may see which rows is still decided
by server/access/, exactly as for the API.
"""

import hmac
import secrets
from functools import wraps

from flask import abort, flash, g, redirect, request, session, url_for
from marshmallow import ValidationError

from server.auth import service as auth
from server.common import tx
from server.common.actor import set_actor
from server.exceptions import DomainError
from server.extensions import db

# Pages whose forms carry a photo: their bodies may be as large as an upload (app
# MAX_CONTENT_LENGTH; the media policy's limit is checked while the file is read).
FILE_FORMS: set[str] = set()


def signed_in_user(roles: tuple[str, ...]):
    """The session's user if it holds a live token of one of `roles`, else None."""
    token = session.get("token")
    found = auth.authenticate(token) if token else None
    if found is None or found[0].role not in roles:
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


class Area:
    """A set of pages for some roles, with its own sign-in page (an endpoint name)."""

    def __init__(self, roles: tuple[str, ...], login_endpoint: str, home_endpoint: str):
        self.roles, self.login_endpoint, self.home_endpoint = roles, login_endpoint, home_endpoint

    def page(self, view):
        """Signed in with one of the area's roles; a POST must carry the session's CSRF token."""

        @wraps(view)
        def wrapped(*args, **kwargs):
            if signed_in_user(self.roles) is None:
                return redirect(url_for(self.login_endpoint, next=request.path))
            if request.method == "POST":
                check_csrf()
            return view(*args, **kwargs)

        return wrapped

    def sign_in(self, client_name: str, refused: str) -> str | None:
        """Sign in with the posted form; None on success, else the error to show."""
        try:
            user, token = auth.login(
                request.form.get("username", "")[:80],
                request.form.get("password", "")[:200],
                request.remote_addr or "?",
                client_name,
            )
        except DomainError as exc:
            return exc.detail
        if user.role not in self.roles:
            auth.revoke([auth.authenticate(token)[1]])
            tx.commit()
            return refused
        session.clear()  # a fresh session at sign-in: no fixation
        session["token"] = token
        return None

    def next_page(self) -> str:
        """Where to go after signing in: `next` if it is a page of this area, else home."""
        target = request.args.get("next")
        prefix = url_for(self.home_endpoint)
        if target and target.startswith(prefix) and not target.startswith("//"):
            return target
        return prefix

    def sign_out(self):
        auth.revoke([g.device])
        tx.commit()
        session.clear()
        return redirect(url_for(self.login_endpoint))


def submit(action) -> tuple[object, dict]:
    """A form whose page shows what is wrong beside its fields: run `action` and commit, or
    roll back; returns (the action's result, {}) or (None, {field: [messages]}), from the
    schema or from the rules ("" for a message of the whole form)."""
    try:
        result = action()
    except ValidationError as exc:
        db.session.rollback()
        return None, exc.messages
    except DomainError as exc:
        db.session.rollback()
        return None, exc.errors or {"": [exc.detail]}
    tx.commit()
    return result, {}


def attempt(action, done):
    """One button's work on a page: run `action`, commit and say `done` (a text, or a
    function of the action's result); or roll back and say why: a form the schema refuses
    or a refusal by the rules is a message on the page, never an error page. Returns the
    action's result, or None when refused."""
    try:
        result = action()
        tx.commit()
    except ValidationError as exc:
        db.session.rollback()
        found = exc.normalized_messages().items()
        flash("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in found))
        return None
    except DomainError as exc:
        db.session.rollback()
        flash(exc.detail)
        return None
    flash(done(result) if callable(done) else done)
    return result
