"""Who pays for a fault: DOMAIN.md's rules L1–L7, W1–W6 and V1. Pure: no Flask, no database.

`decide(facts, category, found_on, policy)` answers who is liable, whether the customer
pays, the rule that decided, every rule on the way and an explanation in zh-CN and
English. The order of decision is DOMAIN.md's: L6 first (human damage → W3, force
majeure → W5); then V1; then L7 (a later filter change by someone else ends the
installer's liability); then L3, L4, L1, L2 by category and window; otherwise L5, and
the dealer's warranty (the W rules) decides. Every window is the dealer's policy,
counted in calendar months (server/warranty/months.py).

Refusals are `server.exceptions.Invalid` naming the field: an unknown category, a fault
found before the unit was installed, bought or made, a filter change before the install.
"""

from dataclasses import dataclass
from datetime import date, datetime

from server.common.schemas import jsonable
from server.exceptions import Invalid
from server.field.vocab import FAULT_CATEGORIES
from server.warranty.months import local_date
from server.warranty.periods import Periods, UnitFacts, periods
from server.warranty.texts import CATEGORY_LABELS, explain, months_en

LIABLE = ("installer", "dealer", "customer", "none")
CHARGES = ("free", "paid")

# DOMAIN.md's categories per rule.
INSTALL_LEAKS = ("joint_loose", "seepage", "leak_short_circuit")  # L1
EARLY_PRODUCT = ("pipe_burst", "bottle_burst", "electrical_failure")  # L2
WRONG_PART = ("wrong_part_order",)  # L3
EXTERNAL = ("external_connection",)  # L4
NEVER_INSTALLER = ("human_damage", "force_majeure")  # L6
WEARING = ("filter_clogged", "membrane_worn")  # W2, W6
EXCLUDED = ("misuse", "self_modified", "non_original_part", "external_force", "human_damage")
FORCE_MAJEURE = ("force_majeure",)  # W5
# What the pressure-valve waiver is for (V1).
WATER_DAMAGE = (*INSTALL_LEAKS, "pipe_burst", "bottle_burst")


def _all_but(*excluded: tuple[str, ...]) -> tuple[str, ...]:
    left_out = {c for group in excluded for c in group}
    return tuple(c for c in FAULT_CATEGORIES if c not in left_out)


@dataclass(frozen=True)
class Rule:
    id: str
    # None: the rule decides nobody's share itself, it hands the fault on.
    liable: str | None
    charge: str | None
    # The fault categories the rule can decide (or hand on).
    categories: tuple[str, ...]


RULES = {
    rule.id: rule
    for rule in (
        Rule("L1", "installer", "free", INSTALL_LEAKS),
        Rule("L2", "dealer", "free", EARLY_PRODUCT),
        Rule("L3", "installer", "free", WRONG_PART),
        Rule("L4", "installer", "free", EXTERNAL),
        Rule("L5", None, None, _all_but(NEVER_INSTALLER)),
        Rule("L6", None, None, NEVER_INSTALLER),
        Rule("L7", None, None, _all_but(NEVER_INSTALLER)),
        # Product quality: everything not worn, excluded or force majeure ("other" too).
        Rule("W1", "dealer", "free", _all_but(WEARING, EXCLUDED, FORCE_MAJEURE)),
        Rule("W2", "dealer", "free", WEARING),
        # After someone else changed the filters, a joint leak counts as self-disassembly.
        Rule("W3", "customer", "paid", (*EXCLUDED, *INSTALL_LEAKS)),
        Rule("W4", "customer", "paid", _all_but(EXCLUDED, FORCE_MAJEURE)),
        Rule("W5", "none", "paid", FORCE_MAJEURE),
        Rule("W6", "customer", "paid", WEARING),
        Rule("V1", "customer", "paid", WATER_DAMAGE),
    )
}
RULE_IDS = tuple(RULES)


@dataclass(frozen=True)
class Decision:
    liable: str
    charge: str
    rule: str
    # Every rule that applied, in order; the last one decided.
    path: tuple[str, ...]
    explanation: dict
    # What the decision used: the category, the day found, the unit's facts, the periods.
    facts: dict


def check_category(category: str) -> None:
    if category not in FAULT_CATEGORIES:
        raise Invalid("fault_category", "unknown fault category")


