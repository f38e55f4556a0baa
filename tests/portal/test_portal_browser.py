"""The dealer's evidence page in a real Chromium: photos and signatures load, nothing is
refused by the page's policy, and accepting works."""

import os

import pytest

from tests.conftest import PASSWORD
from tests.evidence.conftest import install
from tests.live import CHROMIUM, serving
from tests.pwa.conftest import shot

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)


def test_the_dealer_reviews_and_accepts_in_the_browser(app, client, world, browser):
    install(client, world)
    with serving(app) as base:
        app.config["PUBLIC_BASE_URL"] = base
        app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # a webhook on this machine
        context = browser.new_context(viewport={"width": 1024, "height": 900})
        page = context.new_page()
        refused = []
        page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
        try:
            page.goto(f"{base}/dealer/")
            page.fill("input[name=username]", "dealer1")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.get_by_role("link", name="待确认 Ready to review").click()
            gallery = page.locator(".gallery img")
            sync_api.expect(gallery).to_have_count(2)
            for image in gallery.all() + page.locator(".signature img").all():
                image.scroll_into_view_if_needed()
                sync_api.expect(image).to_have_js_property("complete", True)
                assert image.evaluate("(img) => img.naturalWidth") > 0
            sync_api.expect(page.get_by_text("本人确认以上内容属实。").first).to_be_visible()
            shot(page, "../portal/evidence")
            page.get_by_role("button", name="确认验收 Accept").click()
            sync_api.expect(page.locator("h1 .state")).to_contain_text("已确认")
            page.get_by_role("link", name="推送设置 Webhook").click()
            page.fill("input[name=url]", "http://127.0.0.1:9/hooks")
            page.get_by_role("button", name="保存 Save").click()
            sync_api.expect(page.get_by_role("status")).to_contain_text("仅显示这一次")
            shot(page, "../portal/webhook-secret")
            page.get_by_role("link", name="推送记录 Deliveries").click()
            sync_api.expect(page.locator("tbody")).to_contain_text("evidence.completed")
            shot(page, "../portal/deliveries")
            assert refused == []
        finally:
            context.close()
