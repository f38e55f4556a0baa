"""What a push answers besides success: a rejection, or a conflict held for an admin."""

from server.common.schemas import jsonable
from server.extensions import db
from server.sync.models import SyncConflict


class Rejected(Exception):
    """A permanent, per-mutation failure: recorded with its reason, never retried."""

    def __init__(self, reason: str, detail: str, **extra):
        super().__init__(detail)
        self.reason, self.detail, self.extra = reason, detail, extra


def open_conflict(
    ctx, *, entity, entity_id, job_id, field, reason, base, server, client, held_args=None
):
    """An open conflict holding one device's value for an admin.

    Every held value keeps its own row, with its own client and mutation: a conflict is
    reused only when the same device holds the very same value again (a resend under a new
    mutation id), never overwritten by another value or another device's.

    `held_args`: what else the held mutation carried that a resolution needs (a held
    completion's `completed_at`, a held no-show's fee id and visit).
    """
    held = {k: jsonable(v) for k, v in held_args.items()} if held_args else None
    value = jsonable(client)
    for existing in db.session.scalars(
        db.select(SyncConflict).filter_by(
            entity=entity,
            entity_id=entity_id,
            field=field,
            reason=reason,
            user_id=ctx.user.id,
            client_id=ctx.client_id,
            status="open",
        )
    ):
        if existing.client_value == value and existing.held_args == held:
            return existing
    return record_conflict(
        ctx, entity, entity_id, job_id, field, reason, base, server, client, held_args=held
    )


def record_conflict(ctx, entity, entity_id, job_id, field, reason, base, server, client, **kw):
    """A conflict row; `kw` marks one a field policy settled at once (kept for the record)."""
    row = SyncConflict(
        entity=entity,
        entity_id=entity_id,
        job_id=job_id,
        field=field,
        reason=reason,
        base=jsonable(base),
        server_value=jsonable(server),
        client_value=jsonable(client),
        client_id=ctx.client_id,
        mutation_id=ctx.mutation_id,
        user_id=ctx.user.id,
        **kw,
    )
    db.session.add(row)
    return row
