"""Debian's Chromium for browser tests: one instance per test session, shared by all."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# No network here but loopback: keep Chromium from calling home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
