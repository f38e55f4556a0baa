"""The public request form in a real Chromium at a phone's size: it fits, nothing is
refused by the page's policy, the honeypot stays out of sight, and sending works."""

import os

import pytest

from tests.live import CHROMIUM, serving
from tests.pwa.conftest import shot

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)


def test_a_customer_sends_the_form_from_a_phone(app, world, browser):
    with serving(app) as base:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        refused = []
        page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
        try:
            page.goto(f"{base}/request")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            sync_api.expect(page.locator("input[name=website]")).not_to_be_in_viewport()
            page.fill("input[name=name]", "周杰")
            page.fill("input[name=phone]", "13655556666")
            page.fill("input[name=address]", "杭州市余杭区五常街道1号")
            page.select_option("select[name=kind]", "repair")
            page.fill("textarea[name=description]", "出水很慢")
            page.fill("input[name=serial]", "SN-TEST-1")
            shot(page, "../desk/request-form")
            page.get_by_role("button", name="提交 Send").click()
            sync_api.expect(page.locator("h1")).to_contain_text("已收到您的请求")
            shot(page, "../desk/request-received")
            assert refused == []
        finally:
            context.close()
