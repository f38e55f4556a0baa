"""The technician's app in a real Chromium against a live server on 127.0.0.1.

Needs Debian's chromium (/usr/bin/chromium) and the built app (pwa/build/), which the test
command makes (`npm ci` and the build run first). Screenshots go to tests/artifacts/pwa/.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.live import CHROMIUM

sync_api = pytest.importorskip("playwright.sync_api")
ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "pwa" / "build"
ARTIFACTS = ROOT / "tests" / "artifacts" / "pwa"
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)


@pytest.fixture(scope="session")
def built():
    # The test command builds the app first; a missing build is a failure, not a skip.
    assert (BUILD / "index.html").exists(), "run `make test` (it builds pwa/ first)"
    return BUILD


@pytest.fixture
def live_server(app, built):
    app.config["PWA_BUILD"] = str(built)
    app.config["MEDIA_PROCESSING"] = "inline"
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def context(browser, tmp_path):
    """A phone-sized browser profile: 360×640, touch, service workers on."""
    ctx = browser.new_context(
        viewport={"width": 360, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="allow",
    )
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # Failed requests are what offline means; anything else logged as an error is a bug.
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "Failed to load resource" not in m.text
            and page.errors.append(m.text)
        ),
    )
    return page


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
