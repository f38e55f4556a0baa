"""The care steps of the background worker (server/delivery/worker.py runs them each turn).

Every `CARE_SCAN_SECONDS` (default 300) the scan gives jobs completed in the last
`CARE_SURVEY_LOOKBACK_DAYS` (default 7) their survey link and queues the filter reminders
that are due; every turn, due messages go to the `CARE_SENDER`. `flask care scan` and
`flask care send` do the same once (cron, tests).
"""

import logging
import time
from dataclasses import dataclass

from flask import current_app

from server.care import messages, reminders, surveys
from server.common.models import utcnow
from server.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CareSettings:
    sender: object
    scan_seconds: float
    lookback_days: float
    secret: str
    base_url: str


def settings_from(config) -> CareSettings:
    return CareSettings(
        sender=messages.sender_from(config.get("CARE_SENDER", "log")),
        scan_seconds=float(config.get("CARE_SCAN_SECONDS", 300)),
        lookback_days=float(config.get("CARE_SURVEY_LOOKBACK_DAYS", 7)),
        secret=config["SECRET_KEY"],
        base_url=config["PUBLIC_BASE_URL"],
    )


def current() -> CareSettings:
    return settings_from(current_app.config)


def scan(settings: CareSettings) -> tuple[int, int]:
    """Surveys for newly completed jobs, reminders due; committed. (surveys, reminders)."""
    now = utcnow()
    made = surveys.scan_completed(now, settings.secret, settings.base_url, settings.lookback_days)
    queued = reminders.enqueue_due(now)
    db.session.commit()
    return made, queued


class CareStep:
    """One worker's care work: the scan now and then, the sending every turn."""

    def __init__(self, settings: CareSettings):
        self.settings = settings
        self.last_scan = None

    def turn(self) -> bool:
        busy = False
        now = time.monotonic()
        if self.last_scan is None or now - self.last_scan >= self.settings.scan_seconds:
            self.last_scan = now
            try:
                busy = any(scan(self.settings))
            except Exception:
                # Two workers scanning at once (the second survey of a job breaks the
                # unique job_id), the database restarting: the next scan does it. Sending
                # what is queued goes on.
                log.exception("care scan failed; retrying at the next scan")
                db.session.rollback()
        return messages.send_due(self.settings.sender, utcnow()) > 0 or busy
