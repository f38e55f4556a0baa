"""Who pays (DOMAIN.md, "Who pays"): every rule, both sides of every window, month ends,
leap years and the dealer's time zone. The decision is a pure function: no app, no
database."""

import ast
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from server.dealers.policy import load_policy
from server.exceptions import Invalid
from server.field.vocab import FAULT_CATEGORIES
from server.warranty.liability import RULE_IDS, RULES, decide
from server.warranty.months import add_months
from server.warranty.periods import UnitFacts

D = date.fromisoformat
POLICY = load_policy({})
# Bought 2026-01-20, installed 2026-01-31: the installer's month ends 2026-02-28, its three
# months 2026-04-30, its six 2026-07-31; the unit's warranty ends 2027-01-20 and the
# wearing parts' period 2026-04-20.
BASE = UnitFacts(purchased_on=D("2026-01-20"), installed_on=D("2026-01-31"))


def facts(**changes) -> UnitFacts:
    return replace(BASE, **{k: D(v) if isinstance(v, str) else v for k, v in changes.items()})


def policy(**sections) -> dict:
    return load_policy(sections)


# (case, facts, category, found on, path; the last rule decides)
CASES = [
    # L1: within the installer's month, inclusive, month ends and leap years.
    ("L1 on the day of installation", BASE, "joint_loose", "2026-01-31", "L1"),
    ("L1 last day: Jan 31 → Feb 28", BASE, "joint_loose", "2026-02-28", "L1"),
    ("L1 day after: Mar 1", BASE, "joint_loose", "2026-03-01", "L5 W1"),
    ("L1 same day number", facts(installed_on="2026-03-15"), "seepage", "2026-04-15", "L1"),
    ("L1 day number + 1", facts(installed_on="2026-03-15"), "seepage", "2026-04-16", "L5 W1"),
    (
        "L1 leap year: Jan 31 → Feb 29",
        facts(purchased_on="2028-01-20", installed_on="2028-01-31"),
        "leak_short_circuit",
        "2028-02-29",
        "L1",
    ),
    (
        "L1 leap year, Mar 1",
        facts(purchased_on="2028-01-20", installed_on="2028-01-31"),
        "leak_short_circuit",
        "2028-03-01",
        "L5 W1",
    ),
    # L2: product quality inside the installer's month: the dealer pays.
    ("L2 pipe burst, last day", BASE, "pipe_burst", "2026-02-28", "L2"),
    ("L2 bottle burst", BASE, "bottle_burst", "2026-02-10", "L2"),
    ("L2 electrical failure", BASE, "electrical_failure", "2026-02-28", "L2"),
    ("L2 day after", BASE, "electrical_failure", "2026-03-01", "L5 W1"),
    # L3: six months for parts in the wrong order; Aug 31 → Feb 28.
    (
        "L3 last day",
        facts(purchased_on="2025-08-20", installed_on="2025-08-31"),
        "wrong_part_order",
        "2026-02-28",
        "L3",
    ),
    (
        "L3 day after",
        facts(purchased_on="2025-08-20", installed_on="2025-08-31"),
        "wrong_part_order",
        "2026-03-01",
        "L5 W1",
    ),
    # L4: three months for connections outside the machine; Nov 30 → Feb 28.
    (
        "L4 last day",
        facts(purchased_on="2025-11-20", installed_on="2025-11-30"),
        "external_connection",
        "2026-02-28",
        "L4",
    ),
    (
        "L4 day after",
        facts(purchased_on="2025-11-20", installed_on="2025-11-30"),
        "external_connection",
        "2026-03-01",
        "L5 W1",
    ),
    ("L4 is not the one-month window", BASE, "external_connection", "2026-04-30", "L4"),
    # L5: not the installer's even inside a window; "other" is product quality.
    ("L5 other inside the month", BASE, "other", "2026-02-01", "L5 W1"),
    ("L5 no install date", facts(installed_on=None), "joint_loose", "2026-02-01", "L5 W1"),
    # L6 first: human damage → W3, force majeure → W5, whatever else holds.
    ("L6 human damage", BASE, "human_damage", "2026-02-01", "L6 W3"),
    ("L6 force majeure", BASE, "force_majeure", "2026-02-01", "L6 W5"),
    (
        "L6 before V1",
        facts(waiver_signed=True),
        "human_damage",
        "2026-02-01",
        "L6 W3",
    ),
    (
        "L6 before L7",
        facts(filters_changed_by_other_on="2026-02-02"),
        "force_majeure",
        "2026-02-05",
        "L6 W5",
    ),
    # V1: the customer's waiver and water damage, before L7 and L1.
    ("V1 joint loose in the month", facts(waiver_signed=True), "joint_loose", "2026-02-01", "V1"),
    ("V1 seepage", facts(waiver_signed=True), "seepage", "2026-02-01", "V1"),
    ("V1 leak short circuit", facts(waiver_signed=True), "leak_short_circuit", "2026-02-01", "V1"),
    ("V1 pipe burst", facts(waiver_signed=True), "pipe_burst", "2026-02-01", "V1"),
    ("V1 bottle burst", facts(waiver_signed=True), "bottle_burst", "2026-06-01", "V1"),
    ("V1 is not electrical", facts(waiver_signed=True), "electrical_failure", "2026-02-01", "L2"),
    (
        "V1 void: shipped with a valve",
        facts(waiver_signed=True, shipped_with_valve=True),
        "joint_loose",
        "2026-02-01",
        "L1",
    ),
    (
        "V1 before L7",
        facts(waiver_signed=True, filters_changed_by_other_on="2026-02-02"),
        "seepage",
        "2026-02-05",
        "V1",
    ),
    # L7: someone else changed the filters; a joint leak after it is self-disassembly.
    (
        "L7 joint leak → W3",
        facts(filters_changed_by_other_on="2026-02-10"),
        "joint_loose",
        "2026-02-20",
        "L7 W3",
    ),
    (
        "L7 on the day of the change",
        facts(filters_changed_by_other_on="2026-02-20"),
        "seepage",
        "2026-02-20",
        "L7 W3",
    ),
    (
        "L7 not for a change after the fault",
        facts(filters_changed_by_other_on="2026-02-21"),
        "seepage",
        "2026-02-20",
        "L1",
    ),
    (
        "L7 other faults → W rules",
        facts(filters_changed_by_other_on="2026-02-10"),
        "pipe_burst",
        "2026-02-20",
        "L7 W1",
    ),
    (
        "L7 ends L3 too",
        facts(filters_changed_by_other_on="2026-02-10"),
        "wrong_part_order",
        "2026-02-20",
        "L7 W1",
    ),
    (
        "L7 joint leak out of warranty is still W3",
        facts(filters_changed_by_other_on="2026-02-10"),
        "joint_loose",
        "2027-06-01",
        "L7 W3",
    ),
    # W1 / W4: the unit's warranty, inclusive; a leap day's year ends Feb 28.
    ("W1 last day", BASE, "other", "2027-01-20", "L5 W1"),
    ("W4 day after", BASE, "other", "2027-01-21", "L5 W4"),
    (
        "W2 from a leap day: May 29",
        facts(purchased_on="2028-02-29", installed_on="2028-03-01"),
        "membrane_worn",
        "2028-05-29",
        "L5 W2",
    ),
    (
        "W1 leap day purchase, last day",
        facts(purchased_on="2028-02-29", installed_on="2028-03-01"),
        "other",
        "2029-02-28",
        "L5 W1",
    ),
    (
        "W4 leap day purchase, Mar 1",
        facts(purchased_on="2028-02-29", installed_on="2028-03-01"),
        "other",
        "2029-03-01",
        "L5 W4",
    ),
    ("W4 no purchase date", facts(purchased_on=None), "other", "2026-03-10", "L5 W4"),
    ("W4 electrical after the month", BASE, "electrical_failure", "2027-02-01", "L5 W4"),
    # W2 / W6: wearing parts, their own period (Nov 30 → Feb 28).
    (
        "W2 last day",
        facts(purchased_on="2025-11-30", installed_on="2025-12-05"),
        "filter_clogged",
        "2026-02-28",
        "L5 W2",
    ),
    (
        "W6 day after",
        facts(purchased_on="2025-11-30", installed_on="2025-12-05"),
        "filter_clogged",
        "2026-03-01",
        "L5 W6",
    ),
    ("W2 membrane", BASE, "membrane_worn", "2026-04-20", "L5 W2"),
    ("W6 membrane", BASE, "membrane_worn", "2026-04-21", "L5 W6"),
    (
        "W2 again after our technician's change",
        facts(filters_changed_by_technician_on="2026-05-10"),
        "filter_clogged",
        "2026-08-10",
        "L5 W2",
    ),
    (
        "W6 after that period",
        facts(filters_changed_by_technician_on="2026-05-10"),
        "filter_clogged",
        "2026-08-11",
        "L5 W6",
    ),
    (
        "W2 never past the unit's warranty",
        facts(filters_changed_by_technician_on="2026-12-01"),
        "filter_clogged",
        "2027-01-20",
        "L5 W2",
    ),
    (
        "W6 past the unit's warranty",
        facts(filters_changed_by_technician_on="2026-12-01"),
        "filter_clogged",
        "2027-01-21",
        "L5 W6",
    ),
    (
        "W6 filters someone else fitted",
        facts(filters_changed_by_other_on="2026-02-10"),
        "filter_clogged",
        "2026-02-15",
        "L7 W6",
    ),
    (
        "W2 ours again after theirs",
        facts(
            filters_changed_by_other_on="2026-02-10", filters_changed_by_technician_on="2026-03-01"
        ),
        "filter_clogged",
        "2026-03-05",
        "L7 W2",
    ),
    # W3: excluded causes, paid even in warranty and inside the installer's month.
    ("W3 misuse", BASE, "misuse", "2026-02-01", "L5 W3"),
    ("W3 self modified", BASE, "self_modified", "2026-02-01", "L5 W3"),
    ("W3 non-original part", BASE, "non_original_part", "2026-02-01", "L5 W3"),
    ("W3 external force", BASE, "external_force", "2026-02-01", "L5 W3"),
]

