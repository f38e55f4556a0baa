"""Survey links: signed, single-use, expiring; the public page; a low rating opens a complaint."""

import uuid

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from server.care import surveys
from server.care.models import CareMessage, Complaint, Survey
from server.extensions import db
from tests.care.conftest import completed, in_the_past, path_of, set_survey, survey_row, token_of
from tests.helpers import another_job, assert_problem, count, form_token


def answer(client, path, rating="4", comments="", csrf=None):
    token = csrf if csrf is not None else form_token(client, path)
    return client.post(path, data={"csrf": token, "rating": rating, "comments": comments})


def test_the_office_sends_a_link_for_a_completed_job_and_it_is_queued_for_the_customer(
    app, client, world, link
):
    assert link.startswith(app.config["PUBLIC_BASE_URL"] + "/survey/")
    with app.app_context():
        message = db.session.scalar(sa.select(CareMessage))
        assert message.kind == "survey_link" and link in message.body
        assert message.phone == "13800000001"


def test_no_survey_for_unfinished_work(client, world):
    r = client.post(f"/api/jobs/{world.ids['job1']}/survey", headers=world.auth("admin"))
    body = assert_problem(r, 409)
    assert body["type"].endswith("job-not-completed")


@pytest.mark.parametrize(("who", "status"), [("tech1", 403), ("dealer1", 403)])
def test_only_the_office_sends_survey_links(client, world, done_job, who, status):
    r = client.post(f"/api/jobs/{done_job}/survey", headers=world.auth(who))
    assert_problem(r, status)


def test_the_page_is_zh_cn_first_mobile_and_under_a_strict_csp(client, link):
    page = client.get(path_of(link))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in html and "满意" in html and "How satisfied" in html
    assert 'name="viewport"' in html
    assert html.count('type="radio" name="rating"') == 5
    assert 'maxlength="1000"' in html
    csp = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "<script" not in html and "style=" not in html


def test_a_link_answers_once(app, client, world, done_job, link):
    path = path_of(link)
    thanks = answer(client, path, "4", "师傅很专业")
    assert thanks.status_code == 200 and "感谢" in thanks.get_data(as_text=True)
    row = survey_row(app, done_job)
    assert (row.rating, row.comments) == (4, "师傅很专业") and row.answered_at is not None
    again = client.get(path)
    assert again.status_code == 404 and "already answered" in again.get_data(as_text=True)
    # A second post (a form kept open in another tab) changes nothing.
    assert answer(client, path, "1", csrf="whatever").status_code == 404
    assert survey_row(app, done_job).rating == 4
    with app.app_context():
        assert count(Complaint) == 0


def test_an_expired_link_is_gone(app, client, done_job, link):
    set_survey(app, done_job, expires_at=in_the_past())
    page = client.get(path_of(link))
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    assert client.post(path_of(link), data={"rating": "5"}).status_code == 410
    assert survey_row(app, done_job).answered_at is None


def test_a_resend_extends_the_link_and_queues_a_new_message(app, client, world, done_job, link):
    set_survey(app, done_job, expires_at=in_the_past())
    r = client.post(f"/api/jobs/{done_job}/survey", headers=world.auth("admin"))
    assert r.status_code == 200 and r.get_json()["url"] == link  # the same survey, same link
    assert client.get(path_of(link)).status_code == 200
    with app.app_context():
        assert count(CareMessage) == 2 and count(Survey) == 1


def test_no_resend_once_answered(client, world, done_job, link):
    answer(client, path_of(link))
    r = client.post(f"/api/jobs/{done_job}/survey", headers=world.auth("admin"))
    assert assert_problem(r, 409)["type"].endswith("survey-answered")


@pytest.mark.parametrize(
    "mangle",
    [
        # The signature's first character (its last may carry only unused base64 bits).
        lambda t: t.replace(
            "." + t.split(".")[1][0], "." + ("A" if t.split(".")[1][0] != "A" else "B")
        ),
        lambda t: "x" + t,  # payload altered
        lambda t: "not-a-token",
        lambda t: "a" * 5000,  # absurdly long
        lambda t: t + ".." + t,
    ],
)
def test_a_tampered_link_is_a_bad_request(app, client, done_job, link, mangle):
    path = "/survey/" + mangle(token_of(link))
    page = client.get(path)
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    assert client.post(path, data={"rating": "1"}).status_code == 400
    assert survey_row(app, done_job).answered_at is None


