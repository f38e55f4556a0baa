"""What the warranty rules read, gathered from a unit's records (installs, repairs,
filter changes, waivers). Reads only; dates are days in the dealer's time zone."""

from datetime import date

import sqlalchemy as sa

from server.desk.models import Job
from server.extensions import db
from server.field.models import Signature
from server.warranty.models import OTHER_CHANGERS, FilterChange
from server.warranty.months import local_date
from server.warranty.periods import UnitFacts

# Work that stays done: a reopened job has no completed_at and does not count.
DONE = ("completed", "closed")
# The jobs a warranty's history shows.
HISTORY_KINDS = ("installation", "repair", "filter_change")


def done_jobs(unit_id, *, exclude_job=None) -> list[Job]:
    query = sa.select(Job).where(
        Job.unit_id == unit_id,
        Job.kind.in_(HISTORY_KINDS),
        Job.status.in_(DONE),
        Job.completed_at.is_not(None),
        Job.deleted_at.is_(None),
    )
    if exclude_job is not None:
        query = query.where(Job.id != exclude_job)
    return list(db.session.scalars(query.order_by(Job.completed_at, Job.id)))


def other_changes(unit_id) -> list[FilterChange]:
    query = sa.select(FilterChange).where(
        FilterChange.unit_id == unit_id,
        FilterChange.by.in_(OTHER_CHANGERS),
        FilterChange.deleted_at.is_(None),
    )
    return list(db.session.scalars(query.order_by(FilterChange.changed_on, FilterChange.id)))


def history(unit, timezone: str, *, exclude_job=None) -> list[dict]:
    """Installs, repairs and filter changes (and who changed the filters), oldest first."""
    events = []
    for job in done_jobs(unit.id, exclude_job=exclude_job):
        event = {"on": local_date(job.completed_at, timezone), "kind": job.kind}
        event.update(by="technician", job_id=job.id)
        if job.kind == "repair":
            event["fault_category"] = job.fault_category
        events.append(event)
    for change in other_changes(unit.id):
        event = {"on": change.changed_on, "kind": "filter_change", "by": change.by}
        event.update(filter_change_id=change.id, note=change.note)
        events.append(event)
    return sorted(events, key=lambda e: (e["on"], e["kind"] != "installation"))


def _waiver_signed(unit_id, timezone: str, as_of: date | None, exclude_job) -> bool:
    """A live pressure-valve waiver signed on another job of the unit by `as_of`."""
    query = (
        sa.select(Signature.signed_at)
        .join(Job, Job.id == Signature.job_id)
        .where(
            Job.unit_id == unit_id,
            Job.deleted_at.is_(None),
            Signature.purpose == "pressure_valve_waiver",
            Signature.deleted_at.is_(None),
        )
    )
    if exclude_job is not None:
        # A waiver signed on the visit that repairs the fault came after the fault.
        query = query.where(Job.id != exclude_job)
    signed = [local_date(at, timezone) for at in db.session.scalars(query)]
    return any(as_of is None or day <= as_of for day in signed)


def unit_facts(
    unit, as_of: date | None, timezone: str, *, exclude_job=None, events: list | None = None
) -> UnitFacts:
    """The unit as it stood on `as_of` (the day a fault was found); None: as recorded now.

    `exclude_job`: the job being decided; its own work came after its fault. `events`:
    the unit's history when the caller has it already (saves the queries).
    """
    if events is None:
        events = history(unit, timezone, exclude_job=exclude_job)
    events = [e for e in events if as_of is None or e["on"] <= as_of]

    def last(kind: str, by: tuple[str, ...]) -> date | None:
        days = [e["on"] for e in events if e["kind"] == kind and e["by"] in by]
        return days[-1] if days else None

    others = [
        e["on"]
        for e in events
        if e["kind"] == "filter_change"
        and e["by"] in OTHER_CHANGERS
        # A change dated before the install is not a change of this installation's filters.
        and (unit.installed_on is None or e["on"] >= unit.installed_on)
    ]
    return UnitFacts(
        purchased_on=unit.purchase_date,
        factory_on=unit.factory_date,
        installed_on=unit.installed_on,
        waiver_signed=_waiver_signed(unit.id, timezone, as_of, exclude_job),
        shipped_with_valve=bool(unit.shipped_with_prv),
        filters_changed_by_other_on=others[-1] if others else None,
        filters_changed_by_technician_on=last("filter_change", ("technician",)),
        last_repair_on=last("repair", ("technician",)),
    )