OUTCOME = {
    "L1": ("installer", "free"),
    "L2": ("dealer", "free"),
    "L3": ("installer", "free"),
    "L4": ("installer", "free"),
    "W1": ("dealer", "free"),
    "W2": ("dealer", "free"),
    "W3": ("customer", "paid"),
    "W4": ("customer", "paid"),
    "W5": ("none", "paid"),
    "W6": ("customer", "paid"),
    "V1": ("customer", "paid"),
}


@pytest.mark.parametrize(
    ("unit", "category", "found", "path"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_rules_decide_in_domain_order(unit, category, found, path):
    decision = decide(unit, category, D(found), POLICY)
    steps = tuple(path.split())
    assert decision.path == steps
    assert decision.rule == steps[-1]
    assert (decision.liable, decision.charge) == OUTCOME[steps[-1]]
    for rule_id in steps:
        assert f"（{rule_id}）" in decision.explanation["zh-CN"]
        assert f"({rule_id})" in decision.explanation["en"]


def test_every_rule_is_exercised_by_the_table():
    used = {rule for case in CASES for rule in case[4].split()}
    assert used == set(RULE_IDS)


def test_the_rules_cover_the_categories_of_domain_md():
    assert RULES["L1"].categories == ("joint_loose", "seepage", "leak_short_circuit")
    assert RULES["L2"].categories == ("pipe_burst", "bottle_burst", "electrical_failure")
    assert RULES["L3"].categories == ("wrong_part_order",)
    assert RULES["L4"].categories == ("external_connection",)
    assert RULES["L6"].categories == ("human_damage", "force_majeure")
    assert set(RULES["W2"].categories) == set(RULES["W6"].categories)
    assert set(RULES["W2"].categories) == {"filter_clogged", "membrane_worn"}
    assert {"misuse", "self_modified", "non_original_part", "external_force", "human_damage"} <= (
        set(RULES["W3"].categories)
    )
    assert RULES["W5"].categories == ("force_majeure",)
    assert set(RULES["V1"].categories) == {
        "joint_loose",
        "seepage",
        "leak_short_circuit",
        "pipe_burst",
        "bottle_burst",
    }
    assert "other" in RULES["W1"].categories
    for rule in RULES.values():
        assert set(rule.categories) <= set(FAULT_CATEGORIES)


def test_every_category_gets_a_decision_with_both_languages():
    for category in FAULT_CATEGORIES:
        decision = decide(BASE, category, D("2026-02-15"), POLICY)
        assert decision.explanation["zh-CN"].endswith("。")
        assert decision.explanation["en"].endswith(".")
        assert "None" not in decision.explanation["zh-CN"] + decision.explanation["en"]


@pytest.mark.parametrize(
    ("found", "zone", "rule"),
    [
        # 23:59:59 in Shanghai on Feb 28: still the installer's month.
        (datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC), "Asia/Shanghai", "L1"),
        # Midnight in Shanghai: March 1 there, although still Feb 28 in UTC.
        (datetime(2026, 2, 28, 16, 0, 0, tzinfo=UTC), "Asia/Shanghai", "W1"),
        (datetime(2026, 2, 28, 16, 0, 0, tzinfo=UTC), "UTC", "L1"),
        # 23:00 on Feb 28 in Los Angeles, although March 1 in UTC.
        (datetime(2026, 3, 1, 7, 0, 0, tzinfo=UTC), "America/Los_Angeles", "L1"),
        (datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC), "America/Los_Angeles", "W1"),
    ],
)
def test_an_instant_is_dated_in_the_dealers_time_zone(found, zone, rule):
    decision = decide(BASE, "joint_loose", found, policy(timezone=zone))
    assert decision.rule == rule


