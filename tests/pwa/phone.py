"""What a technician does in the app, as steps a test reads like a day on site."""

import re

from playwright.sync_api import expect

from tests.conftest import PASSWORD

SYNCED = re.compile("已同步|Synced")
OUTBOX_COUNT = """async () => {
  const open = (name) => new Promise((ok) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => ok(r.result);
  });
  const read = (db, store, fn) => new Promise((ok) => {
    const q = fn(db.transaction(store).objectStore(store));
    q.onsuccess = () => ok(q.result);
  });
  const accounts = await open('purifier-accounts');
  const session = await read(accounts, 'session', (s) => s.get('current'));
  if (!session) return -1;
  const db = await open(`purifier-${session.value.user.id}`);
  return read(db, 'outbox', (s) => s.count());
}"""


class Phone:
    def __init__(self, page, base: str):
        self.page, self.base = page, base

    def open(self, path: str = "/"):
        self.page.goto(self.base + path)
        return self

    def sign_in(self, username="tech1", password=PASSWORD):
        page = self.page
        page.goto(self.base + "/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        self.wait_synced()
        # The service worker controls the page once it has taken over (first install).
        page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
        return self

    def state(self) -> str:
        return self.page.inner_text("[data-testid=sync-state]")

    def wait_synced(self, timeout=20_000):
        expect(self.page.get_by_test_id("sync-state")).to_contain_text(
            ["已同步", "Synced"][0] if self.lang() == "zh-CN" else "Synced", timeout=timeout
        )

    def lang(self) -> str:
        return self.page.evaluate("document.documentElement.lang")

    def offline(self, value=True):
        """No signal for the page and for its service worker (Background Sync) alike."""
        context = self.page.context
        context.set_offline(value)
        if value:
            context.route("**/api/**", lambda route: route.abort("internetdisconnected"))
        else:
            context.unroute("**/api/**")

    def open_job(self, customer_name: str):
        self.page.get_by_text(customer_name).first.click()

    def outbox(self) -> int:
        """How many mutations wait in this device's outbox (read from IndexedDB)."""
        return self.page.evaluate(OUTBOX_COUNT)

    def sign(self, purpose_button_text: str, signer: str | None = None):
        """Tap the signing button, draw a signature with the finger, confirm."""
        self.page.get_by_role("button", name=purpose_button_text).click()
        self.sign_here(signer)

    def sign_here(self, signer: str | None = None):
        """On the signing screen: the customer draws a signature and confirms."""
        page = self.page
        pad = page.locator("canvas.sign__pad")
        expect(pad).to_be_visible()
        if signer is not None:
            page.locator(".sign__name input").fill(signer)
        box = pad.bounding_box()
        x, y = box["x"] + 30, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(12):
            page.mouse.move(x + 20 * step, y + (15 if step % 2 else -15))
        page.mouse.up()
        page.get_by_role("button", name="确认").click()
        expect(pad).to_be_hidden()
