"""The service center's time zone: the day of the dispatch board, the month of a report.

One app setting, `SERVICE_TIMEZONE`; unset, it is the dealer policy's default zone (so the
default is written once, in server/dealers/policy.py). A wrong name stops the app at
start-up rather than answering 500 on the pages that use it.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app


def check(name: str | None) -> None:
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"SERVICE_TIMEZONE: {name!r} is not an IANA time zone") from exc


def service_zone() -> ZoneInfo:
    from server.dealers.policy import default_policy

    return ZoneInfo(current_app.config.get("SERVICE_TIMEZONE") or default_policy()["timezone"])
