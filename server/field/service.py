"""Field work: visits, evidence, no-shows and completion. Plain functions: no Flask, no sync.

Both ways in use these: pushed mutations (server/sync/apply.py) and the office API
(server/field/api.py). The caller has decided that the job is within the user's reach
and holds its row lock; these functions check what the work itself must satisfy.
Evidence is append-only: created once under its client UUID, never edited.
"""

import uuid
from zoneinfo import ZoneInfo

from server.audit.service import record as audit
from server.common.models import utcnow
from server.common.schemas import jsonable
from server.dealers.service import policy_of
from server.desk import lifecycle
from server.desk.models import Unit
from server.evidence import service as evidence
from server.exceptions import Conflict, Invalid
from server.extensions import db
from server.field import edits, fees
from server.field.completion import missing_items
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
from server.field.vocab import to_base
from server.media.signatures import store_signature
from server.warranty import decisions as warranty_decisions

NO_SHOW_TEXT = "客户不在，空跑费 / customer absent: no-show fee"


def _answer(job, user, args):
    answer = {"value": args["value"]}
    if args.get("comment"):
        answer["comment"] = args["comment"]
    return {"item": args["item"], "answer": answer, "answered_at": args["answered_at"]}


def _measurement(job, user, args):
    value, unit = to_base(args["kind"], args["value"], args["unit"])
    return {
        "kind": args["kind"],
        "value": value,
        "unit": unit,
        "original_value": args["value"],
        "original_unit": args["unit"],
        "measured_at": args["measured_at"],
    }


def _photo(job, user, args):
    return {k: args.get(k) for k in ("purpose", "sha256", "taken_at", "caption")}


def _signature(job, user, args):
    # The PNG kept as evidence is rendered here from the strokes, never taken from the
    # device: a client's png_sha256 is ignored.
    png = store_signature(args["strokes"], uploaded_by=user.id)
    keys = ("purpose", "signer_name", "statement_text", "statement_sha256", "strokes", "signed_at")
    return {**{k: args[k] for k in keys}, "device": args.get("device"), "png_sha256": png.sha256}


def _part(job, user, args):
    return {k: args[k] for k in ("part_code", "name", "quantity", "unit_price_fen")}


def _fee(job, user, args):
    fees.check_fee(job, args["kind"], args["amount_fen"], args["payer"])
    return {k: args[k] for k in ("kind", "description", "amount_fen", "payer")}


def _agreement(job, user, args):
    keys = ("kind", "amount_fen", "party", "party_name", "way", "signature_id", "note")
    values = {k: args.get(k) for k in keys}
    fees.check_agreement(job, user, values)
    return values


def _no_show(job, user, args):
    fee = policy_of(job.dealer_id)["fees"]["no_show_fen"]
    return {"kind": "no_show", "payer": "customer", "amount_fen": fee, "description": NO_SHOW_TEXT}


def _note(job, user, args):
    return {"body": args["body"]}


# kind → (model, what its row holds besides the common columns)
KINDS = {
    "checklist_answer": (ChecklistAnswer, _answer),
    "measurement": (Measurement, _measurement),
    "photo": (Photo, _photo),
    "signature": (Signature, _signature),
    "part": (PartUsed, _part),
    "fee_agreement": (FeeAgreement, _agreement),
    "fee": (FeeLine, _fee),
    "no_show": (FeeLine, _no_show),
    "note": (Note, _note),
}


def fault_changed(job, actor) -> None:
    """The job's fault category changed (an edit landed): who pays is decided again now."""
    warranty_decisions.diagnosed(job, actor)


def check_visit(job, visit_id) -> Visit | None:
    """Evidence names a visit of its own job, or none."""
    if visit_id is None:
        return None
    visit = db.session.get(Visit, visit_id)
    if visit is None or visit.job_id != job.id:
        raise Invalid(
            "visit_id", "unknown for this job", detail="visit_id is not a visit of this job."
        )
    return visit


def evidence_row(kind: str, job, user, args: dict) -> tuple[type, dict]:
    """The row one piece of evidence becomes (nothing written yet); raises Invalid."""
    model, build = KINDS[kind]
    check_visit(job, args.get("visit_id"))
    values = build(job, user, args)
    now = utcnow()
    return model, {
        "id": args["id"],
        "job_id": job.id,
        "visit_id": args.get("visit_id"),
        "created_by": user.id,
        "version": 1,
        "created_at": now,
        "updated_at": now,
        **values,
    }


def after_evidence(kind: str, args: dict) -> None:
    """What stored evidence changes besides itself: a no-show ends its visit."""
    if kind == "no_show" and args.get("visit_id") is not None:
        visit = db.session.get(Visit, args["visit_id"])
        visit.outcome, visit.departed_at = "customer_absent", visit.departed_at or args["at"]


