"""Sync endpoints: push, pull, completion rules, and conflicts for admins."""

from flask import current_app, g, jsonify
from flask_smorest import Blueprint

from server.auth.access import requires
from server.auth.models import OFFICE_ROLES
from server.common.paging import paginate
from server.common.schemas import page_of
from server.dealers.models import Dealer
from server.dealers.policy import default_policy
from server.desk.models import Job
from server.errors import ProblemError
from server.extensions import db
from server.sync import conflicts, pull, service
from server.sync import responses as r
from server.sync import schemas as s
from server.sync.models import SyncConflict
from server.sync.rules import completion_rules

bp = Blueprint("sync", __name__, url_prefix="/api/sync", description="Offline sync (protocol v1)")

SYNCERS = ("technician", *OFFICE_ROLES)
# Dealers review their own jobs' evidence: they read (pull, rules) and never push.
READERS = (*SYNCERS, "dealer")


def _built(body: dict):
    """A body already shaped like the documented schema (see responses.py): sent as is."""
    return jsonify(body)


@bp.post("/push")
@requires(*SYNCERS)
@bp.arguments(s.PushSchema)
@bp.response(200, r.PushResponseSchema)
def push(envelope):
    """Apply a device's mutations in order, exactly once; see docs/sync-protocol.md."""
    return _built(service.push(g.user, envelope, current_app.config.get("SYNC_MAX_BATCH", 500)))


@bp.get("/pull")
@requires(*READERS)
@bp.arguments(s.PullQuerySchema, location="query")
@bp.response(200, r.PullResponseSchema)
def pull_changes(args):
    """Changes after `cursor` (none: a full snapshot), scoped to what this user may see."""
    service.check_schema_version(args["schema_version"])
    return _built(pull.pull(g.user, args["cursor"], args["limit"]))


@bp.get("/rules")
@requires(*READERS)
@bp.arguments(s.RulesQuerySchema, location="query")
@bp.response(200, r.RulesResponseSchema)
def rules(args):
    """Completion rules for a dealer's policy (default policy without dealer_id)."""
    if args["dealer_id"] is None:
        return _built(completion_rules(default_policy()))
    dealer = db.session.get(Dealer, args["dealer_id"])
    allowed = dealer is not None and (
        g.user.role in OFFICE_ROLES
        or (g.user.role == "dealer" and dealer.id == g.user.dealer_id)
        or db.session.scalar(
            db.select(Job.id)
            .where(Job.dealer_id == dealer.id, Job.technician_id == g.user.id)
            .limit(1)
        )
    )
    if not allowed:
        raise ProblemError(404, "No such dealer.", slug="not-found")
    return _built(completion_rules(dealer.policy))


@bp.get("/conflicts")
@requires(*OFFICE_ROLES)
@bp.arguments(s.ConflictQuerySchema, location="query")
@bp.response(200, page_of(s.ConflictSchema))
def list_conflicts(args):
    query = conflicts.query(args["status"], args["job_id"])
    return paginate(query, args, SyncConflict.created_at.desc(), SyncConflict.id)


@bp.get("/conflicts/<uuid:conflict_id>")
@requires(*OFFICE_ROLES)
@bp.response(200, s.ConflictSchema)
def get_conflict(conflict_id):
    return conflicts.get(conflict_id)


@bp.post("/conflicts/<uuid:conflict_id>/resolve")
@requires(*OFFICE_ROLES)
@bp.arguments(s.ResolveSchema)
@bp.response(200, s.ConflictSchema)
def resolve_conflict(args, conflict_id):
    """Keep the server's value, take the device's, or set a merged value; audited."""
    row = conflicts.resolve(conflicts.get(conflict_id), args["choice"], args.get("value"), g.user)
    db.session.commit()
    return row
