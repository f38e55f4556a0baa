"""The fee rules (server/field/fees.py): travel and extra work only as far as the customer
agreed beforehand, goods only with the dealer's consent, no paid parts or labour on a
job its liability decision makes free; the same through REST and through a push."""

import pytest

from server.field.models import FeeAgreement, FeeLine
from tests.helpers import assert_problem, row_counts
from tests.sync.conftest import NOW, Device, count, new_id, sha, tech1  # noqa: F401
from tests.warranty.conftest import repair_job, set_unit, signature_body

INSTALLED = {"purchase_date": "2026-01-20", "installed_on": "2026-01-31"}


def post(client, world, path, body, who="dispatcher", job=None):
    job = job or world.ids["job1"]
    return client.post(f"/api/jobs/{job}/{path}", json=body, headers=world.auth(who))


def fee(kind, amount_fen, payer="customer", description="收费"):
    return {"kind": kind, "description": description, "amount_fen": amount_fen, "payer": payer}


def agreement(kind, amount_fen, party="customer", way="call", **more):
    return {
        "kind": kind,
        "amount_fen": amount_fen,
        "party": party,
        "party_name": "张伟",
        "way": way,
        **more,
    }


@pytest.mark.parametrize("kind", ["travel", "extra_work", "goods"])
def test_a_charge_that_needs_an_agreement_is_refused_without_one(app, client, world, kind):
    before = row_counts(app)
    body = assert_problem(post(client, world, "fees", fee(kind, 3000)), 422, field="amount_fen")
    assert body["type"].endswith("fee-not-agreed")
    assert "0.00 yuan agreed" in body["detail"]
    assert row_counts(app) == before


@pytest.mark.parametrize(
    "line",
    [fee("travel", 3000, "dealer"), fee("goods", 3000, "nobody"), fee("extra_work", 0)],
    ids=["paid by the dealer", "paid by nobody", "nothing charged"],
)
def test_what_is_not_a_charge_to_the_customer_needs_no_agreement(client, world, line):
    assert post(client, world, "fees", line).status_code == 201


def test_a_travel_agreement_from_the_call_allows_charges_up_to_it(app, client, world):
    assert post(client, world, "fee-agreements", agreement("travel", 5000)).status_code == 201
    assert post(client, world, "fees", fee("travel", 3000)).status_code == 201
    over = post(client, world, "fees", fee("travel", 2001))
    body = assert_problem(over, 422, field="amount_fen")
    assert "50.00 yuan agreed, 30.00 already charged" in body["detail"]
    assert post(client, world, "fees", fee("travel", 2000)).status_code == 201
    assert count(app, FeeLine) == 2


def test_an_agreement_of_one_kind_does_not_allow_another(client, world):
    post(client, world, "fee-agreements", agreement("travel", 5000))
    assert_problem(post(client, world, "fees", fee("extra_work", 1000)), 422, field="amount_fen")


def test_goods_need_the_dealers_consent_recorded_by_the_dealer_or_the_office(app, client, world):
    customer = post(client, world, "fee-agreements", agreement("goods", 2000))
    assert assert_problem(customer, 422, field="party")["type"].endswith("wrong-agreement-party")
    own = agreement("goods", 2000, party="dealer", way="portal")
    assert post(client, world, "fee-agreements", own, who="dealer1").status_code == 201
    assert (
        post(client, world, "fees", fee("goods", 2000, description="缺少滤瓶扳手")).status_code
        == 201
    )
    # Another dealer's user cannot see the job; a dealer records only its own consent.
    assert_problem(post(client, world, "fee-agreements", own, who="dealer2"), 404)
    by_call = agreement("goods", 2000, party="dealer", way="call")
    assert_problem(post(client, world, "fee-agreements", by_call, who="dealer1"), 403)
    # The office may record a consent the dealer gave by phone.
    assert post(client, world, "fee-agreements", by_call, who="admin").status_code == 201
    assert count(app, FeeAgreement) == 2


@pytest.mark.parametrize(
    ("body", "who", "status", "field"),
    [
        (agreement("travel", 3000, way="portal"), "admin", 422, "way"),
        (agreement("travel", 3000, way="signature"), "admin", 422, "signature_id"),
        (agreement("travel", 3000, signature_id=new_id()), "admin", 422, "signature_id"),
        (agreement("travel", 0), "admin", 422, "amount_fen"),
        (agreement("travel", 3000, party="nobody"), "admin", 422, "party"),
        (agreement("travel", 3000), "tech1", 403, None),
        (agreement("travel", 3000), "dealer1", 403, None),
    ],
    ids=[
        "portal by the office",
        "signature without one",
        "signature id with a call",
        "zero",
        "unknown party",
        "technician through REST",
        "dealer for the customer",
    ],
)
def test_bad_agreements_are_refused_and_write_nothing(app, client, world, body, who, status, field):
    before = row_counts(app)
    assert_problem(post(client, world, "fee-agreements", body, who=who), status, field=field)
    assert row_counts(app) == before


def test_an_agreement_a_charge_relies_on_cannot_be_retracted_first(app, client, world):
    made = post(client, world, "fee-agreements", agreement("travel", 3000)).get_json()
    charge = post(client, world, "fees", fee("travel", 3000)).get_json()
    job = world.ids["job1"]
    retract = {"reason": "录入错误"}
    r = client.delete(
        f"/api/jobs/{job}/fee-agreements/{made['id']}", json=retract, headers=world.auth("admin")
    )
    assert assert_problem(r, 409)["type"].endswith("agreement-in-use")
    r = client.delete(
        f"/api/jobs/{job}/fees/{charge['id']}", json=retract, headers=world.auth("admin")
    )
    assert r.status_code == 204
    r = client.delete(
        f"/api/jobs/{job}/fee-agreements/{made['id']}", json=retract, headers=world.auth("admin")
    )
    assert r.status_code == 204


