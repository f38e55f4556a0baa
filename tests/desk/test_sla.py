"""SLA arithmetic in working time: nights, weekends, holidays, 调休, time zones, 7×24."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.dealers.policy import load_policy
from server.desk import sla

SH = ZoneInfo("Asia/Shanghai")


def at(*args, zone=SH):
    return datetime(*args, tzinfo=zone)


def hours(**working_hours):
    return sla.Hours.of(load_policy({"working_hours": working_hours}))


def local(instant):
    return instant.astimezone(SH).replace(tzinfo=None)


def test_friday_1755_with_a_2h_clock_is_due_monday_1055():
    # DOMAIN.md "Deadlines" (2026-12-04 is a Friday).
    due = sla.add_working(at(2026, 12, 4, 17, 55), 120, hours())
    assert local(due) == datetime(2026, 12, 7, 10, 55)


def test_a_request_on_saturday_starts_its_clocks_monday_0900():
    due = sla.add_working(at(2026, 12, 5, 11, 0), 1, hours())
    assert local(due) == datetime(2026, 12, 7, 9, 1)


def test_a_night_request_starts_the_next_morning():
    due = sla.add_working(at(2026, 12, 8, 23, 30), 60, hours())
    assert local(due) == datetime(2026, 12, 9, 10, 0)


def test_24_working_hours_span_three_working_days():
    # 9 h a day: Tuesday 10:00 + 24 h = Tue 8 h + Wed 9 h + Thu 7 h → Thursday 16:00.
    due = sla.add_working(at(2026, 12, 8, 10, 0), 24 * 60, hours())
    assert local(due) == datetime(2026, 12, 10, 16, 0)


def test_a_clock_ending_exactly_at_closing_is_due_at_closing():
    due = sla.add_working(at(2026, 12, 8, 17, 0), 60, hours())
    assert local(due) == datetime(2026, 12, 8, 18, 0)


def test_national_day_holidays_are_skipped():
    # 2026-09-30 (Wed) 17:00: 1 h left that day; 1–7 October are statutory holidays.
    due = sla.add_working(at(2026, 9, 30, 17, 0), 120, hours())
    assert local(due) == datetime(2026, 10, 8, 10, 0)


def test_new_years_day_of_a_year_whose_tiaoxiu_is_not_published_yet_is_a_holiday():
    # 2026-12-31 (Thu) 17:00: 1 h left; 2027-01-01 (Fri) is New Year's Day, then a weekend.
    due = sla.add_working(at(2026, 12, 31, 17, 0), 120, hours())
    assert local(due) == datetime(2027, 1, 4, 10, 0)


def test_the_spring_festival_2027_closes_the_office():
    # Computed by the package from the law: 2027-02-05 (Fri) … 02-10 (Wed) are off.
    due = sla.add_working(at(2027, 2, 4, 17, 30), 60, hours())
    assert local(due) == datetime(2027, 2, 11, 9, 30)


def test_a_make_up_working_sunday_counts_tiaoxiu():
    # 2026-09-20 is a Sunday worked instead of a National Day holiday (调休).
    assert sla.is_working_day(datetime(2026, 9, 20).date(), hours())
    due = sla.add_working(at(2026, 9, 19, 12, 0), 120, hours())  # Saturday
    assert local(due) == datetime(2026, 9, 20, 11, 0)


def test_without_the_statutory_calendar_only_weekdays_count():
    plain = hours(statutory_calendar="none")
    assert not sla.is_working_day(datetime(2026, 9, 20).date(), plain)
    assert sla.is_working_day(datetime(2026, 10, 1).date(), plain)


def test_the_dealers_own_holidays_close_the_office():
    due = sla.add_working(at(2026, 12, 4, 17, 55), 120, hours(holidays=["2026-12-07"]))
    assert local(due) == datetime(2026, 12, 8, 10, 55)


def test_a_year_the_calendar_does_not_know_counts_weekdays():
    # 2027 is past the package's data: Friday 2027-01-08 17:55 → Monday 10:55.
    due = sla.add_working(at(2027, 1, 8, 17, 55), 120, hours())
    assert local(due) == datetime(2027, 1, 11, 10, 55)


def test_the_dealers_time_zone_decides_the_working_day():
    # 01:00 UTC Monday is 09:00 in Shanghai but 20:00 Sunday in New York.
    received = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    shanghai = sla.add_working(received, 60, hours())
    assert shanghai == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    ny = sla.Hours.of(load_policy({"timezone": "America/New_York"}))
    due = sla.add_working(received, 60, ny)
    assert due.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None) == datetime(
        2026, 12, 7, 10, 0
    )


def test_a_7x24_policy_counts_wall_time():
    always = hours(always_open=True)
    start = at(2026, 10, 1, 23, 0)  # a holiday night
    assert sla.add_working(start, 120, always) == (start + timedelta(hours=2)).astimezone(UTC)


def test_working_between_inverts_add_working():
    start = at(2026, 12, 4, 17, 55)
    due = sla.add_working(start, 24 * 60, hours())
    assert sla.working_between(start, due, hours()) == timedelta(hours=24)
    assert sla.working_between(due, start, hours()) == timedelta(0)


def test_a_policy_that_never_opens_gives_no_deadline(monkeypatch):
    monkeypatch.setattr(sla, "MAX_SEARCH_DAYS", 30)
    assert (
        sla.add_working(
            at(2026, 12, 4, 12, 0),
            60,
            hours(
                days=[1],
                holidays=[
                    "2026-12-07",
                    "2026-12-14",
                    "2026-12-21",
                    "2026-12-28",
                    "2027-01-04",
                ],
            ),
        )
        is None
    )


def test_on_site_runs_from_the_confirmation_or_the_later_agreed_visit():
    policy = load_policy({})
    received = at(2026, 12, 7, 9, 0)
    provisional = sla.due_times(policy, received)
    # Before the call: 24 working hours after the contact deadline.
    assert local(provisional["contact"]) == datetime(2026, 12, 9, 15, 0)
    assert local(provisional["on_site"]) == datetime(2026, 12, 14, 12, 0)
    confirmed = sla.due_times(policy, received, confirmed_at=at(2026, 12, 7, 10, 0))
    assert local(confirmed["on_site"]) == datetime(2026, 12, 9, 16, 0)
    later = sla.due_times(
        policy, received, confirmed_at=at(2026, 12, 7, 10, 0), visit_end=at(2026, 12, 18, 12, 0)
    )
    assert local(later["on_site"]) == datetime(2026, 12, 18, 12, 0)
    assert local(later["resolve"]) == datetime(2026, 12, 14, 12, 0)


@pytest.mark.parametrize(
    ("met", "now", "stopped", "state", "near"),
    [
        (at(2026, 12, 7, 10, 0), at(2026, 12, 9), False, "met", False),
        (at(2026, 12, 7, 12, 0), at(2026, 12, 9), False, "breached", False),
        (None, at(2026, 12, 7, 11, 1), False, "breached", False),
        (None, at(2026, 12, 7, 9, 30), False, "running", False),
        (None, at(2026, 12, 7, 10, 31), False, "running", True),
        (None, at(2026, 12, 7, 12, 0), True, "stopped", False),
        (None, at(2026, 12, 7, 12, 0), at(2026, 12, 7, 10, 0), "stopped", False),
        (None, at(2026, 12, 7, 12, 0), at(2026, 12, 7, 11, 30), "breached", False),
    ],
)
def test_a_clock_is_met_running_breached_or_stopped(met, now, stopped, state, near):
    policy = load_policy({})
    due = at(2026, 12, 7, 11, 0).astimezone(UTC)
    # `stopped`: True (ended at an unknown time) or the time the request ended.
    stopped_at = None if isinstance(stopped, bool) else stopped
    clock = sla.evaluate("acknowledge", due, met, now, policy, bool(stopped), stopped_at)
    assert (clock.state, clock.near_breach) == (state, near)
    if state == "running":
        assert clock.left == due - now
