"""A unit's warranty record: computed from its facts and kept current; filter changes by
others. Raises server.exceptions; flushes, never commits.

`refresh(unit)` writes the synced `warranty_records` row (what a technician's or a
dealer's device shows). It runs whenever what the record is computed from changes: a
unit created, changed or deleted (desk/service.py), a job of it completed
(field/service.py), a filter change recorded or retracted (here), the dealer's policy
changed (dealers/service.py). Writers hold the unit's row lock, so two never race (a
policy change excepted: a clash there is a stale version, answered 503 and retried).
`record_of(unit, reader)` answers the whole record, computed afresh, for the API.
"""

import uuid

import sqlalchemy as sa

from server.access import rules
from server.audit.service import record as audit
from server.common.models import utcnow
from server.common.schemas import jsonable
from server.dealers.models import Dealer
from server.desk.models import Job, Unit
from server.exceptions import Conflict, Invalid, NotFound
from server.extensions import db
from server.warranty.facts import history, unit_facts
from server.warranty.models import FilterChange, WarrantyRecord
from server.warranty.months import local_date
from server.warranty.periods import periods

# The columns `summary` computes; the rest of the row is bookkeeping.
PERIOD_COLUMNS = (
    "counted_from",
    "starts_on",
    "ends_on",
    "extended_to",
    "wearing_parts_end_on",
    "installer_ends_on",
    "installer_external_ends_on",
    "installer_wrong_part_ends_on",
)
# What a history entry on a device says (ids are added per reader by record_of).
SYNCED_EVENT_KEYS = ("on", "kind", "by", "fault_category", "note")


def policy_of_unit(unit: Unit) -> dict:
    """The policy of the dealer that owns the unit's warranty now."""
    return db.session.get(Dealer, unit.dealer_id).policy


def today_for(policy: dict):
    return local_date(utcnow(), policy["timezone"])


def summary(unit: Unit) -> dict:
    """The record's columns, from everything on record (a job completed a few minutes
    "ahead" by a device's clock, past midnight, counts at once)."""
    policy = policy_of_unit(unit)
    tz = policy["timezone"]
    events = history(unit, tz)
    facts = unit_facts(unit, None, tz, events=events)
    span = periods(facts, policy)
    changes = [e for e in events if e["kind"] == "filter_change"]
    return {
        "dealer_id": unit.dealer_id,
        **{name: getattr(span, name) for name in PERIOD_COLUMNS},
        "proof_of_purchase_sha256": unit.proof_of_purchase_sha256,
        "filters_changed_on": changes[-1]["on"] if changes else None,
        "filters_changed_by": changes[-1]["by"] if changes else None,
        "filters_changed_by_other_on": facts.filters_changed_by_other_on,
        "history": [
            {k: jsonable(e[k]) for k in SYNCED_EVENT_KEYS if e.get(k) is not None} for e in events
        ],
    }


def record_row(unit_id) -> WarrantyRecord | None:
    """The unit's record row, deleted or not."""
    return db.session.scalar(sa.select(WarrantyRecord).where(WarrantyRecord.unit_id == unit_id))


def refresh(unit: Unit) -> WarrantyRecord:
    """Bring the unit's record up to date (create it if missing); only changed values are
    written, so an unchanged record costs devices nothing."""
    values = {**summary(unit), "deleted_at": unit.deleted_at}
    row = record_row(unit.id)
    if row is None:
        row = WarrantyRecord(unit_id=unit.id, **values)
        db.session.add(row)
    else:
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
    db.session.flush()
    return row


def refresh_dealer(dealer_id) -> int:
    """After a policy change: every live unit of the dealer, recounted."""
    units = db.session.scalars(
        sa.select(Unit).where(Unit.dealer_id == dealer_id, Unit.deleted_at.is_(None))
    ).all()
    for unit in units:
        refresh(unit)
    return len(units)


