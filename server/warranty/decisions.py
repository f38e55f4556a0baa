"""Who pays for a job's fault, stored with the job. Raises server.exceptions; flushes.

A job with a fault category gets its decision when it completes (field/service.py calls
`after_completion`), and the office may decide again (`redecide`, source "office"),
e.g. after a filter change by someone else came to light. There is one current decision
per job (a synced row, so it reaches the technician's and the dealer's devices); each
one made is audited with what it replaced.
"""

from datetime import UTC

import sqlalchemy as sa

from server.audit.service import record as audit
from server.common.models import utcnow
from server.dealers.models import Dealer
from server.desk.models import ServiceRequest, Unit
from server.exceptions import Forbidden, Invalid
from server.extensions import db
from server.warranty import liability
from server.warranty.facts import unit_facts
from server.warranty.models import LiabilityDecision
from server.warranty.months import local_date
from server.warranty.periods import UnitFacts
from server.warranty.service import policy_of_unit, refresh

DECIDED = ("rule", "liable", "charge")


def found_on_of(job, timezone: str) -> tuple:
    """The day the fault was found: when the customer reported it (the request), else when
    the job was made; (day, where it came from)."""
    if job.request_id is not None:
        request = db.session.get(ServiceRequest, job.request_id)
        return local_date(request.received_at, timezone), "request"
    return local_date(job.created_at, timezone), "job"


def _row_of(job_id) -> LiabilityDecision | None:
    query = sa.select(LiabilityDecision).where(LiabilityDecision.job_id == job_id)
    return db.session.scalar(query)


def current(job_id) -> LiabilityDecision | None:
    """The job's current decision, or None."""
    row = _row_of(job_id)
    return row if row is not None and row.deleted_at is None else None


def _decide(job, found_on=None):
    """(unit, day found, where the day came from, the decision); raises Invalid."""
    if job.fault_category is None:
        raise Invalid("fault_category", "the job has no fault category")
    if job.unit_id is None:
        raise Invalid("unit_id", "the job has no unit")
    unit = db.session.get(Unit, job.unit_id)
    policy = db.session.get(Dealer, job.dealer_id).policy
    tz = policy["timezone"]
    found, found_from = (found_on, "office") if found_on is not None else found_on_of(job, tz)
    facts = unit_facts(unit, found, tz, exclude_job=job.id)
    return unit, found, found_from, liability.decide(facts, job.fault_category, found, policy)


def charge_of(job):
    """Who pays for the job's fault as things stand: the stored decision, else the one the
    job would get now (nothing stored); None when it cannot be decided (no fault yet)."""
    row = current(job.id)
    if row is not None:
        return row
    try:
        return _decide(job)[3]
    except Invalid:
        return None


def decide_job(job, actor, *, source: str, found_on=None) -> LiabilityDecision:
    """Decide who pays for the job's fault under its dealer's policy, and store it.

    `found_on` (office only) overrides the day taken from the request or the job.
    Raises Invalid: no fault category, no unit, an impossible date.
    """
    unit, found, found_from, decision = _decide(job, found_on)
    values = {
        "unit_id": unit.id,
        "dealer_id": job.dealer_id,
        "fault_category": job.fault_category,
        "found_on": found,
        "rule": decision.rule,
        "path": list(decision.path),
        "liable": decision.liable,
        "charge": decision.charge,
        "explanation": decision.explanation,
        "facts": {**decision.facts, "found_on_from": found_from},
        "decided_at": utcnow(),
        "decided_by": actor.id if actor is not None else None,
        "source": source,
        "deleted_at": None,
    }
    row = _row_of(job.id)
    before = None
    if row is None:
        row = LiabilityDecision(job_id=job.id, **values)
        db.session.add(row)
    else:
        if row.deleted_at is None:
            before = {k: getattr(row, k) for k in DECIDED}
        for key, value in values.items():
            setattr(row, key, value)
    db.session.flush()
    audit(
        "decide_liability",
        "job",
        job.id,
        {
            **{k: getattr(row, k) for k in DECIDED},
            "found_on": found.isoformat(),
            "source": source,
            "before": before,
        },
    )
    return row


