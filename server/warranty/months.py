"""Calendar months as DOMAIN.md counts them, and dates in a dealer's time zone. Pure.

"1 month" from the 31st of January covers through the 28th (29th) of February; from the
15th of March, through the 15th of April: the same day number, inclusive, or the month's
last day when it has fewer days. Every period of the warranty counts this way.
"""

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo


def add_months(day: date, months: int) -> date:
    """The same day number `months` later, or that month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def through(start: date | None, months: int) -> date | None:
    """The last day (inclusive) a period of `months` calendar months from `start` covers.

    None when there is no start, or no period: a policy of 0 months covers no day at all
    (not the start day alone).
    """
    if start is None or months <= 0:
        return None
    return add_months(start, months)


def local_date(value: date | datetime, timezone: str) -> date:
    """A day as the dealer's customers live it: an instant becomes its date in `timezone`."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must carry their offset")
        return value.astimezone(ZoneInfo(timezone)).date()
    return value


def latest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None