def check_possible(facts: UnitFacts, found: date) -> None:
    """A fault cannot be found before the unit existed where it is; refuse such facts."""
    for name, day in (
        ("installed_on", facts.installed_on),
        ("purchased_on", facts.purchased_on),
        ("factory_on", facts.factory_on),
    ):
        if day is not None and found < day:
            raise Invalid("found_on", f"before {name} ({day.isoformat()})")
    other = facts.filters_changed_by_other_on
    if other is not None and facts.installed_on is not None and other < facts.installed_on:
        raise Invalid("filters_changed_by_other_on", "before installed_on")


def _warranty(facts: UnitFacts, category: str, found: date, span: Periods) -> list:
    """The dealer's warranty, once the installer is not liable (W1–W6)."""
    if category in EXCLUDED:
        return [("W3", "")]
    if category in FORCE_MAJEURE:
        return [("W5", "")]
    if span.starts_on is None:
        return [("W4", "no_start")]
    if category in WEARING:
        other, ours = facts.filters_changed_by_other_on, facts.filters_changed_by_technician_on
        # Filters someone else fitted after ours are not the dealer's wearing parts.
        if other is not None and other <= found and (ours is None or other > ours):
            return [("W6", "not_ours")]
        if span.wearing_parts_end_on is None:
            return [("W6", "no_period")]
        return [("W2", "")] if found <= span.wearing_parts_end_on else [("W6", "")]
    if span.covered_through is None:
        return [("W4", "no_period")]
    return [("W1", "")] if found <= span.covered_through else [("W4", "")]


def _route(facts: UnitFacts, category: str, found: date, span: Periods) -> list:
    """(rule id, text variant) for each rule that applies, in DOMAIN.md's order."""
    if category in NEVER_INSTALLER:
        return [("L6", ""), ("W3", "") if category == "human_damage" else ("W5", "")]
    if facts.waiver_signed and not facts.shipped_with_valve and category in WATER_DAMAGE:
        # A unit shipped with a valve must have it fitted: a waiver cannot stand in for it.
        return [("V1", "")]
    other = facts.filters_changed_by_other_on
    if other is not None and other <= found:
        if category in INSTALL_LEAKS:
            return [("L7", ""), ("W3", "after_change")]
        return [("L7", ""), *_warranty(facts, category, found, span)]
    windows = (
        ("L3", WRONG_PART, span.installer_wrong_part_ends_on),
        ("L4", EXTERNAL, span.installer_external_ends_on),
        ("L1", INSTALL_LEAKS, span.installer_ends_on),
        ("L2", EARLY_PRODUCT, span.installer_ends_on),
    )
    for rule_id, categories, ends_on in windows:
        if category in categories and ends_on is not None and found <= ends_on:
            return [(rule_id, "")]
    return [("L5", ""), *_warranty(facts, category, found, span)]


def decide(facts: UnitFacts, category: str, found_on: date | datetime, policy: dict) -> Decision:
    """Who pays for a fault of `category` found on `found_on` (a date, or an instant taken
    as its date in the dealer's time zone), under the dealer's complete `policy`."""
    check_category(category)
    found_on = local_date(found_on, policy["timezone"])
    check_possible(facts, found_on)
    span = periods(facts, policy)
    steps = _route(facts, category, found_on, span)
    final = RULES[steps[-1][0]]
    labels = CATEGORY_LABELS[category]
    values = {
        **{k: jsonable(v) for k, v in span.as_dict().items()},
        **facts.as_dict(),
        **policy["installer_liability"],
        **{f"{k}_en": months_en(n) for k, n in policy["installer_liability"].items()},
        "category_zh": labels[0],
        "category_en": labels[1],
    }
    return Decision(
        liable=final.liable,
        charge=final.charge,
        rule=final.id,
        path=tuple(rule_id for rule_id, _ in steps),
        explanation=explain(steps, values),
        facts={
            "fault_category": category,
            "found_on": found_on.isoformat(),
            "unit": facts.as_dict(),
            "periods": span.as_dict(),
            "policy": {
                "timezone": policy["timezone"],
                "warranty": dict(policy["warranty"]),
                "installer_liability": dict(policy["installer_liability"]),
            },
        },
    )
