"""A dealer's webhook receiver for tests: real HTTP on 127.0.0.1, in a thread.

Every request is verified against the secrets the test names, twice and independently of
the server's signing code: with the `svix` package's `Webhook(secret).verify` (what a
dealer would use), and with a plain HMAC-SHA256 written from the Standard Webhooks spec
(svix builds on the same `standardwebhooks` package the server signs with, so the second
check keeps a shared bug from passing both sides).
"""

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from svix.webhooks import Webhook, WebhookVerificationError


def spec_signatures(secret: str, headers: dict, body: bytes) -> bool:
    """True when one of the header's `v1,` signatures is HMAC-SHA256(key, id.timestamp.body)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = b"%s.%s.%s" % (
        headers["webhook-id"].encode(),
        headers["webhook-timestamp"].encode(),
        body,
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = headers["webhook-signature"].split(" ")
    return any(hmac.compare_digest(f"v1,{expected}", sig) for sig in given)


@dataclass
class Received:
    headers: dict
    body: bytes
    at: float
    # The names of the secrets that verified it (by svix and by the spec, both).
    verified_by: set = field(default_factory=set)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    """Answers each request with the next scripted answer (then `default`); `hold` keeps a
    request open until released."""

    def __init__(self, secrets: dict[str, str] | None = None):
        self.secrets = dict(secrets or {})
        self.received: list[Received] = []
        self.script: list[tuple[int, dict]] = []
        self.default: tuple[int, dict] = (200, {})
        self.delay = 0.0
        self.hold: threading.Event | None = None
        self.arrived = threading.Condition()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.mismatches: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/purifier"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver._record(dict(self.headers.items()), body)
                hold = receiver.hold
                if hold is not None:
                    hold.wait(30)
                if receiver.delay:
                    time.sleep(receiver.delay)
                status, headers = receiver._answer()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the sender is gone (a worker killed mid-request)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are refused) until `start` again, on the same port."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def _record(self, headers: dict, body: bytes) -> None:
        lower = {k.lower(): v for k, v in headers.items()}
        entry = Received(lower, body, time.monotonic())
        for name, secret in self.secrets.items():
            try:
                Webhook(secret).verify(body, lower)
                by_svix = True
            except WebhookVerificationError:
                by_svix = False
            by_spec = spec_signatures(secret, lower, body)
            if by_svix != by_spec:
                self.mismatches.append(f"{name}: svix {by_svix}, spec {by_spec}")
            if by_svix and by_spec:
                entry.verified_by.add(name)
        with self.arrived:
            self.received.append(entry)
            self.arrived.notify_all()

    def _answer(self) -> tuple[int, dict]:
        with self.arrived:
            return self.script.pop(0) if self.script else self.default

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        """Until `count` requests have arrived; the requests so far."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            assert len(self.received) >= count, f"{len(self.received)} of {count} arrived"
            return list(self.received)

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.received]