def add_evidence(kind: str, job, actor, args: dict):
    """Record one piece of evidence through the unit of work (the office's and dealer's
    way in)."""
    lifecycle.check(job, fees.recording_move(kind, actor), actor)
    args = {**args, "id": args.get("id") or uuid.uuid4()}
    model, values = evidence_row(kind, job, actor, args)
    if db.session.get(model, values["id"]) is not None:
        raise Conflict("A record with that id exists.")
    row = model(**values)
    db.session.add(row)
    after_evidence(kind, args)
    db.session.flush()
    audit(f"add_{kind}", "job", job.id, {"record": str(row.id)})
    return row


def settle_no_show(job, held: dict, actor) -> None:
    """Apply a no-show an admin accepted from a conflict: its fee id, visit, time, and the
    fee the admin saw (the dealer's at the time it was pushed)."""
    lifecycle.check(job, "settle", actor)
    args = {"id": held["id"], "visit_id": held.get("visit_id"), "at": held["at"]}
    model, values = evidence_row("no_show", job, actor, args)
    values["amount_fen"] = held.get("amount_fen", values["amount_fen"])
    if db.session.get(model, values["id"]) is None:  # else it landed since, by a push
        db.session.add(model(**values))
        after_evidence("no_show", args)
    db.session.flush()


def retract(job, row, reason: str, actor) -> None:
    """A record made in error gets a tombstone (an open job only); audited, never erased."""
    lifecycle.check(job, "record", actor)
    if isinstance(row, FeeAgreement):
        fees.check_retract(job, row)
    row.deleted_at = utcnow()
    db.session.flush()
    audit("retract", row.__tablename__, row.id, {"job": str(job.id), "reason": reason})


def add_visit(job, actor, visit_id, arrived_at) -> Visit:
    """The office records a visit it learned of (a call from site); the job starts."""
    lifecycle.check(job, "record", actor)
    visit_id = visit_id or uuid.uuid4()
    if db.session.get(Visit, visit_id) is not None:
        raise Conflict("A visit with that id exists.")
    visit, _ = start_visit(job, actor, visit_id, arrived_at)
    audit("add_visit", "job", job.id, {"visit": str(visit.id)})
    return visit


def start_visit(job, user, visit_id, arrived_at, *, start_job: bool = True) -> tuple[Visit, bool]:
    """A visit on site; the job starts unless told not to (work held for an admin).

    Returns (visit, created); the same id again is the same visit, never a second one.
    """
    existing = db.session.get(Visit, visit_id)
    if existing is not None:
        if existing.job_id != job.id:
            raise Conflict("That id belongs to another job's visit.", slug="id_taken")
        return existing, False
    visit = Visit(id=visit_id, job_id=job.id, technician_id=user.id, arrived_at=arrived_at)
    db.session.add(visit)
    if start_job and job.status in lifecycle.NOT_STARTED:
        lifecycle.start(job, user)
    db.session.flush()
    return visit, True


def correct_visit(job, visit: Visit, changes: dict, actor) -> Visit:
    """The office corrects what a visit says (departure, outcome) on an open job; audited."""
    lifecycle.check(job, "record", actor)
    departed = changes.get("departed_at", visit.departed_at)
    if departed is not None and departed < visit.arrived_at:
        raise Invalid("departed_at", "before arrived_at")
    diff = {}
    for field, value in changes.items():
        if not edits.editable("visits", field):
            raise Invalid(field, "not an editable field")
        if getattr(visit, field) != value:
            diff[field] = [jsonable(getattr(visit, field)), jsonable(value)]
            setattr(visit, field, value)
    db.session.flush()
    audit("correct_visit", "visit", visit.id, diff)
    return visit


def complete_job(job, completed_at, actor) -> None:
    """Complete under the dealer's completion rules; an installation dates the unit; the
    unit's warranty record follows, and a fault gets its liability decision."""
    policy = policy_of(job.dealer_id)
    lifecycle.complete(job, completed_at, actor, lambda: missing_items(job, policy))
    unit = job.unit_id and db.session.get(
        Unit, job.unit_id, with_for_update=True, populate_existing=True
    )
    if job.kind == "installation" and unit and unit.installed_on is None:
        unit.installed_on = completed_at.astimezone(ZoneInfo(policy["timezone"])).date()
    # Under the unit's lock taken above: the warranty record, then who pays (warranty/).
    warranty_decisions.after_completion(job, actor)
    db.session.flush()
    audit("complete", "job", job.id, {"completed_at": jsonable(completed_at)})
    # What the dealer receives: built now, or once the last photo is in.
    evidence.job_completed(job)
