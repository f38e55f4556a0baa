"""The field vocabulary: every id a device, the server and the reports share, and units.

Fault categories are DOMAIN.md's. Each measurement kind has its own unit family; a
reading is stored in its family's base unit (pressure kPa, dissolved solids mg/L) with
what the technician read kept beside it, so a TDS reading in psi is a validation error.
"""

FAULT_CATEGORIES = (
    "joint_loose",
    "seepage",
    "leak_short_circuit",
    "pipe_burst",
    "bottle_burst",
    "electrical_failure",
    "wrong_part_order",
    "external_connection",
    "filter_clogged",
    "membrane_worn",
    "human_damage",
    "misuse",
    "self_modified",
    "non_original_part",
    "external_force",
    "force_majeure",
    "other",
)
CHECKLIST_ITEMS = (
    "unbox_check",
    "floor_drain",
    "pressure_valve_installed",
    "install_steps",  # every step of the model's installation done, none skipped
    "leak_check",
    "briefing",
    "test_run",  # a repaired unit run and checked with the customer
)
PHOTO_PURPOSES = (
    "finished_installation",
    "pressure_valve",
    "unbox",
    "site",
    "fault",
    "repair",
    # Detail shots: kept larger, with full chroma, so digits stay readable (media policy).
    "gauge",
    "nameplate",
    "serial_number",
    "other",
)
SIGNATURE_PURPOSES = (
    "unbox_verification",
    "no_floor_drain_consent",
    "pressure_valve_waiver",
    "acceptance",
    "repair_slip",
    "extra_work_quote",
    "travel_agreement",
)
# "goods": a charge for missing or damaged goods (the packing list did not match).
FEE_KINDS = ("labor", "part", "no_show", "travel", "extra_work", "goods", "other")
# Devices add every kind but no_show, which comes from the dealer's policy (record_no_show).
DEVICE_FEE_KINDS = tuple(k for k in FEE_KINDS if k != "no_show")
PAYERS = ("customer", "dealer", "installer", "nobody")
# A charge agreed before the work: a travel surcharge or extra work (the customer agrees),
# a charge for missing or damaged goods (the dealer consents); server/field/fees.py.
AGREEMENT_KINDS = ("travel", "extra_work", "goods")
AGREEMENT_PARTIES = ("customer", "dealer")
# How it was recorded: the customer's signature on site, a call, a written note, the portal.
AGREEMENT_WAYS = ("signature", "call", "written", "portal")

# 1 kgf/cm² ("1 公斤") in kPa; DOMAIN.md's valve threshold is 3 of these.
KPA_PER_KGF_CM2 = 98.0665
# family → (base unit, {unit: factor to the base unit})
UNIT_FAMILIES = {
    "pressure": (
        "kPa",
        {"kPa": 1.0, "kgf/cm2": KPA_PER_KGF_CM2, "bar": 100.0, "MPa": 1000.0, "psi": 6.894757},
    ),
    # Dissolved solids: a TDS pen shows ppm, which for water is mg/L.
    "dissolved_solids": ("mg/L", {"mg/L": 1.0, "ppm": 1.0}),
}
MEASUREMENT_KINDS = {
    "inlet_pressure": "pressure",
    "outlet_pressure": "pressure",
    "tds_in": "dissolved_solids",
    "tds_out": "dissolved_solids",
}
UNITS = tuple(unit for _, table in UNIT_FAMILIES.values() for unit in table)
BASE_UNITS = tuple(base for base, _ in UNIT_FAMILIES.values())
# What technicians type is accepted and stored under the canonical spelling.
UNIT_ALIASES = {
    "kgf/cm²": "kgf/cm2",
    "公斤": "kgf/cm2",
    "kpa": "kPa",
    "mpa": "MPa",
    "mg/l": "mg/L",
    "PPM": "ppm",
}


def measurement_units() -> dict:
    """kind → {base, units: {unit: factor to base}}: served to devices with the rules."""
    return {
        kind: {"base": UNIT_FAMILIES[family][0], "units": dict(UNIT_FAMILIES[family][1])}
        for kind, family in MEASUREMENT_KINDS.items()
    }


def canonical_unit(text: str) -> str:
    return UNIT_ALIASES.get(text, UNIT_ALIASES.get(text.lower(), text))


def units_for(kind: str) -> tuple[str, ...]:
    return tuple(UNIT_FAMILIES[MEASUREMENT_KINDS[kind]][1])


def to_base(kind: str, value: float, unit: str) -> tuple[float, str]:
    """(value in the kind's base unit, that unit); KeyError for a unit of another family."""
    base, table = UNIT_FAMILIES[MEASUREMENT_KINDS[kind]]
    return round(value * table[unit], 3), base
