"""The delivery settings, read from the app's configuration in one place.

Infrastructure, like the media root: services take a `DeliverySettings` as an argument
and never read Flask's configuration themselves.
"""

from dataclasses import dataclass

from flask import current_app

from server.config import DEFAULT_RETRY_SCHEDULE, flag


@dataclass(frozen=True)
class DeliverySettings:
    retry_schedule: tuple[float, ...]
    timeout: float
    lease: float
    allow_private: bool
    rotation_grace: float
    poll: float


def parse_schedule(text: str) -> tuple[float, ...]:
    """'5, 300, 1800' → (5.0, 300.0, 1800.0); an empty text means no retries."""
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ValueError(f"WEBHOOK_RETRY_SCHEDULE: not comma-separated seconds: {text!r}") from exc
    if any(delay < 0 for delay in delays):
        raise ValueError("WEBHOOK_RETRY_SCHEDULE: a delay cannot be negative")
    return delays


def from_config(config) -> DeliverySettings:
    settings = DeliverySettings(
        retry_schedule=parse_schedule(
            str(config.get("WEBHOOK_RETRY_SCHEDULE", DEFAULT_RETRY_SCHEDULE))
        ),
        timeout=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
        lease=float(config.get("WEBHOOK_LEASE_SECONDS", 120)),
        allow_private=flag(config.get("WEBHOOK_ALLOW_PRIVATE", False)),
        rotation_grace=float(config.get("WEBHOOK_ROTATION_GRACE_SECONDS", 24 * 3600)),
        poll=float(config.get("WORKER_POLL_SECONDS", 1)),
    )
    if settings.lease <= settings.timeout:
        # A lease that ends while its attempt may still be waiting for an answer would let
        # a second worker send the same event at the same time.
        raise ValueError("WEBHOOK_LEASE_SECONDS must be longer than WEBHOOK_TIMEOUT_SECONDS")
    return settings


def current() -> DeliverySettings:
    return from_config(current_app.config)
