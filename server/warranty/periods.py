"""A unit's warranty periods from its facts and its dealer's policy. Pure: no Flask, no
database, so the stored record, the desk's assessment and a job's decision all count
the same way (server/warranty/months.py: calendar months, inclusive ends).
"""

from dataclasses import asdict, dataclass
from datetime import date

from server.common.schemas import jsonable
from server.warranty.months import latest, through


@dataclass(frozen=True)
class UnitFacts:
    """What the rules need to know about a unit, as of the day a fault was found."""

    purchased_on: date | None = None
    factory_on: date | None = None
    installed_on: date | None = None
    # The customer signed the pressure-valve waiver (at an earlier visit).
    waiver_signed: bool = False
    shipped_with_valve: bool = False
    # The latest filter change by the customer or a third party (after the install).
    filters_changed_by_other_on: date | None = None
    # The latest filter change by our technician (a completed filter_change job).
    filters_changed_by_technician_on: date | None = None
    # The latest completed repair.
    last_repair_on: date | None = None

    def as_dict(self) -> dict:
        return {k: jsonable(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Periods:
    """Every end date is the last day covered (inclusive); None: no such period."""

    counted_from: str
    starts_on: date | None
    ends_on: date | None
    # The guarantee of the latest repair, never past ends_on (DOMAIN.md, Warranty).
    extended_to: date | None
    wearing_parts_end_on: date | None
    installer_ends_on: date | None
    installer_external_ends_on: date | None
    installer_wrong_part_ends_on: date | None

    @property
    def covered_through(self) -> date | None:
        """The last day the whole unit is in warranty, repairs included."""
        return latest(self.ends_on, self.extended_to)

    def as_dict(self) -> dict:
        data = {k: jsonable(v) for k, v in asdict(self).items()}
        data["covered_through"] = jsonable(self.covered_through)
        return data


def _capped(day: date | None, cap: date | None) -> date | None:
    """Guarantees on later work never run past the unit's own warranty."""
    if day is None or cap is None:
        return day
    return min(day, cap)


def periods(facts: UnitFacts, policy: dict) -> Periods:
    warranty, installer = policy["warranty"], policy["installer_liability"]
    counted_from = warranty["count_from"]
    starts_on = facts.factory_on if counted_from == "factory" else facts.purchased_on
    ends_on = through(starts_on, warranty["unit_months"])
    # Filters fitted by our technician start a wearing-part period of their own.
    wearing_from = latest(starts_on, facts.filters_changed_by_technician_on)
    repair = through(facts.last_repair_on, warranty["repair_guarantee_months"])
    return Periods(
        counted_from=counted_from,
        starts_on=starts_on,
        ends_on=ends_on,
        extended_to=_capped(repair, ends_on) if ends_on is not None else None,
        wearing_parts_end_on=_capped(
            through(wearing_from, warranty["wearing_part_months"]), ends_on
        ),
        installer_ends_on=through(facts.installed_on, installer["general_months"]),
        installer_external_ends_on=through(
            facts.installed_on, installer["external_connection_months"]
        ),
        installer_wrong_part_ends_on=through(
            facts.installed_on, installer["wrong_part_order_months"]
        ),
    )
