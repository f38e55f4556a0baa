"""Console pages: complaints (list, detail, acting on one) and the filter reminders due."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from server.care.models import Complaint
from server.extensions import db
from tests.helpers import form_token, sign_in_page


@pytest.fixture
def complaint_id(client, world):
    r = client.post(
        "/api/complaints",
        json={
            "customer_id": world.ids["customer1"],
            "job_id": world.ids["job1"],
            "summary": "态度差",
        },
        headers=world.auth("admin"),
    )
    return r.get_json()["id"]


@pytest.fixture
def office(client, world):
    assert sign_in_page(client, "admin", "dispatcher").status_code == 302
    return client


def test_the_menu_lists_complaints_and_reminders(office):
    html = office.get("/admin/").get_data(as_text=True)
    assert "/admin/complaints" in html and "/admin/reminders" in html


def test_the_list_highlights_overdue_complaints(app, office, complaint_id):
    html = office.get("/admin/complaints").get_data(as_text=True)
    assert "态度差" in html and 'class="overdue"' not in html
    with app.app_context():
        row = db.session.get(Complaint, uuid.UUID(complaint_id))
        row.due_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    page = office.get("/admin/complaints?overdue=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'class="overdue"' in html and "Overdue" in html
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_the_detail_page_sets_the_owner_adds_notes_and_closes(app, office, world, complaint_id):
    path = f"/admin/complaints/{complaint_id}"
    page = office.get(path)
    assert page.status_code == 200 and "态度差" in page.get_data(as_text=True)
    token = form_token(office, path)
    due = (datetime.now(UTC) + timedelta(days=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    r = office.post(
        path,
        data={
            "csrf": token,
            "action": "update",
            "summary": "态度差，已道歉",
            "owner_id": world.ids["dispatcher"],
            "due_at": due,
        },
    )
    assert r.status_code == 302
    office.post(path, data={"csrf": token, "action": "note", "body": "已电话回访"})
    office.post(path, data={"csrf": token, "action": "start"})
    office.post(path, data={"csrf": token, "action": "close", "resolution": "客户接受道歉"})
    html = office.get(path).get_data(as_text=True)
    assert "已电话回访" in html and "客户接受道歉" in html and "已关闭" in html
    with app.app_context():
        row = db.session.get(Complaint, uuid.UUID(complaint_id))
        assert (row.status, str(row.owner_id), row.summary) == (
            "closed",
            world.ids["dispatcher"],
            "态度差，已道歉",
        )


def test_a_refused_action_is_shown_not_a_500(app, office, complaint_id):
    path = f"/admin/complaints/{complaint_id}"
    token = form_token(office, path)
    r = office.post(path, data={"csrf": token, "action": "close", "resolution": ""})
    assert r.status_code == 302
    r = office.post(path, data={"csrf": token, "action": "reopen", "reason": "x"})
    assert r.status_code == 302
    html = office.get(path).get_data(as_text=True)
    assert "cannot reopen" in html
    bad_due = office.post(
        path, data={"csrf": token, "action": "update", "summary": "s", "due_at": "soon"}
    )
    assert bad_due.status_code == 302
    assert "not a date and time" in office.get(path).get_data(as_text=True)
    year_one = {"csrf": token, "action": "update", "summary": "s", "due_at": "0001-01-01T00:00"}
    assert office.post(path, data=year_one).status_code == 302
    assert office.post(path, data={"csrf": token, "action": "dance"}).status_code == 400
    with app.app_context():
        assert db.session.get(Complaint, uuid.UUID(complaint_id)).status == "open"


def test_a_form_without_the_csrf_token_is_refused(app, office, complaint_id):
    path = f"/admin/complaints/{complaint_id}"
    assert office.post(path, data={"action": "start"}).status_code == 400
    with app.app_context():
        assert db.session.get(Complaint, uuid.UUID(complaint_id)).status == "open"


def test_an_unknown_complaint_is_404(office):
    assert office.get(f"/admin/complaints/{uuid.uuid4()}").status_code == 404


def test_the_reminders_page_lists_units_due(app, office, world):
    from server.warranty.months import add_months
    from tests.care.test_reminders import _today, install

    install(app, world.ids["unit1"], add_months(_today(), -4) - timedelta(days=1))
    page = office.get("/admin/reminders?within_days=7")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "SN-TEST-1" in html and 'class="overdue"' in html
    assert office.get("/admin/reminders?within_days=abc").status_code == 400


def test_pages_need_the_office(client, world):
    assert client.get("/admin/complaints").status_code == 302
    assert client.get("/admin/reminders").status_code == 302


def test_the_messages_page_shows_dead_messages_and_sends_them_again(app, office, world):
    from server.care import messages
    from server.desk.models import Unit
    from tests.care.senders import Broken

    with app.app_context():
        customer = db.session.get(Unit, uuid.UUID(world.ids["unit1"])).customer
        row = messages.enqueue("test:dead", "filter_reminder", customer, "滤芯到期")
        row.status, row.attempts, row.last_error = "dead", 6, "ConnectionError: gateway down"
        messages.enqueue("test:sent", "survey_link", customer, "请评分")
        db.session.commit()
        message_id = row.id
    html = office.get("/admin/care-messages?status=dead").get_data(as_text=True)
    assert "滤芯到期" in html and "gateway down" in html and "请评分" not in html
    token = form_token(office, "/admin/care-messages?status=dead")
    retry = f"/admin/care-messages/{message_id}/retry"
    assert office.post(retry, data={"csrf": token}).status_code == 302
    with app.app_context():
        assert db.session.get(messages.CareMessage, message_id).status == "pending"
        # One more round only: a failure makes it dead again.
        messages.send_due(Broken(), datetime.now(UTC))
        assert db.session.get(messages.CareMessage, message_id).status == "dead"
    office.post(retry, data={"csrf": token})
    again = office.post(retry, data={"csrf": token}, follow_redirects=True)
    assert "Only a message the sender gave up on" in again.get_data(as_text=True)
    assert (
        office.post(f"/admin/care-messages/{uuid.uuid4()}/retry", data={"csrf": token}).status_code
        == 404
    )


def test_a_complaint_taken_on_the_phone_is_opened_from_the_list(app, office, world):
    token = form_token(office, "/admin/complaints")
    form = {"csrf": token, "phone": "13800000001", "summary": "上门迟到", "details": "迟到两小时"}
    opened = office.post("/admin/complaints/new", data=form)
    assert opened.status_code == 302 and "/admin/complaints/" in opened.headers["Location"]
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        # The customer's only unit names the dealer; the policy's deadline follows.
        assert str(complaint.unit_id) == world.ids["unit1"]
        assert str(complaint.dealer_id) == world.ids["org1"]
        assert complaint.source == "office" and complaint.details == "迟到两小时"
    page = office.get(opened.headers["Location"]).get_data(as_text=True)
    assert "投诉已登记" in page and "上门迟到" in page


@pytest.mark.parametrize(
    "form, said",
    [
        ({"phone": "13999999999", "summary": "x"}, "no customer has this number"),
        ({"phone": "13800000001", "summary": ""}, "summary"),
        ({"phone": "13800000001", "serial": "SN-TEST-2", "summary": "x"}, "another customer"),
    ],
)
def test_a_complaint_form_that_cannot_be_opened_says_why_and_writes_nothing(
    app, office, form, said
):
    token = form_token(office, "/admin/complaints")
    refused = office.post("/admin/complaints/new", data={"csrf": token, **form})
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/complaints")
    assert said in office.get("/admin/complaints").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Complaint).count() == 0
