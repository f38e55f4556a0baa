"""Filter reminders: due dates by water quality and calendar months, the due list, and the
outbox of reminder messages (one per unit and due date) drained by the worker's sender."""

import logging
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from server.care import messages, reminders
from server.care.models import CareMessage
from server.dealers.models import Dealer
from server.dealers.policy import default_policy, load_policy
from server.desk.models import Job, Unit
from server.extensions import db
from server.field.models import Measurement
from server.warranty import service as warranty
from server.warranty.models import FilterChange
from server.warranty.months import local_date
from tests.care.senders import Broken, Collecting
from tests.helpers import assert_problem, count

RULES = default_policy()["filter"]


@pytest.mark.parametrize(
    ("last", "tds", "quality", "due"),
    [
        (date(2026, 8, 31), 50, "good", date(2027, 2, 28)),  # 6 months, to a short February
        (date(2027, 8, 31), 100, "good", date(2028, 2, 29)),  # a leap year; the limit is good
        (date(2026, 5, 31), 100.5, "average", date(2026, 9, 30)),  # 4 months, 30-day month
        (date(2026, 10, 31), 300, "average", date(2027, 2, 28)),
        (date(2026, 11, 30), 301, "poor", date(2027, 2, 28)),  # 3 months over the year end
        (date(2026, 1, 15), 800, "poor", date(2026, 4, 15)),
        (date(2026, 12, 31), None, "average", date(2027, 4, 30)),  # never measured
    ],
)
def test_due_dates_by_water_quality_and_calendar_months(last, tds, quality, due):
    assert reminders.due_on(last, tds, RULES) == (
        quality,
        RULES["months_by_water_quality"][quality],
        due,
    )


def test_the_intervals_are_the_dealers_policy():
    rules = load_policy(
        {
            "filter": {
                "months_by_water_quality": {"good": 5},
                "good_tds_max": 50,
                "unmeasured_class": "poor",
            }
        }
    )["filter"]
    assert reminders.due_on(date(2026, 1, 31), 40, rules) == ("good", 5, date(2026, 6, 30))
    assert reminders.due_on(date(2026, 1, 31), 60, rules)[0] == "average"
    assert reminders.due_on(date(2026, 1, 31), None, rules)[:2] == ("poor", 3)


@pytest.mark.parametrize(
    "doc",
    [
        {"months_by_water_quality": {"good": 7}},  # beyond interval_max_months
        {"months_by_water_quality": {"poor": 2}},
        {"good_tds_max": 400},  # above average_tds_max
        {"unmeasured_class": "excellent"},
    ],
)
def test_a_policy_outside_its_own_bounds_is_refused(client, world, doc):
    r = client.patch(
        f"/api/dealers/{world.ids['org1']}/policy",
        json={"filter": doc},
        headers=world.auth("admin"),
    )
    assert_problem(r, 422)


def _today():
    return local_date(datetime.now(UTC), "Asia/Shanghai")


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # 12:00 in Shanghai


def install(app, unit_id, on: date):
    with app.app_context():
        unit = db.session.get(Unit, uuid.UUID(unit_id))
        unit.installed_on = on
        warranty.refresh(unit)
        db.session.commit()


def filter_job(app, world, on: date, unit="unit1", tds=None) -> None:
    """Our technician changed the filters on `on` (a completed filter_change job)."""
    with app.app_context():
        unit_row = db.session.get(Unit, uuid.UUID(world.ids[unit]))
        job = Job(
            customer_id=unit_row.customer_id,
            unit_id=unit_row.id,
            dealer_id=unit_row.dealer_id,
            kind="filter_change",
            status="completed",
            completed_at=_noon(on),
        )
        db.session.add(job)
        db.session.flush()
        if tds is not None:
            db.session.add(
                Measurement(
                    job_id=job.id,
                    kind="tds_in",
                    value=tds,
                    unit="mg/L",
                    original_value=tds,
                    original_unit="ppm",
                    measured_at=_noon(on),
                )
            )
        warranty.refresh(unit_row)
        db.session.commit()


def due_list(client, world, who="dispatcher", **query):
    r = client.get("/api/reminders/due", query_string=query, headers=world.auth(who))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_unit_counts_from_its_installation_until_the_filters_are_changed(app, client, world):
    today = _today()
    install(app, world.ids["unit1"], today - timedelta(days=120) - timedelta(days=0))
    (item,) = due_list(client, world, within_days=366)["items"]
    assert item["last_change_by"] == "installation" and item["water_quality"] == "average"
    assert item["interval_months"] == 4 and item["reminded"] is False
    filter_job(app, world, today - timedelta(days=10), tds=50)
    (item,) = due_list(client, world, within_days=366)["items"]
    assert item["last_change_by"] == "technician" and item["water_quality"] == "good"
    assert item["tds_in"] == 50 and item["interval_months"] == 6
    assert date.fromisoformat(item["due_on"]) > today + timedelta(days=150)


