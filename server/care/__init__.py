"""Customer care: satisfaction surveys, complaints, filter reminders (docs/care.md)."""
