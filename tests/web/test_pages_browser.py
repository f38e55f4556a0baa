"""The pages under their Content-Security-Policy in a real Chromium: the conflicts page
and /api/docs still work, nothing is refused, nothing is fetched from outside the app,
and an injected inline script is refused (the policy is really in force).

Needs Debian's chromium (/usr/bin/chromium); skipped without it only outside CI.
"""

import os

import pytest

from tests.conftest import PASSWORD
from tests.live import CHROMIUM, serving
from tests.sync.conftest import Device

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)

# Runs before any page script: collects every CSP violation the page reports.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""
PROBE = """() => {
  window.__ran = false;
  const script = document.createElement("script");
  script.textContent = "window.__ran = true";
  document.body.append(script);
  return window.__ran;
}"""


class Watched:
    """A page whose console CSP messages, violations and requests are recorded."""

    def __init__(self, browser, base):
        self.base = base
        self.page = browser.new_page()
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.add_init_script(WATCH)
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.on("request", lambda r: self.requests.append(r.url))
        # Nothing may leave the app: anything else is aborted (and recorded above).
        self.page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(base) else route.abort()
            ),
        )

    def assert_clean(self):
        csp = [m for m in self.console if "Content Security Policy" in m]
        assert csp == [], csp
        assert self.page.evaluate("window.__violations") == []
        outside = [u for u in self.requests if not u.startswith((self.base, "data:"))]
        assert outside == [], outside

    def assert_policy_enforced(self):
        assert self.page.evaluate(PROBE) is False
        self.page.wait_for_function("window.__violations.length > 0")
        assert any("script-src" in v for v in self.page.evaluate("window.__violations"))


def test_the_conflicts_page_works_under_its_policy(app, client, world, browser):
    job = world.ids["job1"]
    first, second = Device(client, world.auth("tech1")), Device(client, world.auth("tech1"))
    first.push(
        first.mutation("update_job", job_id=job, fields={"description": {"from": None, "to": "甲"}})
    )
    held = second.push(
        second.mutation(
            "update_job", job_id=job, fields={"description": {"from": None, "to": "乙"}}
        )
    )
    assert held["results"][0]["status"] == "conflict"
    with serving(app) as base:
        watched = Watched(browser, base)
        page = watched.page
        page.goto(f"{base}/admin/sync/conflicts")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login button[type=submit]")
        row = page.locator("#rows tr")
        sync_api.expect(row).to_have_count(1)
        # The stylesheet applied: the table has its collapsed borders.
        collapse = page.evaluate("getComputedStyle(document.querySelector('table')).borderCollapse")
        assert collapse == "collapse"
        row.first.get_by_role("button", name="保留服务器值 Keep server").click()
        sync_api.expect(page.locator("#empty")).to_be_visible()
        watched.assert_clean()
        watched.assert_policy_enforced()


def test_the_api_docs_work_offline_under_their_policy(app, browser):
    with serving(app) as base:
        watched = Watched(browser, base)
        page = watched.page
        page.goto(f"{base}/api/docs")
        sync_api.expect(page.locator(".swagger-ui .info .title")).to_contain_text(
            "Purifier service API"
        )
        health = page.locator(".opblock-summary-path", has_text="/api/health").first
        health.click()
        page.get_by_role("button", name="Try it out").click()
        page.get_by_role("button", name="Execute").click()
        # The request went to the app (connect-src 'self') and its answer is shown.
        sync_api.expect(
            page.locator(".live-responses-table tbody .response-col_status").first
        ).to_have_text("200")
        assert any(u.endswith("/api/health") for u in watched.requests)
        watched.assert_clean()
        watched.assert_policy_enforced()
