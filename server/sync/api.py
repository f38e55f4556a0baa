"""Sync endpoints: push, pull, completion rules, and conflicts for admins."""

from flask import current_app, g, jsonify
from flask_smorest import Blueprint

from server.access import rules as access
from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common import tx
from server.common.paging import paginate
from server.common.schemas import page_of
from server.dealers.models import Dealer
from server.dealers.policy import default_policy
from server.field.completion import completion_rules
from server.sync import conflicts, pull, responses, schemas, service
from server.sync.models import SyncConflict

bp = Blueprint("sync", __name__, url_prefix="/api/sync", description="Offline sync (protocol v1)")

SYNCERS = ("technician", *OFFICE_ROLES)
# Dealers review their own jobs' evidence: they read (pull, rules) and never push.
READERS = (*SYNCERS, "dealer")


def _built(body: dict):
    """A body already shaped like the documented schema (see responses.py): sent as is."""
    return jsonify(body)


@bp.post("/push")
@requires(*SYNCERS)
@bp.arguments(schemas.PushSchema)
@bp.response(200, responses.PushResponseSchema)
def push(envelope):
    """Apply a device's mutations in order, exactly once; see docs/sync-protocol.md."""
    body = service.push(g.user, envelope, current_app.config.get("SYNC_MAX_BATCH", 500))
    tx.commit()
    return _built(body)


@bp.get("/pull")
@requires(*READERS)
@bp.arguments(schemas.PullQuerySchema, location="query")
@bp.response(200, responses.PullResponseSchema)
def pull_changes(args):
    """Changes after `cursor` (none: a full snapshot), scoped to what this user may see."""
    service.check_schema_version(args["schema_version"])
    return _built(pull.pull(g.user, args["cursor"], args["limit"]))


@bp.get("/rules")
@requires(*READERS)
@bp.arguments(schemas.RulesQuerySchema, location="query")
@bp.response(200, responses.RulesResponseSchema)
def rules(args):
    """Completion rules for a dealer's policy (default policy without dealer_id)."""
    if args["dealer_id"] is None:
        return _built(completion_rules(default_policy()))
    return _built(completion_rules(access.get(Dealer, args["dealer_id"], g.user).policy))


@bp.get("/conflicts")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.ConflictQuerySchema, location="query")
@bp.response(200, page_of(schemas.ConflictSchema))
def list_conflicts(args):
    query = conflicts.query(args["status"], args["job_id"])
    return paginate(query, args, SyncConflict.created_at.desc(), SyncConflict.id)


@bp.get("/conflicts/<uuid:conflict_id>")
@requires(*OFFICE_ROLES)
@bp.response(200, schemas.ConflictSchema)
def get_conflict(conflict_id):
    return conflicts.get(conflict_id)


@bp.post("/conflicts/<uuid:conflict_id>/resolve")
@requires(*OFFICE_ROLES)
@bp.arguments(schemas.ResolveSchema)
@bp.response(200, schemas.ConflictSchema)
def resolve_conflict(args, conflict_id):
    """Keep the server's value, take the device's, or set a merged value; audited."""
    row = conflicts.resolve(conflicts.get(conflict_id), args["choice"], args.get("value"), g.user)
    tx.commit()
    return row
