"""Standard Webhooks signatures (https://www.standardwebhooks.com), made by its own package.

Each attempt is signed afresh: `webhook-id` is the event's id (the same on every retry, so
receivers deduplicate), `webhook-timestamp` the time of this attempt (receivers refuse
old ones, against replays), `webhook-signature` one `v1,<base64 HMAC-SHA256>` per valid
secret, separated by spaces: during a rotation both the new and the previous secret sign,
and a receiver accepts the message when any one matches.
"""

import base64
import binascii
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"
MIN_BYTES, MAX_BYTES = 24, 64  # the Standard Webhooks recommendation for symmetric keys


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_problem(secret: str) -> str | None:
    """Why `secret` is not a usable signing secret, or None when it is."""
    if not secret.startswith(PREFIX):
        return f"must start with {PREFIX} (the Standard Webhooks format)"
    try:
        key = base64.b64decode(secret[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return f"must be {PREFIX} followed by base64"
    if not MIN_BYTES <= len(key) <= MAX_BYTES:
        return f"must hold {MIN_BYTES} to {MAX_BYTES} random bytes"
    return None


def headers(message_id: str, body: str, secrets_: list[str], now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt of one message."""
    signatures = [Webhook(secret).sign(message_id, now, body) for secret in secrets_]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
