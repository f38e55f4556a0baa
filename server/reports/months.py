"""A report's month: parsed from "YYYY-MM", bounded in the service center's time zone.

The window is computed here, in Python, as two aware UTC instants [start, end): reports
compare stored UTC times with them plainly, so SQLite and PostgreSQL agree (no SQL date
functions, whose behaviour differs between the two).
"""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

# The years every time the API takes may have (server/common/schemas.py's Time).
FIRST_YEAR, LAST_YEAR = 1970, 2199
MONTH_PATTERN = r"^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])$"


def parse_month(text: str) -> date | None:
    """The month's first day for "YYYY-MM" (1970-01 … 2199-12), else None."""
    if not isinstance(text, str) or re.fullmatch(MONTH_PATTERN, text) is None:
        return None
    return date(int(text[:4]), int(text[5:7]), 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def bounds(month: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of the month in `tz`, as UTC instants (a DST change is handled by
    zoneinfo: midnight local time on the first day, whatever its offset)."""
    zone = ZoneInfo(tz)
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    following = next_month(month)
    end = datetime(following.year, following.month, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def this_month(tz: str, now: datetime | None = None) -> date:
    """The month `now` (default: the current instant) falls in, in `tz`."""
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(tz))
    return date(local.year, local.month, 1)


def label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