def test_a_change_by_the_customer_counts_too(app, client, world):
    today = _today()
    filter_job(app, world, today - timedelta(days=200))
    with app.app_context():
        db.session.add(
            FilterChange(unit_id=uuid.UUID(world.ids["unit1"]), changed_on=today, by="customer")
        )
        warranty.refresh(db.session.get(Unit, uuid.UUID(world.ids["unit1"])))
        db.session.commit()
    (item,) = due_list(client, world, within_days=366)["items"]
    assert (item["last_change_on"], item["last_change_by"]) == (today.isoformat(), "customer")


def test_the_due_list_holds_what_is_due_within_the_days_asked_overdue_first(app, client, world):
    today = _today()
    from server.warranty.months import add_months

    install(app, world.ids["unit1"], add_months(today, -4) + timedelta(days=3))  # due in ~3 days
    install(app, world.ids["unit2"], add_months(today, -4) - timedelta(days=5))  # overdue
    items = due_list(client, world, within_days=7)["items"]
    assert [i["serial"] for i in items] == ["SN-TEST-2", "SN-TEST-1"]
    assert items[0]["days_left"] == -5 and items[1]["days_left"] == 3
    assert [i["serial"] for i in due_list(client, world, within_days=0)["items"]] == ["SN-TEST-2"]
    # A dealer sees its own units only.
    mine = due_list(client, world, who="dealer1", within_days=7)["items"]
    assert [i["serial"] for i in mine] == ["SN-TEST-1"]
    page = due_list(client, world, within_days=7, page=2, page_size=1)
    assert page["total"] == 2 and [i["serial"] for i in page["items"]] == ["SN-TEST-1"]


@pytest.mark.parametrize(
    "query", [{"within_days": -1}, {"within_days": 367}, {"within_days": "x"}, {"soon": 1}]
)
def test_a_bad_due_query_is_422(client, world, query):
    r = client.get("/api/reminders/due", query_string=query, headers=world.auth("admin"))
    assert_problem(r, 422)


def test_technicians_have_no_due_list(client, world):
    assert_problem(client.get("/api/reminders/due", headers=world.auth("tech1")), 403)


def test_one_reminder_per_unit_and_due_date_however_often_the_scan_runs(app, client, world):
    from server.warranty.months import add_months

    today = _today()
    install(app, world.ids["unit1"], add_months(today, -4) + timedelta(days=3))  # within 7 days
    install(app, world.ids["unit2"], add_months(today, -4) + timedelta(days=30))  # not yet
    with app.app_context():
        now = datetime.now(UTC)
        assert reminders.enqueue_due(now) == 1
        assert reminders.enqueue_due(now) == 0
        db.session.commit()
        (message,) = db.session.scalars(sa.select(CareMessage)).all()
        assert message.kind == "filter_reminder" and "SN-TEST-1" in message.body
        assert "将于" in message.body and "are due for a change" in message.body
        assert message.phone == "13800000001"
    assert due_list(client, world, within_days=7)["items"][0]["reminded"] is True
    # The filters are changed: a new due date, so a new reminder when that one comes.
    filter_job(app, world, add_months(today, -6) + timedelta(days=2), tds=20)
    with app.app_context():
        assert reminders.enqueue_due(datetime.now(UTC)) == 1
        db.session.commit()
        assert count(CareMessage) == 2


def test_a_unit_already_overdue_is_told_its_filters_were_due(app, world):
    from server.warranty.months import add_months

    install(app, world.ids["unit1"], add_months(_today(), -4) - timedelta(days=20))
    with app.app_context():
        assert reminders.enqueue_due(datetime.now(UTC)) == 1
        (message,) = db.session.scalars(sa.select(CareMessage)).all()
        assert "已于" in message.body and "were due for a change" in message.body


def test_the_log_sender_writes_each_message_to_the_log_once(app, world, caplog, monkeypatch):
    # The migrations' fileConfig (run by the session's upgrade) disabled loggers that existed.
    monkeypatch.setattr(messages.log, "disabled", False)
    with app.app_context():
        customer = db.session.get(Unit, uuid.UUID(world.ids["unit1"])).customer
        messages.enqueue("test:1", "filter_reminder", customer, "滤芯到期 · filters due")
        db.session.commit()
        with caplog.at_level(logging.INFO, logger="server.care.sender"):
            assert messages.send_due(messages.sender_from("log"), datetime.now(UTC)) == 1
            assert messages.send_due(messages.sender_from("log"), datetime.now(UTC)) == 0
        logged = [r.getMessage() for r in caplog.records if r.name == "server.care.sender"]
        assert len(logged) == 1 and "13800000001" in logged[0] and "滤芯到期" in logged[0]
        assert db.session.scalar(sa.select(CareMessage.status)) == "sent"


