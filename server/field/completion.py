"""Completion rules as data: served to devices by sync, enforced by field.service.complete_job.

A rule is {id, label, when?, require}; `when` and `require` are conditions in a tiny
language that the PWA evaluates the same way (docs/sync-protocol.md, "Completion rules").
"""

import sqlalchemy as sa

from server.extensions import db
from server.field import fees
from server.field.models import ChecklistAnswer, Measurement, Photo, Signature
from server.field.vocab import FAULT_CATEGORIES, measurement_units

RULES_VERSION = 1


def _rule(rule_id, zh, en, require, when=None):
    rule = {"id": rule_id, "label": {"zh-CN": zh, "en": en}, "require": require}
    if when is not None:
        rule["when"] = when
    return rule


def completion_rules(policy: dict) -> dict:
    """The rules for one dealer's policy, per job kind (kinds not listed have none)."""
    threshold = policy["pressure_valve_threshold_kpa"]
    prv = {"unit_flag": "shipped_with_prv"}
    valve_fitted = {
        "all": [
            {"answer": "pressure_valve_installed", "equals": True},
            {"photo": "pressure_valve"},
        ]
    }
    waived = {"all": [{"not": prv}, {"signature": "pressure_valve_waiver"}]}
    # Where the dealer makes the valve mandatory, a waiver never stands in for it.
    valve_ok = (
        valve_fitted if policy["pressure_valve_mandatory"] else {"any": [valve_fitted, waived]}
    )
    valve_label = (
        (
            "减压阀已安装并拍照（经销商要求必装）",
            "Pressure valve fitted with photo (the dealer requires it)",
        )
        if policy["pressure_valve_mandatory"]
        else (
            "减压阀已安装并拍照，或客户签署免责",
            "Pressure valve fitted with photo, or waiver signed (no waiver if shipped with one)",
        )
    )
    installation = [
        _rule("unbox_check", "开箱核验", "Unbox check answered", {"answered": "unbox_check"}),
        _rule(
            "unbox_signature",
            "核验单签字",
            "Unbox verification signed",
            {"signature": "unbox_verification"},
        ),
        _rule("floor_drain", "地漏勘察", "Floor drain answered", {"answered": "floor_drain"}),
        _rule(
            "no_floor_drain_consent",
            "无地漏风险告知签字",
            "No-floor-drain consent signed",
            {"signature": "no_floor_drain_consent"},
            when={"answer": "floor_drain", "equals": False},
        ),
        _rule(
            "inlet_pressure",
            "进水压力测试",
            "Inlet pressure measured",
            {"measurement": "inlet_pressure"},
        ),
        _rule(
            "pressure_valve",
            *valve_label,
            valve_ok,
            when={"any": [{"measurement_above": "inlet_pressure", "value": threshold}, prv]},
        ),
        _rule(
            "install_steps",
            "按机型步骤安装调试",
            "Installed and commissioned step by step",
            {"answer": "install_steps", "equals": True},
        ),
        _rule(
            "finished_photo",
            "安装完成照片",
            "Photo of the finished installation",
            {"photo": "finished_installation"},
        ),
        _rule("leak_check", "检漏", "Leak check passed", {"answer": "leak_check", "equals": True}),
        _rule("briefing", "使用讲解", "Customer briefed", {"answer": "briefing", "equals": True}),
        _rule("acceptance", "客户验收签字", "Acceptance signed", {"signature": "acceptance"}),
    ]
    repair = [
        _rule("diagnosis", "故障诊断", "Diagnosis recorded", {"job_field": "diagnosis"}),
        _rule(
            "fault_category", "故障类别", "Fault category chosen", {"job_field": "fault_category"}
        ),
        _rule("test_run", "试机", "Test run passed", {"answer": "test_run", "equals": True}),
        _rule("repair_slip", "维修单签字", "Repair slip signed", {"signature": "repair_slip"}),
    ]
    return {
        "version": RULES_VERSION,
        "pressure_valve_threshold_kpa": threshold,
        "pressure_valve_mandatory": policy["pressure_valve_mandatory"],
        "fault_categories": list(FAULT_CATEGORIES),
        "measurement_units": measurement_units(),
        "kinds": {"installation": installation, "repair": repair},
        "fees": fees.for_devices(),
    }


def facts_for(job) -> dict:
    """What the server holds for a job, in the shape the conditions read."""
    live = {"job_id": job.id}

    def rows(model):
        return db.session.scalars(
            sa.select(model).filter_by(**live).where(model.deleted_at.is_(None))
        ).all()

    answers = {}
    for a in sorted(rows(ChecklistAnswer), key=lambda a: a.answered_at):
        answers[a.item] = a.answer.get("value")
    measurements: dict[str, list[float]] = {}
    for m in rows(Measurement):
        measurements.setdefault(m.kind, []).append(m.value)
    unit = job.unit
    return {
        "answers": answers,
        "signatures": {s.purpose for s in rows(Signature)},
        "photos": {p.purpose for p in rows(Photo)},
        "measurements": measurements,
        "unit": {"shipped_with_prv": bool(unit and unit.shipped_with_prv)},
        "job": {"diagnosis": job.diagnosis, "fault_category": job.fault_category},
    }


def holds(cond: dict, facts: dict) -> bool:
    if "all" in cond:
        return all(holds(c, facts) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, facts) for c in cond["any"])
    if "not" in cond:
        return not holds(cond["not"], facts)
    if "answered" in cond:
        return cond["answered"] in facts["answers"]
    if "answer" in cond:
        answers = facts["answers"]
        return cond["answer"] in answers and answers[cond["answer"]] == cond["equals"]
    if "signature" in cond:
        return cond["signature"] in facts["signatures"]
    if "photo" in cond:
        return cond["photo"] in facts["photos"]
    if "measurement" in cond:
        return bool(facts["measurements"].get(cond["measurement"]))
    if "measurement_above" in cond:
        readings = facts["measurements"].get(cond["measurement_above"], [])
        return any(v > cond["value"] for v in readings)
    if "unit_flag" in cond:
        return bool(facts["unit"].get(cond["unit_flag"]))
    if "job_field" in cond:
        return bool(facts["job"].get(cond["job_field"]))
    raise ValueError(f"unknown condition {cond!r}")


def missing_items(job, policy: dict) -> list[dict]:
    """Every rule this job does not meet yet (empty: it may complete)."""
    rules = completion_rules(policy)["kinds"].get(job.kind, [])
    facts = facts_for(job)
    return [
        {"id": r["id"], "label": r["label"]}
        for r in rules
        if ("when" not in r or holds(r["when"], facts)) and not holds(r["require"], facts)
    ]
