"""A repair, a no-show, a job the office cancelled while the phone was offline, and one its
dealer approved (locked: it leaves the phone)."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from server.desk.models import Job
from server.extensions import db
from server.field.models import ChecklistAnswer, FeeLine, Note, PartUsed, Signature, Visit
from tests.helpers import another_job, set_job
from tests.pwa.conftest import shot
from tests.pwa.phone import SYNCED, Phone


def test_a_repair_with_parts_fees_test_run_and_slip(app, world, live_server, page):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=4)
    job_id = another_job(
        app,
        world,
        window_start=start,
        window_end=start + timedelta(hours=2),
        description="滤瓶处漏水",
    )
    phone = Phone(page, live_server).sign_in()
    page.goto(f"{live_server}/#/job/{job_id}")
    expect(page.get_by_text("滤瓶处漏水")).to_be_visible()
    page.get_by_role("button", name="到达现场，开始服务").click()
    step = lambda name: page.locator(f"section[aria-labelledby='{name}-h']")  # noqa: E731
    diagnosis = step("diagnosis").locator("textarea")
    # Taken apart by the customer: outside the warranty (W3), so the repair is paid.
    diagnosis.fill("客户自行拆装滤瓶，密封圈错位渗水")
    diagnosis.blur()
    step("diagnosis").locator("select").select_option("self_modified")
    parts = step("parts")
    parts.get_by_placeholder("配件编码").fill("OR-33")
    parts.get_by_placeholder("配件名称").fill("滤瓶密封圈")
    parts.get_by_placeholder("数量").fill("2")
    parts.get_by_placeholder("单价（元）").fill("12.50")
    parts.get_by_role("button", name="添加").click()
    expect(parts).to_contain_text("滤瓶密封圈 (OR-33) × 2 · ¥12.50")
    fees = step("fees")
    fees.locator("select[name=kind]").select_option("labor")
    fees.get_by_placeholder("收费说明").fill("上门维修")
    fees.get_by_placeholder("金额（元）").fill("80")
    fees.get_by_role("button", name="添加").click()
    expect(fees).to_contain_text("客户应付合计 ¥80.00")
    step("test").get_by_role("button", name="试机正常，客户确认可用").click()
    phone.sign("请客户签字 · 维修单")
    shot(page, "repair-ready")
    page.get_by_role("button", name="完成工单").click()
    expect(page.get_by_text("工单已完成")).to_be_visible()
    page.get_by_role("button", name="立即同步").click()
    expect(page.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=20_000)
    with app.app_context():
        job = db.session.get(Job, uuid.UUID(job_id))
        assert (job.status, job.diagnosis, job.fault_category) == (
            "completed",
            "客户自行拆装滤瓶，密封圈错位渗水",
            "self_modified",
        )
        part = db.session.scalars(sa.select(PartUsed).where(PartUsed.job_id == job.id)).one()
        assert (part.part_code, part.quantity, part.unit_price_fen) == ("OR-33", 2, 1250)
        fee = db.session.scalars(sa.select(FeeLine).where(FeeLine.job_id == job.id)).one()
        assert (fee.kind, fee.amount_fen, fee.payer) == ("labor", 8000, "customer")
        slip = db.session.scalars(sa.select(Signature).where(Signature.job_id == job.id)).one()
        assert "上门维修 ¥80.00" in slip.statement_text
        assert (
            db.session.scalar(
                sa.select(ChecklistAnswer.item).where(ChecklistAnswer.job_id == job.id)
            )
            == "test_run"
        )
        db.session.remove()
    assert not page.errors


def test_a_no_show_charges_the_dealers_fee(app, world, live_server, page):
    Phone(page, live_server).sign_in()
    page.get_by_text("张伟").first.click()
    page.get_by_role("button", name="客户不在（空跑）").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("¥30.00")
    dialog.get_by_role("button", name="确认").click()
    page.get_by_role("button", name="立即同步").click()
    expect(page.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=20_000)
    with app.app_context():
        fee = db.session.scalars(sa.select(FeeLine)).one()
        assert (fee.kind, fee.amount_fen, fee.payer) == ("no_show", 3000, "customer")
        assert db.session.scalars(sa.select(Visit.outcome)).one() == "customer_absent"
        db.session.remove()


def test_work_on_a_job_cancelled_meanwhile_is_kept_and_explained(
    app, client, world, live_server, page
):
    phone = Phone(page, live_server).sign_in()
    phone.offline()
    page.get_by_text("张伟").first.click()
    page.get_by_placeholder("添加备注").fill("客户说下周再装")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("客户说下周再装")).to_be_visible()
    r = client.post(
        f"/api/jobs/{world.ids['job1']}/cancel",
        json={"reason": "客户取消"},
        headers=world.auth("dispatcher"),
    )
    assert r.status_code == 200
    phone.offline(False)
    page.get_by_role("button", name="立即同步").click()
    attention = page.get_by_role("button", name=re.compile("需要处理"))
    expect(attention).to_be_visible(timeout=20_000)
    attention.click()
    expect(page.get_by_text("此工单已取消；您的记录已保留，等待办公室处理。")).to_be_visible()
    shot(page, "attention")
    with app.app_context():
        assert db.session.scalars(sa.select(Note.body)).one() == "客户说下周再装"
        db.session.remove()
    # The cancelled job left the device.
    page.goto(f"{live_server}/#/")
    expect(page.get_by_text("张伟")).to_have_count(0)


def test_a_job_its_dealer_approved_leaves_the_list_at_the_next_sync(
    app, client, world, live_server, page
):
    set_job(app, world.ids["job1"], status="completed", completed_at=datetime.now(UTC))
    phone = Phone(page, live_server).sign_in()
    expect(page.get_by_text("张伟").first).to_be_visible()  # done, still on the phone
    r = client.post(f"/api/jobs/{world.ids['job1']}/approve", headers=world.auth("dealer1"))
    assert r.status_code == 200
    page.get_by_role("button", name="立即同步").click()
    phone.wait_synced()
    # Approved, the job is locked and left the device: the list no longer shows it.
    expect(page.get_by_text("张伟")).to_have_count(0)
    page.goto(f"{live_server}/#/")
    expect(page.get_by_text("张伟")).to_have_count(0)
    assert not page.errors
