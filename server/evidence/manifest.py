"""The manifest of an evidence package: what was done on site, in a canonical JSON form.

Canonical: keys sorted, no spaces, UTF-8, and no floats (a reading is a decimal string),
so any language can rebuild the exact bytes and check the SHA-256 (scripts/
verify_evidence.py does it in a few lines of the standard library).
"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa

from server.auth.models import User
from server.common.schemas import jsonable
from server.dealers.models import Dealer
from server.desk.models import Customer, Unit
from server.extensions import db
from server.field.models import (
    ChecklistAnswer,
    FeeAgreement,
    FeeLine,
    Measurement,
    Note,
    PartUsed,
    Photo,
    Signature,
    Visit,
)
from server.media.models import MediaObject

SCHEMA = "purifier.evidence/1"


def canonical(manifest: dict) -> bytes:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(manifest: dict) -> str:
    return hashlib.sha256(canonical(manifest)).hexdigest()


def _t(value) -> str | None:
    """An instant in UTC: the same text whether it came from the database or a request."""
    return None if value is None else value.astimezone(UTC).isoformat()


def _decimal(value) -> str | None:
    return None if value is None else repr(float(value))


def _rows(model, job_id, order):
    query = sa.select(model).where(model.job_id == job_id, model.deleted_at.is_(None))
    return db.session.scalars(query.order_by(order, model.id)).all()


def _times(row, device_field: str) -> dict:
    """When the technician did it (device clock) and when the server recorded it."""
    return {"at": _t(getattr(row, device_field)), "recorded_at": _t(row.created_at)}


def _valve(policy, unit, readings, answers, signatures) -> dict:
    threshold = policy["pressure_valve_threshold_kpa"]
    inlet = [m.value for m in readings if m.kind == "inlet_pressure"]
    fitted = [a.answer.get("value") for a in answers if a.item == "pressure_valve_installed"]
    waived = any(s.purpose == "pressure_valve_waiver" for s in signatures)
    shipped = bool(unit and unit.shipped_with_prv)
    above = bool(inlet) and max(inlet) > threshold
    if fitted and fitted[-1] is True:
        decision = "fitted"
    elif waived:
        decision = "declined_with_waiver"
    elif above or shipped:
        decision = "open"
    else:
        decision = "not_needed"
    return {
        "threshold_kpa": _decimal(threshold),
        "highest_inlet_kpa": _decimal(max(inlet)) if inlet else None,
        "above_threshold": above,
        "shipped_with_valve": shipped,
        "mandatory": bool(policy["pressure_valve_mandatory"]),
        "decision": decision,
    }


def build(package, job, liability: dict | None) -> dict:
    """The manifest of `package` (a completion of `job`), from what the server holds now."""
    unit = db.session.get(Unit, job.unit_id) if job.unit_id else None
    customer = db.session.get(Customer, job.customer_id)
    dealer = db.session.get(Dealer, job.dealer_id)
    technician = db.session.get(User, job.technician_id) if job.technician_id else None
    previous = db.session.get(type(package), package.previous_id) if package.previous_id else None
    answers = _rows(ChecklistAnswer, job.id, ChecklistAnswer.answered_at)
    readings = _rows(Measurement, job.id, Measurement.measured_at)
    photos = _rows(Photo, job.id, Photo.taken_at)
    signatures = _rows(Signature, job.id, Signature.signed_at)
    fees = _rows(FeeLine, job.id, FeeLine.created_at)
    media = {
        m.sha256: m
        for m in db.session.scalars(
            sa.select(MediaObject).where(MediaObject.sha256.in_({p.sha256 for p in photos}))
        )
    }
    return {
        "schema": SCHEMA,
        "package": {
            "id": str(package.id),
            "version": package.version,
            "previous": {"id": str(previous.id), "manifest_sha256": previous.manifest_sha256}
            if previous
            else None,
        },
        "job": {
            "id": str(job.id),
            "kind": job.kind,
            "completed_at": _t(package.completed_at),
            "window_start": _t(job.window_start),
            "window_end": _t(job.window_end),
            "address": job.address,
            "description": job.description,
            "diagnosis": job.diagnosis,
            "fault_category": job.fault_category,
        },
        "dealer": {"id": str(dealer.id), "name": dealer.name},
        "customer": {"name": customer.name, "address": customer.address},
        "unit": {
            "serial": unit.serial,
            "model": unit.model,
            "purchase_date": jsonable(unit.purchase_date),
            "installed_on": jsonable(unit.installed_on),
            "shipped_with_valve": unit.shipped_with_prv,
        }
        if unit
        else None,
        "technician": {"id": str(technician.id), "name": technician.display_name}
        if technician
        else None,
        "visits": [
            {
                "id": str(v.id),
                "arrived_at": _t(v.arrived_at),
                "departed_at": _t(v.departed_at),
                "outcome": v.outcome,
                "recorded_at": _t(v.created_at),
            }
            for v in _rows(Visit, job.id, Visit.arrived_at)
        ],
        "measurements": [
            {
                "kind": m.kind,
                "value": _decimal(m.value),
                "unit": m.unit,
                "read": {"value": _decimal(m.original_value), "unit": m.original_unit},
                **_times(m, "measured_at"),
            }
            for m in readings
        ],
        "checklist": [
            {
                "item": a.item,
                "value": a.answer.get("value"),
                "comment": a.answer.get("comment"),
                **_times(a, "answered_at"),
            }
            for a in answers
        ],
        "valve": _valve(dealer.policy, unit, readings, answers, signatures),
        "parts": [
            {
                "code": p.part_code,
                "name": p.name,
                "quantity": p.quantity,
                "unit_price_fen": p.unit_price_fen,
                "recorded_at": _t(p.created_at),
            }
            for p in _rows(PartUsed, job.id, PartUsed.created_at)
        ],
        "fees": [
            {
                "kind": f.kind,
                "description": f.description,
                "amount_fen": f.amount_fen,
                "payer": f.payer,
                "recorded_at": _t(f.created_at),
            }
            for f in fees
        ],
        "customer_pays_fen": sum(f.amount_fen for f in fees if f.payer == "customer"),
        # What the charges rest on: agreed beforehand (docs/fees.md).
        "fee_agreements": [
            {
                "kind": a.kind,
                "amount_fen": a.amount_fen,
                "party": a.party,
                "party_name": a.party_name,
                "way": a.way,
                "signature_id": jsonable(a.signature_id),
                "note": a.note,
                "recorded_at": _t(a.created_at),
            }
            for a in _rows(FeeAgreement, job.id, FeeAgreement.created_at)
        ],
        "liability": liability,
        "photos": [
            {
                "id": str(p.id),
                "purpose": p.purpose,
                "caption": p.caption,
                "sha256": p.sha256,
                # The bytes a dealer receives: the upload without camera or location
                # metadata (identical to the upload when it carried none).
                "delivered_sha256": media[p.sha256].stripped_sha256 or p.sha256,
                **_times(p, "taken_at"),
            }
            for p in photos
        ],
        "signatures": [
            {
                "id": str(s.id),
                "purpose": s.purpose,
                "signer_name": s.signer_name,
                "statement_text": s.statement_text,
                "statement_sha256": s.statement_sha256,
                "png_sha256": s.png_sha256,
                "device": s.device,
                **_times(s, "signed_at"),
            }
            for s in signatures
        ],
        "notes": [
            {"body": n.body, "recorded_at": _t(n.created_at)}
            for n in _rows(Note, job.id, Note.created_at)
        ],
    }
