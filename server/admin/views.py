"""The console's blueprint, sign-in and home page; page modules add their own routes."""

import sqlalchemy as sa
from flask import Blueprint, g, redirect, render_template, request

from server.extensions import db
from server.web.pages import Area, csrf_token

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
AREA = Area(("admin", "dispatcher"), "admin.login", "admin.home")
page = AREA.page
# The menu, in order: (endpoint, zh-CN, English). Page modules append with `menu()`.
MENU: list[tuple[str, str, str]] = [("admin.home", "今日", "Today")]


# Today's figure of a page, shown on the home page beside its link: {endpoint: count(user)}.
# A page module adds its own with `figure()`, so the home page knows no feature's rules.
FIGURES: dict = {}


def menu(endpoint: str, zh: str, en: str) -> None:
    if all(item[0] != endpoint for item in MENU):
        MENU.append((endpoint, zh, en))


def figure(endpoint: str, count) -> None:
    """`count(user) -> int`: what needs attention on that page now (0: nothing)."""
    FIGURES[endpoint] = count


@bp.app_context_processor
def _helpers():
    return {"csrf_token": csrf_token}


@bp.context_processor
def _menu():
    return {"menu": MENU}


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        refused = "此账号不能登录服务中心控制台 · This account cannot use the service console."
        error = AREA.sign_in("service console", refused)
        if error is None:
            return redirect(AREA.next_page())
    body = render_template("pages/login.html", base="admin/base.html", error=error)
    return body, 401 if error else 200


@bp.post("/logout")
@page
def logout():
    return AREA.sign_out()


def _open_conflicts(user) -> int:
    from server.sync.models import SyncConflict

    query = sa.select(sa.func.count()).where(SyncConflict.status == "open")
    return db.session.scalar(query.select_from(SyncConflict))


figure("sync_admin.conflicts_page", _open_conflicts)


@bp.get("/")
@page
def home():
    figures = {endpoint: count(g.user) for endpoint, count in FIGURES.items()}
    return render_template("admin/home.html", figures=figures)