def test_the_windows_are_the_dealers_policy():
    longer = policy(installer_liability={"general_months": 2})
    assert decide(BASE, "joint_loose", D("2026-03-31"), longer).rule == "L1"
    assert decide(BASE, "joint_loose", D("2026-04-01"), longer).rule == "W1"
    none = policy(installer_liability={"general_months": 0})
    assert decide(BASE, "joint_loose", D("2026-01-31"), none).path == ("L5", "W1")
    short = policy(warranty={"unit_months": 24, "wearing_part_months": 1})
    assert decide(BASE, "other", D("2028-01-20"), short).rule == "W1"
    assert decide(BASE, "filter_clogged", D("2026-02-21"), short).rule == "W6"
    nothing = policy(warranty={"unit_months": 0})
    decision = decide(BASE, "other", D("2026-03-10"), nothing)
    assert decision.rule == "W4"
    assert "no warranty" in decision.explanation["en"]


def test_the_warranty_may_count_from_the_factory_date():
    unit = facts(factory_on="2025-01-10", purchased_on="2025-06-01", installed_on="2025-06-05")
    by_factory = policy(warranty={"count_from": "factory"})
    assert decide(unit, "other", D("2026-01-10"), by_factory).rule == "W1"
    assert decide(unit, "other", D("2026-01-11"), by_factory).rule == "W4"
    assert decide(unit, "other", D("2026-01-11"), POLICY).rule == "W1"
    assert decide(facts(factory_on=None), "other", D("2026-03-10"), by_factory).rule == "W4"


