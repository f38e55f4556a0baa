"""The customer's survey page, `/survey/<token>`: no login, a phone's screen, zh-CN first.

The token is the only key (server/care/surveys.py); the form also carries the session's
CSRF token. A link that cannot be answered gets a page saying why, never a 500:
tampered 400, unknown 404, already answered 404, expired 410.
"""

import click
from flask import Blueprint, current_app, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from server.care import schemas, surveys
from server.care import worker as care_worker
from server.common import tx
from server.common.models import utcnow
from server.web.pages import check_csrf, csrf_token

bp = Blueprint(
    "care_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/care/static",
    cli_group="care",
)
# Longer than any token we sign (a survey id signed is ~70 characters).
TOKEN_MAX = 200
REFUSALS = {
    "tampered": (400, "链接无效", "This link is not valid."),
    "unknown": (404, "找不到此调查", "There is no such survey."),
    "used": (404, "您已提交过评价，感谢！", "This survey was already answered. Thank you!"),
    "expired": (410, "链接已过期", "This link has expired."),
}


def _refused(reason: str):
    status, zh, en = REFUSALS[reason]
    return render_template("care/survey_closed.html", zh=zh, en=en), status


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey(token):
    secret = current_app.config["SECRET_KEY"]
    if len(token) > TOKEN_MAX:
        return _refused("tampered")
    posting = request.method == "POST"
    try:
        survey = surveys.open_link(token, secret, utcnow(), for_update=posting)
    except surveys.LinkError as exc:
        return _refused(exc.reason)
    form = {"csrf": csrf_token(), "rating": None, "comments": ""}
    if not posting:
        return render_template("care/survey.html", form=form, errors={})
    try:
        check_csrf()
    except BadRequest:
        # A customer gets the form again (a fresh token in it), not an error document.
        stale = {"form": "页面已过期，请重新提交 · The page had expired; please submit again."}
        return render_template("care/survey.html", form=form, errors=stale), 400
    raw = {"rating": request.form.get("rating", ""), "comments": request.form.get("comments", "")}
    form.update(rating=raw["rating"], comments=raw["comments"])
    try:
        answer = schemas.SurveyAnswerSchema().load(
            {"rating": raw["rating"] or None, "comments": raw["comments"].strip() or None}
        )
    except ValidationError as exc:
        errors = {k: " ".join(map(str, v)) for k, v in exc.messages.items()}
        return render_template("care/survey.html", form=form, errors=errors), 422
    surveys.answer(
        survey, answer["rating"], answer["comments"], utcnow(), surveys.low_rating_max(survey)
    )
    tx.commit()
    return render_template("care/survey_thanks.html")


@bp.cli.command("scan")
def scan_command():
    """Give newly completed jobs their survey links and queue due filter reminders."""
    made, queued = care_worker.scan(care_worker.current())
    click.echo(f"{made} survey links and {queued} filter reminders queued.")


@bp.cli.command("send")
def send_command():
    """Hand the due customer messages to the configured sender once."""
    from server.care import messages

    sent = messages.send_due(care_worker.current().sender, utcnow(), limit=10_000)
    click.echo(f"{sent} messages tried.")
