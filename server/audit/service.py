"""Write audit entries in the caller's transaction, so an action and its record commit together."""

from server.audit.models import AuditEntry
from server.common import actor as acting
from server.extensions import db


def record(action: str, entity: str, entity_id=None, data=None, actor=None) -> AuditEntry:
    """Who (the request's user unless `actor` is given) did what to which row."""
    user, address = acting.current()
    actor = actor if actor is not None else user
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        data=data or {},
        address=address,
    )
    db.session.add(entry)
    return entry
