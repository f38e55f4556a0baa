"""Settings from environment variables, with embedded defaults."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))

# Seconds before each webhook retry, Standard-Webhooks-like (Svix's schedule, stretched):
# 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 14 h, 16 h: 11 attempts over 71.6 hours,
# so a receiver down for a long weekend still gets its events; then dead letter.
DEFAULT_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000,36000,50400,50400,57600"


def flag(value) -> bool:
    """A boolean setting from the environment ('1', 'true', 'yes', 'on') or from Python."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY, generating it once under instance/ so restarts keep sessions valid."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two workers starting at once must agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def from_environment() -> dict:
    instance = INSTANCE
    return {
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(
            os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'purifier.sqlite3'}")
        ),
        "MEDIA_ROOT": os.environ.get("MEDIA_ROOT", str(instance / "media")),
        "SECRET_KEY": _secret_key(instance),
        # Largest JSON request body; media uploads have their own, per-policy limit.
        "MAX_JSON_BYTES": int(os.environ.get("MAX_JSON_BYTES", 2 * 1024 * 1024)),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 64 * 1024 * 1024)),
        # The longest any request waits for a row or the change-log lock; then 503 Retry-After.
        "SYNC_LOCK_TIMEOUT_MS": int(os.environ.get("SYNC_LOCK_TIMEOUT_MS", 10_000)),
        "INSTANCE_PATH": str(instance),
        # The built technician app (make run / make test build it from pwa/).
        "PWA_BUILD": os.environ.get("PWA_BUILD", str(ROOT / "pwa" / "build")),
        # The dealer portal's session cookie: never sent cross-site, HTTPS-only when asked.
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        # Where dealers' systems reach this server: signed media links in webhook bodies.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        # Reverse proxies in front that append X-Forwarded-For (0: none, headers ignored).
        "PROXY_HOPS": int(os.environ.get("PROXY_HOPS", 0)),
        # Where photos are derived: "worker" (`flask worker`, the default: a restart loses
        # nothing), "thread" (in the receiving process), "inline" (within the request: tests).
        "MEDIA_PROCESSING": os.environ.get("MEDIA_PROCESSING", "worker"),
        # Webhooks (docs/delivery.md). Seconds before each retry; past the last, dead letter.
        "WEBHOOK_RETRY_SCHEDULE": os.environ.get("WEBHOOK_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE),
        "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
        # How long a worker holds an event it is sending; must exceed the timeout.
        "WEBHOOK_LEASE_SECONDS": float(os.environ.get("WEBHOOK_LEASE_SECONDS", 120)),
        # How long the previous secret still signs after a rotation.
        "WEBHOOK_ROTATION_GRACE_SECONDS": float(
            os.environ.get("WEBHOOK_ROTATION_GRACE_SECONDS", 24 * 3600)
        ),
        # Loopback, private and link-local webhook URLs: only for tests and local development.
        "WEBHOOK_ALLOW_PRIVATE": flag(os.environ.get("WEBHOOK_ALLOW_PRIVATE", "")),
        # The service center's time zone (server/common/zone.py): the dispatch board's day,
        # a report's month, for every dealer alike so their figures add up.
        "SERVICE_TIMEZONE": os.environ.get("SERVICE_TIMEZONE") or None,
        # How long an idle worker sleeps before it looks for work again.
        "WORKER_POLL_SECONDS": float(os.environ.get("WORKER_POLL_SECONDS", 1)),
    }


def normalize_database_url(url: str) -> str:
    """Make plain postgres:// URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


API_SETTINGS = {
    "API_TITLE": "Purifier service API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "openapi.json",
    # /api/docs is the app's own page (server/web/docs.py): Swagger UI from the pinned
    # swagger-ui-bundle package, no CDN, no inline script.
    "API_SPEC_OPTIONS": {
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    },
}
