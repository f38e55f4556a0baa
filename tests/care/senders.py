"""Senders for tests, loaded by name through CARE_SENDER like a real gateway."""

from typing import ClassVar


class Collecting:
    """Keeps what it was given (class-level: the worker makes its own instance)."""

    sent: ClassVar[list] = []

    def send(self, message) -> None:
        Collecting.sent.append((message.kind, message.phone, message.body))


class Broken:
    def send(self, message) -> None:
        raise ConnectionError("gateway down")
