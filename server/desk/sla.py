"""SLA arithmetic: deadlines in working time, and the state of each clock. Pure (no Flask,
no database): the dealer's policy document and times in, times and states out.

Working time is the policy's `working_hours` in the policy's time zone: the weekdays in
`days` from `start` to `end`, minus holidays. Where `statutory_calendar` is "CN", China's
statutory holidays and days off in lieu close the office and its make-up working days
(调休, a Saturday or Sunday worked instead) open it, as published by the State Council and
kept in the `holidays` package (released monthly; it computes the statutory holidays of
years whose 调休 schedule is not published yet, so a new year never counts as all
working days). A weekend day inside a holiday period is an ordinary weekend day: whether
the office opens then is the dealer's `days`. The dealer's own `holidays` close the office
on top. `always_open` (7×24) counts wall time. docs/service-desk.md has the rules in prose.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

# The clocks, in the order a request meets them, and the policy length of each.
CLOCKS = ("acknowledge", "contact", "on_site", "resolve")
LENGTH = {
    "acknowledge": "acknowledge_minutes",
    "contact": "contact_minutes",
    "on_site": "on_site_minutes",
    "resolve": "repair_minutes",
}
STATES = ("met", "running", "breached", "stopped")
# A deadline further away than this many days of searching is not computed (a policy open
# one minute a week with a year-long clock): the clock then has no due time.
MAX_SEARCH_DAYS = 50 * 366


@dataclass(frozen=True)
class Hours:
    days: frozenset
    start: time
    end: time | None  # None: midnight at the end of the day ("24:00")
    always_open: bool
    holidays: frozenset
    statutory: str | None
    zone: ZoneInfo

    @classmethod
    def of(cls, policy: dict) -> "Hours":
        wh = policy["working_hours"]
        return cls(
            days=frozenset(wh["days"]),
            start=time.fromisoformat(wh["start"]),
            end=None if wh["end"] == "24:00" else time.fromisoformat(wh["end"]),
            always_open=wh["always_open"],
            holidays=frozenset(date.fromisoformat(d) for d in wh["holidays"]),
            statutory=None if wh.get("statutory_calendar", "none") == "none" else "CN",
            zone=ZoneInfo(policy["timezone"]),
        )


@cache
def _china() -> holidays.HolidayBase:
    # Built once for a fixed span and never expanded after: concurrent requests only read it.
    return holidays.China(years=range(2000, 2051), expand=False)


def _statutory(day: date) -> bool | None:
    """China's word on `day`: False on a statutory holiday (or a day off in lieu), True on
    a make-up working day, None when it says nothing (an ordinary day)."""
    china = _china()
    if day in china:
        return False
    if day in china.weekend_workdays:
        return True
    return None


def is_working_day(day: date, hours: Hours) -> bool:
    if hours.always_open:
        return True
    if day in hours.holidays:
        return False
    if hours.statutory == "CN":
        said = _statutory(day)
        if said is not None:
            return said
    return day.isoweekday() in hours.days


def _opening(day: date, hours: Hours) -> tuple[datetime, datetime]:
    """The day's office hours as UTC instants (through the zone: DST-safe)."""
    opens = datetime.combine(day, hours.start, tzinfo=hours.zone)
    if hours.end is None:
        closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=hours.zone)
    else:
        closes = datetime.combine(day, hours.end, tzinfo=hours.zone)
    return opens.astimezone(UTC), closes.astimezone(UTC)


def _open_spans(start: datetime, hours: Hours):
    """The working spans from `start` on, as (from, to) UTC instants, in order."""
    day = start.astimezone(hours.zone).date() - timedelta(days=1)  # a span past midnight
    for offset in range(MAX_SEARCH_DAYS):
        current = day + timedelta(days=offset)
        if not is_working_day(current, hours):
            continue
        opens, closes = _opening(current, hours)
        if closes > start:
            yield max(opens, start), closes


def add_working(start: datetime, minutes: int, hours: Hours) -> datetime | None:
    """`start` plus `minutes` of working time (UTC); None if not found within the search
    bound. A start outside working hours counts from the next opening."""
    start = start.astimezone(UTC)
    if hours.always_open:
        return start + timedelta(minutes=minutes)
    left = timedelta(minutes=minutes)
    for opens, closes in _open_spans(start, hours):
        if opens + left <= closes:
            return opens + left
        left -= closes - opens
    return None


def working_between(start: datetime, end: datetime, hours: Hours) -> timedelta:
    """Working time from `start` to `end` (zero if `end` is not later)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return timedelta(0)
    if hours.always_open:
        return end - start
    total = timedelta(0)
    for opens, closes in _open_spans(start, hours):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def due_times(policy: dict, received_at: datetime, confirmed_at=None, visit_end=None) -> dict:
    """Each clock's deadline (UTC) from the policy.

    acknowledge, contact and resolve run from `received_at`. on_site runs from the
    confirmation (the appointment call, `confirmed_at`) — DOMAIN: "24 h after
    confirmation"; before the call it is provisional, from the contact deadline. A visit
    the customer asked to have later than that is due at the end of its agreed window.
    """
    hours, sla = Hours.of(policy), policy["sla"]
    due = {
        name: add_working(received_at, sla[LENGTH[name]], hours)
        for name in ("acknowledge", "contact", "resolve")
    }
    base = confirmed_at or due["contact"]
    on_site = add_working(base, sla[LENGTH["on_site"]], hours) if base else None
    if on_site is not None and visit_end is not None and visit_end > on_site:
        on_site = visit_end.astimezone(UTC)
    due["on_site"] = on_site
    return due


@dataclass(frozen=True)
class Clock:
    name: str
    due: datetime | None
    met_at: datetime | None
    state: str
    # Running with less than the policy's near-breach share of the clock left.
    near_breach: bool
    # Working time left (running clocks only).
    left: timedelta | None


def evaluate(
    name: str, due, met_at, now: datetime, policy: dict, stopped: bool = False, stopped_at=None
) -> Clock:
    """One clock's state: met (met by its due time), breached (met late, or not met and
    past due — for a closed or cancelled request, past due when it ended at `stopped_at`),
    running (not met, not yet due), stopped (the request ended with the clock not met
    before its due time)."""
    if met_at is not None:
        state = "met" if due is None or met_at <= due else "breached"
        return Clock(name, due, met_at, state, False, None)
    if stopped:
        # Without the time it ended (requests closed before it was kept): not a breach.
        late = due is not None and stopped_at is not None and stopped_at > due
        return Clock(name, due, None, "breached" if late else "stopped", False, None)
    if due is not None and now > due:
        return Clock(name, due, None, "breached", False, None)
    if due is None:
        return Clock(name, due, None, "running", False, None)
    hours, sla = Hours.of(policy), policy["sla"]
    left = working_between(now, due, hours)
    threshold = timedelta(minutes=sla[LENGTH[name]] * sla["near_breach_percent"] / 100)
    return Clock(name, due, None, "running", left <= threshold, left)
