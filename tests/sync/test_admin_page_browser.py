"""The conflicts page in a real Chromium: sign in, see both sides, resolve.

Needs Debian's chromium (/usr/bin/chromium), which `make test` installs; skipped without it
only outside CI.
"""

import os
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from server.desk.models import Job
from server.extensions import db
from tests.conftest import PASSWORD
from tests.live import CHROMIUM
from tests.sync.conftest import Device

sync_api = pytest.importorskip("playwright.sync_api")
# In CI a missing browser is a failure, not a skip.
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_an_admin_resolves_a_conflict_in_the_browser(app, client, world, live_server, browser):
    job = world.ids["job1"]
    hostile = "<img src=x onerror=\"document.title='pwned'\">"
    first, second = Device(client, world.auth("tech1")), Device(client, world.auth("tech1"))
    first.push(
        first.mutation(
            "update_job", job_id=job, fields={"description": {"from": None, "to": "厨房水槽下"}}
        )
    )
    held = second.push(
        second.mutation(
            "update_job", job_id=job, fields={"description": {"from": None, "to": hostile}}
        )
    )
    assert held["results"][0]["status"] == "conflict"

    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server}/admin/sync/conflicts")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", PASSWORD)
        page.click("#login button[type=submit]")
        row = page.locator("#rows tr")
        sync_api.expect(row).to_have_count(1)
        cells = row.first.locator("td")
        sync_api.expect(cells.nth(2)).to_have_text("description")
        sync_api.expect(cells.nth(5)).to_contain_text("厨房水槽下")
        # The device's value is shown as text, never run as markup.
        sync_api.expect(cells.nth(6)).to_contain_text("<img src=x")
        assert page.title() != "pwned"
        row.first.get_by_role("button", name="采用设备值 Take device").click()
        sync_api.expect(page.locator("#empty")).to_be_visible()
    finally:
        context.close()

    with app.app_context():
        assert db.session.get(Job, uuid.UUID(job)).description == hostile
        db.session.remove()
