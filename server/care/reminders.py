"""Filter reminders: when each unit's filters are next due, and the messages that say so.

The last change is the warranty record's `filters_changed_on` (server/warranty/ computes it
from completed filter_change jobs and changes recorded as done by the customer or a third
party); a unit with none counts from its installation (it shipped with new filters). The
interval is the dealer's policy `filter.months_by_water_quality` for the unit's class, and
the class comes from the unit's latest inlet TDS reading (`tds_in`), by the policy's
thresholds. Due dates count calendar months as the warranty does (Aug 31 + 6 → Feb 28/29).
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from server.care import messages
from server.care.models import CareMessage
from server.dealers.models import Dealer
from server.desk.models import Customer, Job, Unit
from server.extensions import db
from server.field.models import Measurement
from server.warranty.models import WarrantyRecord
from server.warranty.months import add_months, local_date


@dataclass
class Due:
    unit: Unit
    customer: Customer
    last_change_on: date
    last_change_by: str  # technician, customer, third_party, or installation
    water_quality: str
    tds_in: float | None
    interval_months: int
    due_on: date
    days_left: int  # negative: overdue
    remind_from: int  # the policy's days before the due date a reminder goes out

    @property
    def key(self) -> str:
        return f"filter:{self.unit.id}:{self.due_on.isoformat()}"


def water_quality(tds: float | None, rules: dict) -> str:
    """The class of a unit's water, from its inlet TDS (mg/L) and the policy's thresholds."""
    if tds is None:
        return rules["unmeasured_class"]
    if tds <= rules["good_tds_max"]:
        return "good"
    if tds <= rules["average_tds_max"]:
        return "average"
    return "poor"


def due_on(last_change: date, tds: float | None, rules: dict) -> tuple[str, int, date]:
    """(class, months, due date) for filters last changed on `last_change`."""
    quality = water_quality(tds, rules)
    months = rules["months_by_water_quality"][quality]
    return quality, months, add_months(last_change, months)


def _latest_tds(unit_ids: list) -> dict:
    """unit id → its latest live tds_in reading."""
    rows = db.session.execute(
        sa.select(Job.unit_id, Measurement.value)
        .join(Job, Job.id == Measurement.job_id)
        .where(
            Job.unit_id.in_(unit_ids),
            Job.deleted_at.is_(None),
            Measurement.kind == "tds_in",
            Measurement.deleted_at.is_(None),
        )
        .order_by(Measurement.measured_at, Measurement.id)
    )
    return {unit_id: value for unit_id, value in rows}


def schedule(units: sa.Select, now: datetime) -> list[Due]:
    """Every live unit of `units` with a known last change, soonest due first."""
    rows = db.session.execute(
        units.where(Unit.deleted_at.is_(None))
        .join(Customer, Customer.id == Unit.customer_id)
        .outerjoin(WarrantyRecord, WarrantyRecord.unit_id == Unit.id)
        .add_columns(Customer, WarrantyRecord.filters_changed_on, WarrantyRecord.filters_changed_by)
    ).all()
    tds = _latest_tds([row[0].id for row in rows])
    policies: dict = {}
    found = []
    for unit, customer, changed_on, changed_by in rows:
        last, by = (changed_on, changed_by) if changed_on else (unit.installed_on, "installation")
        if last is None:
            continue  # never installed by us and no change known: nothing to count from
        if unit.dealer_id not in policies:
            policies[unit.dealer_id] = db.session.get(Dealer, unit.dealer_id).policy
        policy = policies[unit.dealer_id]
        rules = policy["filter"]
        quality, months, due = due_on(last, tds.get(unit.id), rules)
        today = local_date(now, policy["timezone"])
        found.append(
            Due(
                unit, customer, last, by, quality, tds.get(unit.id), months, due,
                (due - today).days, rules["remind_days_before"],
            )
        )  # fmt: skip
    return sorted(found, key=lambda d: (d.due_on, d.unit.serial))


def due_within(units: sa.Select, now: datetime, within_days: int) -> list[Due]:
    """Units due within `within_days` (and every overdue one)."""
    return [d for d in schedule(units, now) if d.days_left <= within_days]


def reminded(keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(db.session.scalars(sa.select(CareMessage.key).where(CareMessage.key.in_(keys))))


def reminder_text(due: Due) -> str:
    # A unit already overdue when reminders first go out (a new installation of an old
    # unit, a longer interval shortened) is told so, not told of a date in the past.
    day, late = due.due_on.isoformat(), due.days_left < 0
    zh, en = ("已于", "were due") if late else ("将于", "are due")
    return (
        f"【滤芯更换提醒】您的净水器（{due.unit.model}，{due.unit.serial}）滤芯{zh} {day} 到期，"
        f"请联系我们预约更换。[Filter reminder] The filters of your purifier "
        f"({due.unit.model}, {due.unit.serial}) {en} for a change on {day}."
    )


def enqueue_due(now: datetime) -> int:
    """A reminder for every unit within its dealer's reminder days of its due date: one
    per unit and due date, however often this runs; the count newly queued."""
    queued = 0
    for due in schedule(sa.select(Unit), now):
        if due.days_left > due.remind_from:
            continue
        if messages.by_key(due.key) is None:
            messages.enqueue(
                due.key, "filter_reminder", due.customer, reminder_text(due), unit_id=due.unit.id
            )
            queued += 1
    return queued
