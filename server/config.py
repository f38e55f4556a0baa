"""Settings from environment variables, with embedded defaults."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


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
