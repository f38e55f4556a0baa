"""Delivery of events to the dealers' systems: the transactional outbox, webhook endpoints,
and the background worker that signs and sends them (docs/delivery.md)."""

from server.delivery.outbox import enqueue

__all__ = ["enqueue"]
