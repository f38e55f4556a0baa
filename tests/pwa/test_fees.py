"""Charges on site follow the fee rules the server serves: a travel surcharge is signed
for before it is charged, and nothing is charged on a job its liability decision makes free."""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from server.extensions import db
from server.field.models import FeeAgreement, FeeLine, Signature
from tests.helpers import another_job
from tests.pwa.conftest import shot
from tests.pwa.phone import SYNCED, Phone


def _rows(app, model, job_id):
    with app.app_context():
        rows = db.session.scalars(sa.select(model).where(model.job_id == uuid.UUID(job_id))).all()
        db.session.remove()
        return rows


def _job_today(app, world, **values):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    return another_job(
        app, world, window_start=start, window_end=start + timedelta(hours=2), **values
    )


def test_a_travel_surcharge_is_signed_for_then_charged(app, world, live_server, page):
    job_id = _job_today(app, world, kind="installation")
    phone = Phone(page, live_server).sign_in()
    page.goto(f"{live_server}/#/job/{job_id}")
    page.get_by_role("button", name="到达现场，开始服务").click()
    fees = page.locator("section[aria-labelledby='fees-h']")
    fees.locator("select[name=kind]").select_option("travel")
    fees.get_by_placeholder("收费说明").fill("超出服务半径 8 公里")
    fees.get_by_placeholder("金额（元）").fill("30")
    fees.get_by_role("button", name="添加").click()
    # Not agreed yet: the customer signs the amount first.
    statement = page.get_by_test_id("statement")
    expect(statement).to_contain_text("¥30.00")
    expect(statement).to_contain_text("超出服务半径 8 公里")
    shot(page, "travel-agreement")
    phone.sign_here("王芳")
    expect(fees).to_contain_text("已同意：远程费 ¥30.00（王芳）")
    expect(fees).to_contain_text("客户应付合计 ¥30.00")
    page.get_by_role("button", name="立即同步").click()
    expect(page.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=20_000)
    (agreement,) = _rows(app, FeeAgreement, job_id)
    (signature,) = _rows(app, Signature, job_id)
    (fee,) = _rows(app, FeeLine, job_id)
    assert (agreement.kind, agreement.amount_fen, agreement.way) == ("travel", 3000, "signature")
    assert agreement.signature_id == signature.id and signature.purpose == "travel_agreement"
    assert (fee.kind, fee.amount_fen, fee.payer) == ("travel", 3000, "customer")
    # A second charge beyond what was agreed asks for a signature again, records nothing yet.
    fees.locator("select[name=kind]").select_option("travel")
    fees.get_by_placeholder("收费说明").fill("再加收")
    fees.get_by_placeholder("金额（元）").fill("5")
    fees.get_by_role("button", name="添加").click()
    expect(page.get_by_test_id("statement")).to_contain_text("¥5.00")
    page.get_by_role("button", name="取消").click()
    expect(fees).to_contain_text("客户应付合计 ¥30.00")
    assert not page.errors


def test_a_free_repair_refuses_a_charge_to_the_customer(app, world, live_server, page):
    job_id = _job_today(app, world, description="接头渗水")
    phone = Phone(page, live_server).sign_in()
    page.goto(f"{live_server}/#/job/{job_id}")
    page.get_by_role("button", name="到达现场，开始服务").click()
    diagnosis = page.locator("section[aria-labelledby='diagnosis-h']")
    diagnosis.locator("textarea").fill("快接头渗水")
    diagnosis.locator("textarea").blur()
    diagnosis.locator("select").select_option("seepage")
    # The server decides who pays as soon as the fault is known; the phone learns it.
    page.get_by_role("button", name="立即同步").click()
    fees = page.locator("section[aria-labelledby='fees-h']")
    expect(fees.locator(".liability")).to_contain_text("免费", timeout=20_000)
    fees.locator("select[name=kind]").select_option("labor")
    fees.get_by_placeholder("收费说明").fill("上门维修")
    fees.get_by_placeholder("金额（元）").fill("80")
    fees.get_by_role("button", name="添加").click()
    expect(fees.get_by_role("alert")).to_contain_text("本单对客户免费")
    shot(page, "free-repair-refuses-fee")
    expect(fees).to_contain_text("客户应付合计 ¥0.00")
    assert phone.outbox() == 0
    assert _rows(app, FeeLine, job_id) == []
    assert not page.errors