def refresh_all() -> int:
    """Every unit's record (`flask warranty refresh`, after an upgrade)."""
    units = db.session.scalars(sa.select(Unit).order_by(Unit.id)).all()
    for unit in units:
        refresh(unit)
    return len(units)


def record_of(unit: Unit, reader) -> dict:
    """The whole warranty record, computed now: periods, installer windows, proof of
    purchase, the facts the rules read, and the history (with the ids of the jobs the
    reader may read)."""
    policy = policy_of_unit(unit)
    tz, today = policy["timezone"], today_for(policy)
    everything = history(unit, tz)
    facts = unit_facts(unit, None, tz, events=everything)
    span = periods(facts, policy)
    readable = set(db.session.scalars(rules.job_ids(reader).where(Job.unit_id == unit.id)))
    events = []
    for event in everything:
        shown = {k: event[k] for k in SYNCED_EVENT_KEYS if event.get(k) is not None}
        if event.get("job_id") in readable:
            shown["job_id"] = event["job_id"]
        if "filter_change_id" in event:
            shown["filter_change_id"] = event["filter_change_id"]
        events.append(shown)
    changes = [e for e in everything if e["kind"] == "filter_change"]
    return {
        "unit_id": unit.id,
        "dealer_id": unit.dealer_id,
        "as_of": today,
        **{name: getattr(span, name) for name in PERIOD_COLUMNS},
        "covered_through": span.covered_through,
        "purchase_date": unit.purchase_date,
        "factory_date": unit.factory_date,
        "installed_on": unit.installed_on,
        "proof_of_purchase": {
            "present": unit.proof_of_purchase_sha256 is not None,
            "sha256": unit.proof_of_purchase_sha256,
        },
        "waiver_signed": facts.waiver_signed,
        "shipped_with_valve": facts.shipped_with_valve,
        "filters": {
            "changed_on": changes[-1]["on"] if changes else None,
            "changed_by": changes[-1]["by"] if changes else None,
            "changed_by_other_on": facts.filters_changed_by_other_on,
        },
        "policy": {"warranty": policy["warranty"], "timezone": tz},
        "history": events,
    }


def record_filter_change(unit: Unit, args: dict, actor) -> FilterChange:
    """The customer or a third party changed the unit's filters (the office heard of it).

    From that day the installer answers for no fault (L7), and filters it did not fit
    are not the dealer's wearing parts. Audited; the record is refreshed.
    """
    unit = db.session.get(Unit, unit.id, with_for_update=True, populate_existing=True)
    changed_on = args["changed_on"]
    if changed_on > today_for(policy_of_unit(unit)):
        raise Invalid("changed_on", "lies in the future")
    if unit.installed_on is not None and changed_on < unit.installed_on:
        raise Invalid("changed_on", f"before the unit was installed ({unit.installed_on})")
    row_id = args.get("id") or uuid.uuid4()
    if db.session.get(FilterChange, row_id) is not None:
        raise Conflict("A filter change with that id exists.")
    row = FilterChange(
        id=row_id,
        unit_id=unit.id,
        changed_on=changed_on,
        by=args["by"],
        note=args.get("note"),
        recorded_by=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit(
        "record_filter_change",
        "unit",
        unit.id,
        {"filter_change": str(row.id), "changed_on": changed_on.isoformat(), "by": row.by},
    )
    refresh(unit)
    return row


def retract_filter_change(unit: Unit, change: FilterChange, reason: str, actor) -> None:
    """A filter change recorded in error gets a tombstone; audited, never erased."""
    unit = db.session.get(Unit, unit.id, with_for_update=True, populate_existing=True)
    change.deleted_at = utcnow()
    db.session.flush()
    audit(
        "retract_filter_change",
        "unit",
        unit.id,
        {"filter_change": str(change.id), "reason": reason},
    )
    refresh(unit)


def filter_change_of(unit: Unit, change_id) -> FilterChange:
    change = db.session.get(FilterChange, change_id)
    if change is None or change.unit_id != unit.id or change.deleted_at is not None:
        raise NotFound.of("filter change")
    return change
