"""The console's blueprint, sign-in and home page; page modules add their own routes."""

from flask import Blueprint, redirect, render_template, request

from server.web.pages import Area, csrf_token

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
AREA = Area(("admin", "dispatcher"), "admin.login", "admin.home")
page = AREA.page
# The menu, in order: (endpoint, zh-CN, English). Page modules append with `menu()`.
MENU: list[tuple[str, str, str]] = [("admin.home", "今日", "Today")]


def menu(endpoint: str, zh: str, en: str) -> None:
    if all(item[0] != endpoint for item in MENU):
        MENU.append((endpoint, zh, en))


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


@bp.get("/")
@page
def home():
    return render_template("admin/home.html")
