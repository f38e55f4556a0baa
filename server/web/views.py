"""Pages for people: the landing page (zh-CN first, English second)."""

from flask import Blueprint, render_template

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def index():
    return render_template("index.html")
