"""The dispatch board in a real Chromium: nothing refused by its policy, the stylesheet
applies, and assigning from a suggestion moves the job into the technician's column."""

import os

import pytest

from server.desk.dispatch import today
from tests.conftest import PASSWORD
from tests.desk.dispatching import ZONE, job, local, technician
from tests.live import CHROMIUM, serving
from tests.pwa.conftest import shot

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)


def test_the_dispatcher_assigns_from_a_suggestion_in_the_browser(app, world, browser):
    day = today(ZONE)
    tech = technician(app, "王师傅", districts=["西湖区"], skills=["repair"])
    technician(app, "李师傅", districts=["滨江区"], skills=["installation"])
    job(app, world, start=local(day, 9), tech=tech)
    job(app, world, start=local(day, 14), district="西湖区")
    with serving(app) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        refused = []
        page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
        try:
            page.goto(f"{base}/admin/dispatch")
            page.fill("input[name=username]", "dispatcher")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            sync_api.expect(page.locator("h1")).to_contain_text(day.isoformat())
            # The stylesheet applies (waited for: under load the page can be read before
            # its stylesheet has arrived; a board that never turns grid still fails here).
            page.wait_for_load_state("load")
            page.wait_for_function(
                "getComputedStyle(document.querySelector('.board')).display === 'grid'",
                timeout=10_000,
            )
            shot(page, "../admin/dispatch-before")
            page.get_by_role("button", name="派给 王师傅 Assign").click()
            sync_api.expect(page.get_by_role("alert")).to_contain_text("已派给 王师傅")
            column = page.locator("article.column", has=page.locator("h2", has_text="王师傅"))
            sync_api.expect(column).to_contain_text("2 单")
            sync_api.expect(page.locator(".waiting")).to_contain_text("Nothing waiting")
            shot(page, "../admin/dispatch-after")
            assert refused == []
        finally:
            context.close()
