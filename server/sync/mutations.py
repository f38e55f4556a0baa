"""The named mutations a device may push: a table, with no business rules in it.

Each entry names the arguments' schema, the field work it does (a field-service
evidence kind, or the applier in apply.py that reaches the field service), and whether
it opens its own savepoint: a plain SAVEPOINT when it touches no ORM object, which the
push loop and the PostgreSQL pipeline (fastpath.py) rely on to stay fast.
"""

from dataclasses import dataclass, field
from functools import partial

from marshmallow import Schema

from server.sync import apply
from server.sync import schemas as args
from server.sync.argsfast import Plan


@dataclass(frozen=True)
class Mutation:
    schema: Schema
    run: object  # (ctx, loaded args) -> result
    own_savepoint: bool = False
    # The schema's fields read directly for well-formed arguments (argsfast.py).
    plan: Plan = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "plan", Plan(self.schema))

    def load(self, raw: dict) -> dict:
        """The loaded arguments; raises the schema's ValidationError when they are not."""
        loaded = self.plan.load(raw)
        return loaded if loaded is not None else self.schema.load(raw)


def _evidence(kind: str, schema: Schema, own_savepoint: bool = True) -> Mutation:
    return Mutation(schema, partial(apply.evidence, kind=kind), own_savepoint)


MUTATIONS = {
    "start_visit": Mutation(args.StartVisitArgs(), apply.visit),
    "update_job": Mutation(args.UpdateJobArgs(), apply.edit_job, own_savepoint=True),
    "update_visit": Mutation(args.UpdateVisitArgs(), apply.edit_visit, own_savepoint=True),
    "answer_checklist": _evidence("checklist_answer", args.AnswerChecklistArgs()),
    "add_measurement": _evidence("measurement", args.AddMeasurementArgs()),
    "add_photo": _evidence("photo", args.AddPhotoArgs()),
    # Renders and stores a PNG through the unit of work: a full savepoint.
    "add_signature": _evidence("signature", args.AddSignatureArgs(), own_savepoint=False),
    "add_part": _evidence("part", args.AddPartArgs()),
    # A fee is checked against the agreements and charges before it (field/fees.py), so
    # those are written at once, not queued for the pipeline: a full savepoint each.
    "add_fee_agreement": _evidence("fee_agreement", args.AddFeeAgreementArgs(), False),
    "add_fee": _evidence("fee", args.AddFeeArgs(), own_savepoint=False),
    # Ends its visit too (an ORM change): a full savepoint.
    "record_customer_absent": _evidence(
        "no_show", args.RecordCustomerAbsentArgs(), own_savepoint=False
    ),
    "add_note": _evidence("note", args.AddNoteArgs()),
    "complete_job": Mutation(args.CompleteJobArgs(), apply.complete),
}
