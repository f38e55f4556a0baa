"""Every service-desk page at a phone's 360×640: photographed (tests/artifacts/console/) and
free of axe-core's serious and critical violations. The console's own pages, the public
request form and the customer's survey page."""

import os
import re

import pytest

from tests.a11y import serious
from tests.conftest import PASSWORD
from tests.live import CHROMIUM, serving
from tests.pwa.conftest import shot

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)

CONSOLE = [
    ("home", "/admin/"),
    ("requests", "/admin/requests"),
    ("intake", "/admin/requests/new"),
    ("escalations", "/admin/escalations"),
    ("dispatch", "/admin/dispatch"),
    ("technicians", "/admin/technicians"),
    ("complaints", "/admin/complaints"),
    ("reminders", "/admin/reminders"),
    ("messages", "/admin/care-messages"),
    ("reports", "/admin/reports"),
    ("report-sla", "/admin/reports/sla"),
    ("report-technicians", "/admin/reports/technicians"),
]


def test_the_service_desk_pages_are_accessible_on_a_phone(app, client, world, browser):
    # A request and a complaint, so lists and the request page have rows to show.
    taken = client.post(
        "/api/requests/intake",
        json={"channel": "phone", "kind": "repair", "serial": "SN-TEST-1"},
        headers=world.auth("dispatcher"),
    ).get_json()
    client.post(
        "/api/complaints",
        json={"customer_id": world.ids["customer1"], "summary": "漏水"},
        headers=world.auth("dispatcher"),
    )
    pages = [*CONSOLE, ("request", f"/admin/requests/{taken['id']}")]
    pages.append(("call", f"/admin/requests/{taken['id']}/call"))
    problems = {}
    with serving(app) as base:
        context = browser.new_context(viewport={"width": 360, "height": 640})
        page = context.new_page()
        try:
            page.goto(f"{base}/request")
            shot(page, "../console/public-request")
            problems["public-request"] = serious(page)
            page.goto(f"{base}/admin/login")
            page.fill("input[name=username]", "dispatcher")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/admin/$"))
            for name, path in pages:
                page.goto(base + path)
                assert page.locator("h1").count() == 1, name
                shot(page, f"../console/{name}")
                problems[name] = serious(page)
        finally:
            context.close()
    assert {name: found for name, found in problems.items() if found} == {}