def diagnosed(job, actor) -> LiabilityDecision | None:
    """The fault was chosen or changed (by the technician, or the office settling a
    conflict): decide now, so the decision reaches the devices and stands beside every fee
    asked for before completion (field/fees.py).

    Like a completion, an undecidable fault stops nothing: the refusal is audited, and an
    earlier decision is withdrawn (it was about another fault)."""
    source = "diagnosis" if actor is None or actor.role == "technician" else "office"
    return _decide_or_withdraw(job, actor, source)


def after_completion(job, actor) -> LiabilityDecision | None:
    """A job completed: its unit's record, then who pays for its fault (if it has one).

    An undecidable fault never stops a completion (the work was done): the refusal is
    audited, a decision from an earlier completion is withdrawn, and the office decides
    once the facts are put right.
    """
    if job.unit_id is not None:
        refresh(db.session.get(Unit, job.unit_id))
    if job.fault_category is None:
        return None
    return _decide_or_withdraw(job, actor, "completion")


def _decide_or_withdraw(job, actor, source: str) -> LiabilityDecision | None:
    try:
        # Refusals come before anything is written: no savepoint is needed.
        return decide_job(job, actor, source=source)
    except Invalid as refused:
        stale = current(job.id)
        if stale is not None:
            stale.deleted_at = utcnow()
            db.session.flush()
        audit("liability_undecided", "job", job.id, {"errors": refused.errors})
        return None


def redecide(job, actor, found_on=None) -> LiabilityDecision:
    """The office decides again; on a locked job (approved or closed) only an admin may,
    as with every other change to it (desk/lifecycle.py)."""
    if job.locked_at is not None and actor.role != "admin":
        raise Forbidden("Only an admin may change a locked job.", slug="locked-job-needs-admin")
    return decide_job(job, actor, source="office", found_on=found_on)


def assess_unit(unit, category: str, found_on) -> liability.Decision:
    """ "Will this be free?" for a unit, from its records and its dealer's policy."""
    policy = policy_of_unit(unit)
    tz = policy["timezone"]
    liability.check_category(category)
    return liability.decide(unit_facts(unit, found_on, tz), category, found_on, policy)


def assess_facts(dealer, args: dict) -> liability.Decision:
    """ "Will this be free?" from facts the desk was told, under the dealer's policy."""
    facts = UnitFacts(
        purchased_on=args.get("purchased_on"),
        factory_on=args.get("factory_on"),
        installed_on=args.get("installed_on"),
        waiver_signed=args.get("waiver_signed", False),
        shipped_with_valve=args.get("shipped_with_valve", False),
        filters_changed_by_other_on=args.get("filters_changed_by_other_on"),
    )
    return liability.decide(facts, args["fault_category"], args["found_on"], dealer.policy)


def as_dict(row: LiabilityDecision) -> dict:
    """The decision as the API (and the evidence package) shows it."""
    keys = ("id", "job_id", "unit_id", "dealer_id", "fault_category", "found_on", "rule")
    keys += ("path", "liable", "charge", "explanation", "facts", "decided_at", "decided_by")
    return {k: getattr(row, k) for k in (*keys, "source", "version")}


def for_evidence(job) -> dict | None:
    """The job's current decision as its evidence package records it (JSON, times in UTC)."""
    row = current(job.id)
    if row is None:
        return None
    return {
        "rule": row.rule,
        "path": list(row.path or []),
        "liable": row.liable,
        "charge": row.charge,
        "fault_category": row.fault_category,
        "found_on": row.found_on.isoformat(),
        "explanation": row.explanation,
        "facts": row.facts,
        "decided_at": row.decided_at.astimezone(UTC).isoformat(),
    }
