"""Which charges a job may carry: the fee rules of DOMAIN.md, in one place.

- The no-show fee is the dealer policy's, recorded by `record_no_show` only.
- A travel surcharge (beyond the service radius) and extra work are charged to the
  customer only up to what the customer agreed beforehand: at the appointment call
  (recorded by the office) or by signing the quote on site (`travel_agreement`,
  `extra_work_quote`).
- A charge for missing or damaged goods only up to what the dealer consented to.
- Parts, labour and other items charged to the customer only where the liability decision
  does not call the job free: out of warranty, misuse, wear.

Every amount is in fen; a charge is a fee line paid by the customer with an amount above 0.
Raises server.exceptions; reads, never writes.
"""

import sqlalchemy as sa

from server.exceptions import Conflict, Forbidden, Invalid
from server.extensions import db
from server.field.models import FeeAgreement, FeeLine, Signature
from server.field.vocab import DEVICE_FEE_KINDS, PAYERS
from server.warranty import decisions

# A fee kind that needs a prior agreement → who must have agreed to it.
AGREED_BY = {"travel": "customer", "extra_work": "customer", "goods": "dealer"}
# The customer's signature that records an agreement on site, per kind.
SIGNED_AS = {"travel": "travel_agreement", "extra_work": "extra_work_quote"}
# Fee kinds the liability decision governs (a free job charges none of them).
LIABILITY_BOUND = ("labor", "part", "other")
# The refusals below, by slug (a push answers them as rejection reasons by these names).
REFUSALS = ("fee-not-agreed", "fee-on-free-job", "wrong-agreement-party")


def for_devices() -> dict:
    """The rules above as data, served with the completion rules: the app refuses what the
    server would refuse, before the customer is asked for money (no second copy)."""
    return {
        "kinds": list(DEVICE_FEE_KINDS),
        "payers": list(PAYERS),
        "agreed_by": dict(AGREED_BY),
        "signed_as": dict(SIGNED_AS),
        "liability_bound": list(LIABILITY_BOUND),
    }


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


def _total(model, job_id, kind: str, **where) -> int:
    query = sa.select(sa.func.coalesce(sa.func.sum(model.amount_fen), 0)).where(
        model.job_id == job_id, model.kind == kind, model.deleted_at.is_(None)
    )
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return db.session.scalar(query)


def agreed(job_id, kind: str) -> int:
    """How much of `kind` the right party agreed to for this job, in fen."""
    return _total(FeeAgreement, job_id, kind, party=AGREED_BY[kind])


def check_fee(job, kind: str, amount_fen: int, payer: str) -> None:
    """Refuse a fee line the rules do not allow (Invalid, slug `fee-not-allowed`)."""
    if payer != "customer" or amount_fen == 0:
        return  # not a charge to the customer
    if kind in AGREED_BY:
        allowed = agreed(job.id, kind)
        charged = _total(FeeLine, job.id, kind, payer="customer")
        if charged + amount_fen > allowed:
            who = "客户" if AGREED_BY[kind] == "customer" else "经销商"
            raise Invalid(
                "amount_fen",
                f"{yuan(allowed)} yuan agreed, {yuan(charged)} already charged",
                detail=(
                    f"A {kind} charge needs the {AGREED_BY[kind]}'s prior agreement: "
                    f"{yuan(allowed)} yuan agreed, {yuan(charged)} already charged, "
                    f"{yuan(amount_fen)} more asked (未经{who}事先同意的收费不能记录)."
                ),
                slug="fee-not-agreed",
            )
    if kind in LIABILITY_BOUND:
        decision = decisions.charge_of(job)
        if decision is not None and decision.charge == "free":
            raise Invalid(
                "payer",
                f"the liability decision ({decision.rule}) makes this job free",
                detail=(
                    f"This job is free for the customer under rule {decision.rule}: "
                    f"{decision.explanation['en']} The customer cannot be charged for "
                    f"{kind} (按{decision.rule}本次免费：{decision.explanation['zh-CN']})."
                ),
                slug="fee-on-free-job",
            )


def check_retract(job, agreement: FeeAgreement) -> None:
    """An agreement the job's charges rely on stays (retract the charges first)."""
    kind = agreement.kind
    left = agreed(job.id, kind) - agreement.amount_fen
    charged = _total(FeeLine, job.id, kind, payer="customer")
    if charged > left:
        raise Conflict(
            f"{yuan(charged)} yuan of {kind} is charged on this agreement; retract those "
            f"fee lines first.",
            slug="agreement-in-use",
        )


def recording_move(kind: str, actor) -> str:
    """The lifecycle move that records `kind`: a dealer consents, everyone else records."""
    return "consent" if kind == "fee_agreement" and actor.role == "dealer" else "record"


def check_agreement(job, actor, values: dict) -> None:
    """Refuse an agreement the recorder may not record (Forbidden, Invalid); whether the
    job is open to it is the lifecycle's (`recording_move`)."""
    kind, party, way = values["kind"], values["party"], values["way"]
    if party != AGREED_BY[kind]:
        raise Invalid(
            "party", f"{kind} is agreed by the {AGREED_BY[kind]}", slug="wrong-agreement-party"
        )
    if actor.role == "dealer":
        # A dealer's own consent, through the portal or the API.
        if party != "dealer" or way != "portal":
            raise Forbidden("A dealer records only its own consent.", slug="forbidden")
        return
    if way == "portal":
        raise Invalid("way", "only a dealer's own consent is recorded as portal")
    # On site, the customer signs the quote; a dealer's consent comes from the dealer.
    if actor.role == "technician" and (party != "customer" or way != "signature"):
        raise Forbidden(
            "On site, record the customer's signed agreement; the dealer's consent is "
            "recorded by the dealer or the office.",
            slug="forbidden",
        )
    if way == "signature":
        _check_signature(job, kind, values.get("signature_id"), values["amount_fen"])
    elif values.get("signature_id") is not None:
        raise Invalid("signature_id", "only with way signature")


def _check_signature(job, kind: str, signature_id, amount_fen: int) -> None:
    if kind not in SIGNED_AS:
        raise Invalid("way", f"a {kind} agreement is not signed by the customer")
    if signature_id is None:
        raise Invalid("signature_id", "required with way signature")
    signature = db.session.get(Signature, signature_id)
    if signature is None or signature.job_id != job.id or signature.deleted_at is not None:
        raise Invalid("signature_id", "not a signature on this job")
    if signature.purpose != SIGNED_AS[kind]:
        raise Invalid("signature_id", f"a {kind} agreement is signed as {SIGNED_AS[kind]}")
    if yuan(amount_fen) not in signature.statement_text:
        # The customer signed a text: it must name the amount the agreement allows.
        raise Invalid("amount_fen", f"the signed statement does not state {yuan(amount_fen)}")
