"""The survey page in a real Chromium on a phone-sized screen: it works under its CSP,
fetches nothing from outside, and the customer's answer is recorded once."""

import os

import pytest

from tests.a11y import serious
from tests.care.conftest import path_of, survey_row
from tests.live import CHROMIUM, serving
from tests.pwa.conftest import shot
from tests.web.test_pages_browser import Watched

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)


def test_a_customer_answers_on_a_phone(app, world, done_job, link, browser):
    with serving(app) as base:
        watched = Watched(browser, base)
        page = watched.page
        page.set_viewport_size({"width": 360, "height": 640})
        page.goto(base + path_of(link))
        shot(page, "../console/survey")
        assert serious(page) == []
        # The survey's own stylesheet applied (large choices for a thumb).
        display = page.evaluate("getComputedStyle(document.querySelector('.star')).display")
        assert display == "flex"  # a flex item (labels are inline without it)
        page.get_by_label("2", exact=True).check()
        page.fill("textarea[name=comments]", "上门迟到了")
        page.get_by_role("button", name="提交").click()
        sync_api.expect(page.locator("h1")).to_contain_text("感谢")
        page.reload()  # the link again: it was used
        sync_api.expect(page.locator("h1")).to_contain_text("already answered")
        watched.assert_clean()
        watched.assert_policy_enforced()
    row = survey_row(app, done_job)
    assert (row.rating, row.comments) == (2, "上门迟到了")
