"""A whole installation offline: opened once with signal, then nothing is lost."""

import re
import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from server.desk.models import Job, Unit
from server.extensions import db
from server.field.models import ChecklistAnswer, Measurement, Photo, Signature
from server.media.models import MediaObject
from server.media.storage import get_storage
from server.sync.models import SyncMutation
from tests.media.images import sha
from tests.pwa.conftest import shot
from tests.pwa.phone import SYNCED, Phone
from tests.pwa.photos import camera_jpeg


def _files(tmp_path):
    paths = []
    for n, orientation in enumerate((6, 3, 8)):
        path = tmp_path / f"IMG_{n}.jpg"
        path.write_bytes(camera_jpeg(orientation, seed=n))
        paths.append(str(path))
    return paths


def test_a_whole_installation_offline_survives_a_closed_page_and_lands_whole(
    app, world, live_server, context, page, tmp_path
):
    phone = Phone(page, live_server).sign_in()
    customer = "张伟"
    expect(page.get_by_text(customer)).to_be_visible()
    shot(page, "jobs")

    # No signal from here on, and the app still opens, reloaded, with today's jobs.
    phone.offline()
    page.reload()
    expect(page.get_by_text(customer)).to_be_visible()
    expect(page.get_by_test_id("sync-state")).to_contain_text("离线")

    phone.open_job(customer)
    shot(page, "job")
    page.get_by_role("button", name="到达现场，开始服务").click()
    expect(page.get_by_role("heading", name=re.compile("开箱核验"))).to_be_visible()

    step = lambda name: page.locator(f"section[aria-labelledby='{name}-h']")  # noqa: E731
    step("unbox").get_by_role("button", name="数量齐全、无破损").click()
    phone.sign("请客户签字 · 开箱核验单")
    step("drain").get_by_role("button", name="是").click()

    # 4 公斤 is above the dealer's 3 公斤: the valve is advised, the customer declines.
    page.fill("#pressure-value", "4")
    page.select_option("#pressure-unit", "kgf/cm2")
    step("pressure").get_by_role("button", name="保存").click()
    expect(step("pressure")).to_contain_text("建议安装减压阀")
    step("pressure").get_by_role("button", name="客户拒绝安装").click()
    phone.sign("请客户签字 · 拒装减压阀免责声明")
    expect(step("pressure")).to_contain_text("已签字")

    step("steps").get_by_role("button", name="已按步骤完成安装调试").click()
    files = _files(tmp_path)
    step("photos").locator("input[data-purpose=finished_installation]").set_input_files(files[:2])
    step("pressure").locator("input[data-purpose=gauge]").set_input_files(files[2:])
    expect(step("photos").locator("img.thumb")).to_have_count(2, timeout=20_000)
    step("leak").get_by_role("button", name="各接头无渗漏，现场已清理").click()
    step("briefing").get_by_role("button", name="已讲解并确认客户理解").click()
    phone.sign("请客户签字 · 验收确认")
    expect(page.locator(".missing")).to_have_count(0)
    shot(page, "flow-ready")
    page.get_by_role("button", name="完成工单").click()
    expect(page.get_by_text("工单已完成")).to_be_visible()
    waiting = phone.outbox()
    assert waiting >= 15
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SyncMutation)) == 0
        db.session.remove()

    # The tab is closed, the app reopened, still offline: everything is still there.
    url = page.url
    page.close()
    again = context.new_page()
    again.goto(url)
    expect(again.get_by_text("工单已完成")).to_be_visible()
    expect(again.locator("img.thumb")).to_have_count(3, timeout=20_000)
    reopened = Phone(again, live_server)
    assert reopened.outbox() == waiting
    expect(again.get_by_test_id("sync-state")).to_contain_text(f"{waiting} 项待同步")

    # Signal: the outbox empties and the server has it all, hashes verified.
    reopened.offline(False)
    again.get_by_role("button", name="立即同步").click()
    expect(again.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=30_000)
    assert reopened.outbox() == 0
    with app.app_context():
        job = db.session.get(Job, uuid.UUID(world.ids["job1"]))
        assert job.status == "completed"
        assert db.session.get(Unit, job.unit_id).installed_on is not None
        photos = db.session.scalars(sa.select(Photo).where(Photo.job_id == job.id)).all()
        assert sorted(p.purpose for p in photos) == ["finished_installation"] * 2 + ["gauge"]
        store = get_storage()
        for p in photos:
            media = db.session.get(MediaObject, p.sha256)
            assert media is not None, "the bytes arrived"
            with store.open(p.sha256) as blob:
                assert sha(blob.read()) == p.sha256
            # Downscaled on the phone to a 2048 px long edge, upright (EXIF applied).
            assert (media.width, media.height) == (2048, 1536)
        signatures = db.session.scalars(
            sa.select(Signature).where(Signature.job_id == job.id)
        ).all()
        assert {s.purpose for s in signatures} == {
            "unbox_verification",
            "pressure_valve_waiver",
            "acceptance",
        }
        for s in signatures:
            assert sha(s.statement_text.encode()) == s.statement_sha256
            assert db.session.get(MediaObject, s.png_sha256) is not None
        waiver = next(s for s in signatures if s.purpose == "pressure_valve_waiver")
        assert "4 公斤" in waiver.statement_text
        reading = db.session.scalars(
            sa.select(Measurement).where(Measurement.job_id == job.id)
        ).one()
        assert (reading.original_value, reading.original_unit) == (4, "kgf/cm2")
        answers = db.session.scalars(
            sa.select(ChecklistAnswer.item).where(ChecklistAnswer.job_id == job.id)
        ).all()
        assert {"unbox_check", "floor_drain", "pressure_valve_installed", "install_steps"} <= set(
            answers
        )
        db.session.remove()
    assert not page.errors
