"""Offline sync: idempotent push, field-level merge, conflicts, and a change-log pull."""