def test_a_link_signed_with_another_secret_or_for_no_survey(app, client, done_job, link):
    forged = URLSafeSerializer("another-secret", salt=surveys.SALT).dumps(str(uuid.uuid4()))
    assert client.get(f"/survey/{forged}").status_code == 400
    unknown = URLSafeSerializer(app.config["SECRET_KEY"], salt=surveys.SALT).dumps(
        str(uuid.uuid4())
    )
    assert client.get(f"/survey/{unknown}").status_code == 404


@pytest.mark.parametrize(
    ("rating", "comments"),
    [("0", ""), ("6", ""), ("", ""), ("x", ""), ("3.5", ""), ("4", "长" * 1001), ("4", "a\x00b")],
)
def test_a_bad_answer_is_shown_again_and_nothing_is_written(
    app, client, done_job, link, rating, comments
):
    r = answer(client, path_of(link), rating, comments)
    assert r.status_code == 422
    assert 'type="radio"' in r.get_data(as_text=True)
    assert survey_row(app, done_job).answered_at is None


def test_a_post_without_the_forms_csrf_token_is_refused(app, client, done_job, link):
    client.get(path_of(link))
    refused = answer(client, path_of(link), "5", csrf="forged")
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert "submit again" in refused.get_data(as_text=True)
    assert survey_row(app, done_job).answered_at is None
    # The form shown again carries a good token: submitting it works.
    assert answer(client, path_of(link), "5").status_code == 200


@pytest.mark.parametrize(("rating", "complaints"), [("1", 1), ("2", 1), ("3", 0), ("5", 0)])
def test_a_low_rating_opens_a_complaint(app, client, world, done_job, link, rating, complaints):
    answer(client, path_of(link), rating, "等了很久")
    with app.app_context():
        rows = db.session.scalars(sa.select(Complaint)).all()
        assert len(rows) == complaints
        if rows:
            (c,) = rows
            assert (c.source, c.status, str(c.job_id)) == ("survey", "open", done_job)
            assert str(c.dealer_id) == world.ids["org1"] and c.details == "等了很久"
            assert (c.due_at - c.opened_at).total_seconds() == 48 * 3600


def test_a_low_rating_opens_exactly_one_complaint(app, client, done_job, link):
    csrf = form_token(client, path_of(link))
    answer(client, path_of(link), "1", csrf=csrf)
    assert answer(client, path_of(link), "1", csrf=csrf).status_code == 404  # used
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey))
        # Even called again behind the page's back, the same complaint comes back.
        from server.care import complaints

        first = db.session.scalar(sa.select(Complaint))
        assert complaints.open_from_survey(survey, survey.answered_at).id == first.id
        assert count(Complaint) == 1


def test_the_low_rating_threshold_is_the_dealers_policy(app, client, world, done_job, link):
    from server.dealers.models import Dealer
    from server.dealers.policy import load_policy

    with app.app_context():
        dealer = db.session.get(Dealer, uuid.UUID(world.ids["org1"]))
        dealer.policy_doc = load_policy({"care": {"low_rating_max": 3}})
        db.session.commit()
    answer(client, path_of(link), "3")
    with app.app_context():
        assert count(Complaint) == 1


def test_the_scan_gives_each_recently_completed_job_one_survey(app, world):
    from server.care import worker

    old = another_job(app, world, kind="repair")
    completed(app, old, ago=__import__("datetime").timedelta(days=30))
    completed(app, world.ids["job1"])
    completed(app, world.ids["job2"])
    with app.app_context():
        settings = worker.current()
        assert worker.scan(settings)[0] == 2
        assert worker.scan(settings)[0] == 0
        jobs = {str(j) for j in db.session.scalars(sa.select(Survey.job_id))}
        assert jobs == {world.ids["job1"], world.ids["job2"]}
        assert count(CareMessage) == 2


def test_the_office_and_the_jobs_dealer_read_the_survey(client, world, done_job, link):
    path = f"/api/jobs/{done_job}/survey"
    answer(client, path_of(link), "5", "好")
    for who in ("dispatcher", "dealer1"):
        r = client.get(path, headers=world.auth(who))
        assert r.status_code == 200 and (r.get_json()["rating"], r.get_json()["comments"]) == (
            5,
            "好",
        )
    assert_problem(client.get(path, headers=world.auth("dealer2")), 404)
    assert_problem(client.get(path, headers=world.auth("tech1")), 403)
    none_yet = f"/api/jobs/{world.ids['job2']}/survey"
    assert_problem(client.get(none_yet, headers=world.auth("admin")), 404)