def test_a_failing_sender_retries_later_then_gives_up(app, world):
    with app.app_context():
        customer = db.session.get(Unit, uuid.UUID(world.ids["unit1"])).customer
        messages.enqueue("test:2", "survey_link", customer, "hello")
        db.session.commit()
        now = datetime.now(UTC)
        assert messages.send_due(Broken(), now) == 1
        row = db.session.scalar(sa.select(CareMessage))
        assert row.status == "pending" and "gateway down" in row.last_error
        assert row.next_attempt_at > now
        assert messages.send_due(Broken(), now) == 0  # not due yet
        later = now
        for _ in messages.RETRY_MINUTES:
            later += timedelta(days=1)
            messages.send_due(Broken(), later)
        db.session.refresh(row)
        assert row.status == "dead" and row.attempts == len(messages.RETRY_MINUTES) + 1


def test_the_sender_is_a_setting_and_an_unknown_one_is_refused():
    assert isinstance(messages.sender_from("tests.care.senders:Collecting"), Collecting)
    assert isinstance(messages.sender_from(None), messages.LogSender)
    with pytest.raises(ValueError, match="CARE_SENDER"):
        messages.sender_from("tests.care.senders:Nothing")


def test_the_worker_sends_survey_links_and_reminders_through_the_configured_sender(app, world):
    from server.delivery.worker import Worker
    from server.warranty.months import add_months
    from tests.helpers import set_job

    install(app, world.ids["unit2"], add_months(_today(), -4))  # due today
    set_job(app, world.ids["job1"], status="completed", completed_at=datetime.now(UTC))
    app.config["CARE_SENDER"] = "tests.care.senders:Collecting"
    Collecting.sent.clear()
    worker = Worker(app, media=False)
    assert worker.turn() is True
    kinds = sorted((kind, phone) for kind, phone, _ in Collecting.sent)
    assert kinds == [("filter_reminder", "13800000002"), ("survey_link", "13800000001")]
    worker.turn()
    assert len(Collecting.sent) == 2  # nothing twice
    with app.app_context():
        assert db.session.get(Dealer, uuid.UUID(world.ids["org1"])) is not None


def test_the_care_defaults_are_those_chosen_in_docs_care_md():
    policy = default_policy()
    assert policy["care"] == {
        "survey_link_days": 14,
        "low_rating_max": 2,
        "complaint_deadline_hours": 48,
    }
    assert policy["filter"]["months_by_water_quality"] == {"good": 6, "average": 4, "poor": 3}
    assert (policy["filter"]["interval_min_months"], policy["filter"]["interval_max_months"]) == (
        3,
        6,
    )


def test_a_failing_scan_does_not_stop_the_sending(app, world, monkeypatch):
    from server.care import surveys, worker

    def broken(*args, **kwargs):
        raise RuntimeError("scan broke")

    with app.app_context():
        customer = db.session.get(Unit, uuid.UUID(world.ids["unit1"])).customer
        messages.enqueue("test:3", "filter_reminder", customer, "hi")
        db.session.commit()
        monkeypatch.setattr(surveys, "scan_completed", broken)
        step = worker.CareStep(worker.settings_from({**app.config, "CARE_SENDER": "log"}))
        assert step.turn() is True
        assert db.session.scalar(sa.select(CareMessage.status)) == "sent"


def test_flask_care_scan_and_send_do_it_once_from_the_command_line(app, world):
    from server.warranty.months import add_months
    from tests.helpers import set_job

    install(app, world.ids["unit1"], add_months(_today(), -4))
    set_job(app, world.ids["job2"], status="completed", completed_at=datetime.now(UTC))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["care", "scan"])
    assert first.exit_code == 0 and "1 survey links and 1 filter reminders" in first.output
    again = runner.invoke(args=["care", "scan"])
    assert "0 survey links and 0 filter reminders" in again.output
    sent = runner.invoke(args=["care", "send"])
    assert sent.exit_code == 0 and "2 messages tried" in sent.output
    with app.app_context():
        statuses = db.session.scalars(sa.select(CareMessage.status)).all()
        assert statuses == ["sent", "sent"]
