"""The network a technician really has: an upload cut halfway, a storm of 503s, and a
sign-out with work not yet sent. Nothing is lost and nothing is applied twice."""

import json

import sqlalchemy as sa
from playwright.sync_api import expect

from server.extensions import db
from server.field.models import Note, Photo
from server.media.models import MediaObject
from server.sync.models import SyncMutation
from tests.pwa.phone import SYNCED, Phone
from tests.pwa.photos import camera_jpeg


def _count(app, model):
    with app.app_context():
        n = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        db.session.remove()
        return n


def test_an_upload_cut_halfway_resumes_and_after_a_restart_too(
    app, world, live_server, context, page, tmp_path
):
    cuts, signal = [], []

    def cut_until_signal(route):
        if route.request.method == "PUT" and not signal:
            cuts.append(route.request.url)
            route.abort("connectionreset")  # the signal dropped mid-upload
        else:
            route.continue_()

    context.route("**/api/media/*", cut_until_signal)
    Phone(page, live_server).sign_in()
    page.get_by_text("张伟").first.click()
    page.get_by_role("button", name="到达现场，开始服务").click()
    path = tmp_path / "site.jpg"
    path.write_bytes(camera_jpeg(6, seed=9))
    page.locator("input[data-purpose=finished_installation]").set_input_files(str(path))
    expect(page.locator("img.thumb")).to_have_count(1, timeout=20_000)
    page.get_by_role("button", name="立即同步").click()
    for _ in range(200):  # until the phone has tried to send the bytes
        if cuts:
            break
        page.wait_for_timeout(100)
    assert cuts
    expect(page.get_by_test_id("sync-state")).to_contain_text("1 张照片待上传")
    with app.app_context():
        photo = db.session.scalars(sa.select(Photo)).one()  # the record is in; the bytes not
        assert db.session.get(MediaObject, photo.sha256) is None
        db.session.remove()
    # The app is closed and opened again with signal: the bytes were kept, and go.
    url = page.url
    page.close()
    signal.append(True)
    again = context.new_page()
    again.goto(url)
    expect(again.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=30_000)
    with app.app_context():
        assert db.session.get(MediaObject, photo.sha256) is not None
        db.session.remove()
    assert Phone(again, live_server).outbox() == 0


def test_a_storm_of_503s_is_ridden_out_and_nothing_is_applied_twice(
    app, world, live_server, context, page
):
    storm = []

    def busy(route):
        if len(storm) < 4:
            storm.append(1)
            route.fulfill(
                status=503,
                headers={"Retry-After": "1", "Content-Type": "application/problem+json"},
                body=json.dumps({"type": "/problems/database-unavailable", "status": 503}),
            )
        else:
            route.continue_()

    # Routed before the app (and its service worker, which pushes too) starts.
    context.route("**/api/sync/push", busy)
    Phone(page, live_server).sign_in()
    page.get_by_text("张伟").first.click()
    for n in range(3):
        page.get_by_placeholder("添加备注").fill(f"备注 {n}")
        page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=60_000)
    assert Phone(page, live_server).outbox() == 0
    assert len(storm) == 4
    assert _count(app, Note) == 3
    assert _count(app, SyncMutation) == 3


def test_signing_out_with_unsent_work_warns_keeps_it_and_sends_it_later(
    app, world, live_server, page
):
    phone = Phone(page, live_server).sign_in()
    phone.offline()
    page.get_by_text("张伟").first.click()
    page.get_by_placeholder("添加备注").fill("离线时记下的")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("button", name="设置与同步").click()
    page.get_by_role("button", name="退出登录").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("还有 1 项未同步")
    dialog.get_by_role("button", name="退出登录").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    assert _count(app, Note) == 0
    phone.offline(False)
    phone.sign_in()
    expect(page.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=20_000)
    with app.app_context():
        assert db.session.scalars(sa.select(Note.body)).one() == "离线时记下的"
        db.session.remove()