def test_the_decision_keeps_the_facts_it_used():
    decision = decide(facts(waiver_signed=True), "seepage", D("2026-02-01"), POLICY)
    assert decision.facts["fault_category"] == "seepage"
    assert decision.facts["found_on"] == "2026-02-01"
    assert decision.facts["unit"]["waiver_signed"] is True
    assert decision.facts["periods"]["installer_ends_on"] == "2026-02-28"
    assert decision.facts["periods"]["covered_through"] == "2027-01-20"
    assert decision.facts["policy"]["installer_liability"] == POLICY["installer_liability"]


@pytest.mark.parametrize(
    ("unit", "category", "found", "field"),
    [
        (BASE, "leaky", "2026-02-01", "fault_category"),
        (BASE, "", "2026-02-01", "fault_category"),
        (BASE, "joint_loose", "2026-01-30", "found_on"),
        (facts(installed_on=None), "joint_loose", "2026-01-19", "found_on"),
        (facts(factory_on="2026-01-10"), "other", "2026-01-09", "found_on"),
        (facts(filters_changed_by_other_on="2026-01-30"), "seepage", "2026-02-05", None),
    ],
)
def test_unknown_categories_and_impossible_dates_are_refused(unit, category, found, field):
    with pytest.raises(Invalid) as refused:
        decide(unit, category, D(found), POLICY)
    assert list(refused.value.errors) == [field or "filters_changed_by_other_on"]


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),
        ("2026-03-15", 1, "2026-04-15"),
        ("2026-03-31", 1, "2026-04-30"),
        ("2025-11-30", 3, "2026-02-28"),
        ("2025-08-31", 6, "2026-02-28"),
        ("2026-12-31", 1, "2027-01-31"),
        ("2028-02-29", 12, "2029-02-28"),
    ],
)
def test_calendar_months_keep_the_day_number_or_the_months_last_day(start, months, end):
    assert add_months(D(start), months) == D(end)


def test_the_decision_modules_use_neither_flask_nor_the_database():
    root = Path(__file__).parents[2]
    seen, todo = set(), ["server.warranty.liability"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = root / (name.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in {"flask", "sqlalchemy", "flask_sqlalchemy"}
                assert module != "server.extensions"
                if module.startswith("server."):
                    todo.append(module)
    assert "server.warranty.periods" in seen
