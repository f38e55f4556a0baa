"""The app shell: zh-CN first and English second, accessible, installable, and an update
that waits for the technician. Screenshots of each main screen at 360×640."""

import json
import re
import shutil

from playwright.sync_api import expect

from tests.a11y import serious
from tests.pwa.conftest import shot
from tests.pwa.phone import SYNCED, Phone


def test_every_main_screen_is_accessible_and_photographed(app, world, live_server, page):
    problems = {}
    page.goto(live_server + "/")
    expect(page.locator("input[name=username]")).to_be_visible()
    shot(page, "login")
    problems["login"] = serious(page)
    phone = Phone(page, live_server).sign_in()
    shot(page, "jobs")
    problems["jobs"] = serious(page)
    phone.open_job("张伟")
    expect(page.get_by_role("button", name="现场流程")).to_be_visible()
    shot(page, "job")
    problems["job"] = serious(page)
    page.get_by_role("button", name="到达现场，开始服务").click()
    expect(page.get_by_role("button", name="完成工单")).to_be_visible()
    shot(page, "flow")
    problems["flow"] = serious(page)
    page.get_by_role("button", name="请客户签字 · 开箱核验单").click()
    expect(page.locator("canvas.sign__pad")).to_be_visible()
    shot(page, "sign")
    problems["sign"] = serious(page)
    page.get_by_role("button", name="取消").click()
    page.get_by_role("button", name="设置与同步").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    shot(page, "settings")
    problems["settings"] = serious(page)
    assert problems == {name: [] for name in problems}
    assert not page.errors


def test_chinese_first_english_on_a_tap_and_remembered(app, world, live_server, page):
    page.goto(live_server + "/")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    Phone(page, live_server).sign_in()
    expect(page.get_by_role("heading", name="My jobs")).to_be_visible()
    expect(page.get_by_test_id("sync-state")).to_have_text(re.compile("^Synced at"))
    page.reload()
    # The page title, not a group's: the world's job starts in 2 hours, which from 22:00 in
    # the service's zone is tomorrow's group ("Later"), not today's.
    expect(page.get_by_role("heading", name="My jobs", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="我的工单")).to_have_count(0)
    page.get_by_text("张伟").first.click()
    page.get_by_role("button", name="Arrived: start").click()
    page.get_by_role("button", name=re.compile("Customer signs · Unbox")).click()
    expect(page.get_by_test_id("statement")).to_contain_text("packing list")
    shot(page, "sign-en")


def test_the_app_is_installable_and_works_with_no_network_after_one_visit(
    app, world, live_server, page
):
    Phone(page, live_server).sign_in()
    manifest = page.evaluate("fetch('/manifest.webmanifest').then((r) => r.json())")
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    controlled = page.evaluate("navigator.serviceWorker.controller !== null")
    if not controlled:
        page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_text("张伟")).to_be_visible()
    for icon in manifest["icons"]:
        status = page.evaluate(f"fetch('{icon['src']}').then((r) => r.status)")
        assert status == 200  # from the precache, offline
    page.context.set_offline(False)


def test_a_new_version_waits_until_the_technician_accepts_it(
    app, world, live_server, page, built, tmp_path
):
    Phone(page, live_server).sign_in()
    page.reload()  # now controlled by the installed worker
    first = page.evaluate("navigator.serviceWorker.controller.scriptURL")
    # The server gets a new build: a different service worker (another precache revision).
    newer = tmp_path / "build"
    shutil.copytree(built, newer)
    sw = newer / "sw.js"
    sw.write_text(sw.read_text() + "\n// next release\n")
    app.config["PWA_BUILD"] = str(newer)
    try:
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        banner = page.get_by_role("alert").filter(has_text="新版本已就绪")
        expect(banner).to_be_visible(timeout=20_000)
        # Nothing was swapped under the technician: the old worker still serves the page.
        marker = page.evaluate("window.__marker = 1")
        assert marker == 1
        banner.get_by_role("button", name="更新").click()
        page.wait_for_function("window.__marker === undefined")  # the page reloaded itself
        expect(page.get_by_test_id("sync-state")).to_have_text(SYNCED, timeout=20_000)
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == first
        state = page.evaluate(
            "navigator.serviceWorker.getRegistration().then((r) => r.waiting === null)"
        )
        assert state
    finally:
        app.config["PWA_BUILD"] = str(built)


def test_the_precache_list_names_every_built_file_with_its_content_hash(built):
    import hashlib

    meta = json.loads((built / "build.json").read_text())
    listed = {entry["url"]: entry["revision"] for entry in meta["precache"]}
    files = {"/": built / "index.html", "/manifest.webmanifest": built / "manifest.webmanifest"}
    files.update({f"/assets/{p.name}": p for p in (built / "assets").iterdir()})
    files.update({f"/icons/{p.name}": p for p in (built / "icons").iterdir()})
    assert set(listed) == set(files)
    for url, path in files.items():
        assert listed[url] == hashlib.sha256(path.read_bytes()).hexdigest()[:16], url
    assert meta["build"] in (built / "sw.js").read_text()


def test_the_technician_is_warned_before_the_phone_runs_out_of_storage(
    app, world, live_server, context, page
):
    # The phone reports 90 % of its quota used (a day of photos not yet sent).
    context.add_init_script(
        "navigator.storage.estimate = async () => ({ usage: 900e6, quota: 1000e6 });"
    )
    Phone(page, live_server).sign_in()
    page.get_by_text("张伟").first.click()
    page.get_by_placeholder("添加备注").fill("x")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert").filter(has_text="存储空间即将用完")).to_be_visible()
