"""The fast reading of mutation arguments agrees with the schemas on every case.

For a corpus of well-formed arguments of every mutation and thousands of variants of them
(a key dropped, nulled, given another type or an out-of-range value, an unknown key,
unstorable text), the fast path either declines (the schema then decides) or returns
exactly what the schema loads; it never accepts what the schema refuses.
"""

import hashlib
import uuid

import pytest
from marshmallow import ValidationError

from server.sync.mutations import MUTATIONS

NOW = "2026-11-25T10:00:00+08:00"
STATEMENT = "本人确认以上安装内容属实。"
JOB, VISIT, ROW = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
SHA = hashlib.sha256(b"x").hexdigest()

GOOD = {
    "start_visit": [{"job_id": JOB, "id": ROW, "arrived_at": NOW}],
    "update_job": [
        {"job_id": JOB, "fields": {"diagnosis": {"from": None, "to": "滤芯堵塞"}}},
        {"job_id": JOB, "fields": {"a": {"from": 1, "to": [2]}, "b": {"from": "x", "to": None}}},
    ],
    "update_visit": [{"id": ROW, "fields": {"notes": {"from": "a", "to": "b"}}}],
    "answer_checklist": [
        {"job_id": JOB, "id": ROW, "item": "floor_drain", "value": True, "answered_at": NOW},
        {
            "job_id": JOB,
            "id": ROW.upper(),
            "visit_id": VISIT,
            "item": "floor_drain",
            "value": False,
            "comment": "好",
            "answered_at": "2026-11-25T02:00:00Z",
        },
    ],
    "add_measurement": [
        {
            "job_id": JOB,
            "id": ROW,
            "kind": "inlet_pressure",
            "value": 2.5,
            "unit": "bar",
            "measured_at": NOW,
        },
        {
            "job_id": JOB,
            "id": ROW,
            "visit_id": None,
            "kind": "inlet_pressure",
            "value": 3,
            "unit": "MPa",
            "measured_at": NOW,
        },
    ],
    "add_photo": [
        {"job_id": JOB, "id": ROW, "purpose": "site", "sha256": SHA, "taken_at": NOW},
        {
            "job_id": JOB,
            "id": ROW,
            "purpose": "site",
            "sha256": SHA,
            "taken_at": NOW,
            "caption": None,
        },
    ],
    "add_signature": [
        {
            "job_id": JOB,
            "id": ROW,
            "purpose": "acceptance",
            "signer_name": "张伟",
            "statement_text": STATEMENT,
            "statement_sha256": hashlib.sha256(STATEMENT.encode()).hexdigest(),
            "strokes": [{"points": [{"x": 1, "y": 2, "time": 3}]}],
            "signed_at": NOW,
        }
    ],
    "add_part": [
        {"job_id": JOB, "id": ROW, "part_code": "PP-10", "name": "PP 棉"},
        {"job_id": JOB, "id": ROW, "part_code": "PP-10", "name": "PP", "quantity": 2},
    ],
    "add_fee": [
        {
            "job_id": JOB,
            "id": ROW,
            "kind": "travel",
            "description": "上门",
            "amount_fen": 5000,
            "payer": "customer",
        }
    ],
    "record_customer_absent": [{"job_id": JOB, "id": ROW, "at": NOW}],
    "add_note": [{"job_id": JOB, "id": ROW, "body": "备注"}],
    "complete_job": [{"job_id": JOB, "completed_at": NOW}],
}

ODD = [
    None,
    "",
    "x",
    "x" * 5000,
    "a\x00b",
    "\ud800",
    0,
    -1,
    2.5,
    float("nan"),
    float("inf"),
    10**30,
    True,
    False,
    [],
    {},
    [1],
    {"from": 1},
    "3",
    "true",
    "2026-13-01T00:00:00+08:00",
    "2026-11-25T10:00:00",
    "1969-12-31T23:59:59Z",
    NOW,
    str(uuid.uuid4()),
    uuid.uuid4().hex,
    SHA.upper(),
    "floor_drain",
    "site",
    "bar",
    "kPa",
    "customer",
]


def _variants(args: dict):
    yield args
    yield {**args, "unknown": 1}
    yield {**args, "a\x00": 1}
    yield [args]
    yield "text"
    for key in args:
        yield {k: v for k, v in args.items() if k != key}
        for odd in ODD:
            yield {**args, key: odd}
        if isinstance(args[key], dict):
            for inner in args[key]:
                for odd in ODD:
                    yield {**args, key: {**args[key], inner: odd}}
                if isinstance(args[key][inner], dict):  # a field edit's {"from", "to"}
                    edit = args[key][inner]
                    yield {**args, key: {**args[key], inner: {**edit, "unknown": 1}}}
                    yield {**args, key: {**args[key], 7: edit}}
                    yield {**args, key: {**args[key], **{f"k{i}": edit for i in range(20)}}}
                    for deepest in edit:
                        less = {k: v for k, v in edit.items() if k != deepest}
                        yield {**args, key: {**args[key], inner: less}}
                        for odd in ODD:
                            yield {**args, key: {**args[key], inner: {**edit, deepest: odd}}}


def _schema_load(schema, raw):
    try:
        return True, schema.load(raw)
    except ValidationError:
        return False, None


@pytest.mark.parametrize("name", sorted(GOOD))
def test_the_fast_reading_agrees_with_the_schema(name):
    mutation = MUTATIONS[name]
    taken = refused = 0
    for raw in (v for good in GOOD[name] for v in _variants(good)):
        fast = mutation.plan.load(raw)
        ok, loaded = _schema_load(mutation.schema, raw)
        if fast is not None:
            assert ok, (name, raw)
            assert fast == loaded, (name, raw)
            assert list(fast) == list(loaded)
            taken += 1
        refused += not ok
    # Both sides were exercised: the corpus holds refusals, and the fast path took cases.
    assert refused > 20
    assert taken >= len(GOOD[name])


@pytest.mark.parametrize("name", sorted(GOOD))
def test_well_formed_arguments_take_the_fast_reading(name):
    for good in GOOD[name]:
        assert MUTATIONS[name].plan.load(good) is not None, good


@pytest.mark.parametrize("name", ["update_job", "update_visit"])
def test_a_field_edit_is_read_without_the_nested_schema(name, monkeypatch):
    """The `{"from", "to"}` of each edited field goes through the nested schema's plan."""
    from server.sync.schemas import FieldChangeSchema

    def refuse(*args, **kwargs):
        raise AssertionError("the nested schema was asked")

    monkeypatch.setattr(FieldChangeSchema, "load", refuse)
    for good in GOOD[name]:
        assert MUTATIONS[name].plan.load(good) is not None, good


def test_every_mutation_is_in_the_corpus():
    assert set(MUTATIONS) - set(GOOD) <= {"add_fee_agreement"}