@pytest.mark.parametrize(
    ("fault", "kind", "allowed"),
    [
        ("joint_loose", "labor", False),  # L1: the installer's, within its month
        ("pipe_burst", "part", False),  # L2: the product's, the dealer pays
        ("seepage", "other", False),
        ("misuse", "labor", True),  # W3: the customer's
        ("misuse", "part", True),
        ("joint_loose", "travel", None),  # not governed by the decision: needs an agreement
    ],
)
def test_a_free_job_charges_the_customer_no_parts_or_labour(
    app, client, world, fault, kind, allowed
):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, fault, reported="2026-02-20T09:00:00+08:00")
    r = post(client, world, "fees", fee(kind, 8000), job=job)
    if allowed:
        assert r.status_code == 201, r.get_json()
    elif allowed is False:
        body = assert_problem(r, 422, field="payer")
        assert body["type"].endswith("fee-on-free-job") and "rule L" in body["detail"]
        # The dealer or the installer may still carry the cost on the itemized list.
        assert post(client, world, "fees", fee(kind, 8000, "dealer"), job=job).status_code == 201
    else:
        assert_problem(r, 422, field="amount_fen")


def test_on_site_the_customer_signs_the_quote_and_the_charge_follows(app, client, world, tech1):
    job = world.ids["job1"]
    signed = {**signature_body("extra_work_quote", NOW), "id": new_id(), "job_id": job}
    signed["statement_text"] = "本人同意以下额外施工及报价：打孔走管，金额 ¥120.00。"
    signed["statement_sha256"] = sha(signed["statement_text"])
    agreed = dict(id=new_id(), job_id=job, **agreement("extra_work", 12000, way="signature"))
    agreed["signature_id"] = signed["id"]
    charge = dict(id=new_id(), job_id=job, **fee("extra_work", 12000, description="打孔走管"))
    results = tech1.push(
        tech1.mutation("add_fee", **{**charge, "id": new_id()}),  # before the agreement
        tech1.mutation("add_signature", **signed),
        tech1.mutation("add_fee_agreement", **agreed),
        tech1.mutation("add_fee", **charge),
    )["results"]
    assert [r["status"] for r in results] == ["rejected", "applied", "applied", "applied"]
    assert results[0]["reason"] == "fee_not_agreed" and "amount_fen" in results[0]["errors"]
    assert count(app, FeeLine) == 1


@pytest.mark.parametrize(
    ("change", "reason", "field"),
    [
        ({"statement_text": "本人同意额外施工。"}, "invalid_args", "amount_fen"),
        ({"purpose": "acceptance"}, "invalid_args", "signature_id"),
        ({"way": "call"}, "forbidden", None),
        ({"party": "dealer", "kind": "goods"}, "forbidden", None),
    ],
    ids=["statement without the amount", "not a quote", "no signature", "dealer's consent"],
)
def test_a_device_records_only_the_customers_signed_quote(app, world, tech1, change, reason, field):
    job = world.ids["job1"]
    signed = {**signature_body("extra_work_quote", NOW), "id": new_id(), "job_id": job}
    signed["statement_text"] = change.get("statement_text", "本人同意额外施工，金额 ¥120.00。")
    signed["statement_sha256"] = sha(signed["statement_text"])
    signed["purpose"] = change.get("purpose", "extra_work_quote")
    agreed = dict(id=new_id(), job_id=job, **agreement("extra_work", 12000, way="signature"))
    agreed.update({k: v for k, v in change.items() if k in ("way", "party", "kind")})
    agreed["signature_id"] = signed["id"] if agreed["way"] == "signature" else None
    results = tech1.push(
        tech1.mutation("add_signature", **signed), tech1.mutation("add_fee_agreement", **agreed)
    )["results"]
    assert results[0]["status"] == "applied"
    assert (results[1]["status"], results[1]["reason"]) == ("rejected", reason)
    if field:
        assert field in results[1]["errors"]
    assert count(app, FeeAgreement) == 0


def test_choosing_the_fault_decides_who_pays_at_once_and_the_device_learns_it(app, world, tech1):
    set_unit(app, world, **INSTALLED)
    job = repair_job(app, world, None, reported="2026-02-20T09:00:00+08:00")
    _, cursor = tech1.pull_all()
    fault = {"fault_category": {"from": None, "to": "pipe_burst"}}
    (result,) = tech1.push(tech1.mutation("update_job", job_id=job, fields=fault))["results"]
    assert result["status"] == "applied"
    changes, cursor = tech1.pull_all(cursor)
    (decision,) = [c["data"] for c in changes if c["entity"] == "liability_decisions"]
    assert (decision["rule"], decision["charge"], decision["source"]) == ("L2", "free", "diagnosis")
    # Cleared again: no fault, no decision (withdrawn, reaching the device as a tombstone).
    fault = {"fault_category": {"from": "pipe_burst", "to": None}}
    tech1.push(tech1.mutation("update_job", job_id=job, fields=fault))
    changes, _ = tech1.pull_all(cursor)
    (gone,) = [c for c in changes if c["entity"] == "liability_decisions"]
    assert gone["op"] == "delete" or gone["data"]["deleted_at"] is not None
