"""Pages for people: the landing page (zh-CN first, English second)."""

from flask import Blueprint, render_template

# Styles and scripts are files here, never inline: the pages' CSP has no 'unsafe-inline'.
bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/web",
)


@bp.get("/")
def index():
    return render_template("index.html")
