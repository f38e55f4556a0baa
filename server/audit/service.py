"""Write audit entries in the caller's transaction, so an action and its record commit together."""

from flask import g, has_request_context, request

from server.audit.models import AuditEntry
from server.extensions import db


def record(action: str, entity: str, entity_id=None, data=None, actor=None) -> AuditEntry:
    if actor is None and has_request_context():
        actor = getattr(g, "user", None)
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        data=data or {},
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
