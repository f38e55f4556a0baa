"""Push: apply a device's numbered mutations exactly once, each in its own savepoint."""

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import FlushError

from server.common.models import utcnow
from server.errors import ProblemError
from server.extensions import db
from server.sync.merge import Rejected
from server.sync.models import SyncClient, SyncMutation
from server.sync.mutations import MUTATIONS, OWN_SAVEPOINT, Context, already_created

SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = (1,)


def check_schema_version(version: int) -> None:
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ProblemError(
            400,
            f"schema_version {version} is not supported; use one of "
            f"{list(SUPPORTED_SCHEMA_VERSIONS)}.",
            slug="unsupported-schema-version",
            errors={"schema_version": [f"supported: {list(SUPPORTED_SCHEMA_VERSIONS)}"]},
        )


def _not_yours() -> ProblemError:
    return ProblemError(403, "This client_id belongs to another user.", slug="client-not-yours")


def claim_client(user, client_id, schema_version) -> SyncClient:
    """Register on first push; lock the client row so one push per client runs at a time."""
    # The UPDATE comes first: it takes the row lock (PostgreSQL) or the write lock
    # (SQLite) before anything is read, so a racing retry waits instead of interleaving.
    for _ in range(2):
        touched = db.session.execute(
            sa.update(SyncClient)
            .where(SyncClient.id == client_id, SyncClient.user_id == user.id)
            .values(last_seen_at=utcnow(), schema_version=schema_version)
            .execution_options(synchronize_session=False)
        ).rowcount
        if touched:
            return db.session.get(SyncClient, client_id, populate_existing=True)
        if db.session.get(SyncClient, client_id) is not None:
            raise _not_yours()
        try:
            with db.session.begin_nested():
                db.session.add(
                    SyncClient(id=client_id, user_id=user.id, schema_version=schema_version)
                )
        except IntegrityError:
            continue  # a concurrent first push registered it; lock it on the next turn
        return db.session.get(SyncClient, client_id)
    raise _not_yours()


def _rejected(reason, detail, **extra):
    return {"status": "rejected", "reason": reason, "detail": detail, **extra}


def apply_one(ctx: Context, name: str, raw_args: dict) -> dict:
    if name not in MUTATIONS:
        return _rejected("unknown_mutation", f"No mutation named {name!r}.")
    schema, handler = MUTATIONS[name]
    try:
        args = schema.load(raw_args)
    except ValidationError as exc:
        return _rejected("invalid_args", "The arguments are not valid.", errors=exc.messages)
    ctx.creating = None
    ctx.in_savepoint = name not in OWN_SAVEPOINT
    try:
        if not ctx.in_savepoint:
            return handler(ctx, args)
        with db.session.begin_nested():
            return handler(ctx, args)
    except Rejected as exc:
        return _rejected(exc.reason, exc.detail, **exc.extra)
    except (IntegrityError, DataError, FlushError) as exc:
        try:
            duplicate = already_created(ctx)
        except Rejected as taken:
            return _rejected(taken.reason, taken.detail)
        if duplicate is not None:
            return duplicate
        # A constraint the schema could not see (a foreign key, a check): permanent.
        cause = type(getattr(exc, "orig", exc)).__name__
        return _rejected("constraint", f"The database refused it ({cause}).")


def push(user, envelope: dict, max_batch: int) -> dict:
    check_schema_version(envelope["schema_version"])
    mutations = envelope["mutations"]
    if len(mutations) > max_batch:
        raise ProblemError(
            413,
            f"At most {max_batch} mutations per push; send the rest in another push.",
            slug="batch-too-large",
            errors={"mutations": [f"at most {max_batch}"]},
        )
    client = claim_client(user, envelope["client_id"], envelope["schema_version"])
    last = client.last_mutation_id
    ordered = sorted(mutations, key=lambda m: m["mutation_id"])
    seen = [m["mutation_id"] for m in ordered if m["mutation_id"] <= last]
    replayed = {}
    if seen:
        replayed = {
            r.mutation_id: r
            for r in db.session.scalars(
                sa.select(SyncMutation).where(
                    SyncMutation.client_id == client.id, SyncMutation.mutation_id.in_(seen)
                )
            )
        }
    results, gap, records, jobs = [], None, [], {}
    for m in ordered:
        mid = m["mutation_id"]
        if mid <= last:
            record = replayed.get(mid)
            results.append(
                {
                    "mutation_id": mid,
                    "status": "duplicate",
                    "original": record.result if record is not None else None,
                }
            )
            continue
        if mid != last + 1:
            gap = {"expected": last + 1, "received": mid}
            break
        ctx = Context(user=user, client_id=client.id, mutation_id=mid, jobs=jobs)
        result = {"mutation_id": mid, **apply_one(ctx, m["name"], m["args"])}
        records.append(
            {
                "client_id": client.id,
                "mutation_id": mid,
                "name": m["name"][:60],
                "status": result["status"],
                "result": result,
                "client_at": m.get("at"),
                "processed_at": utcnow(),
            }
        )
        replayed[mid] = SyncMutation(result=result)
        results.append(result)
        last = mid
    if records:
        # One multi-row insert, in the same transaction as the work it records.
        db.session.execute(sa.insert(SyncMutation), records)
    client.last_mutation_id = last
    db.session.commit()
    response = {
        "schema_version": SCHEMA_VERSION,
        "client_id": str(client.id),
        "last_mutation_id": last,
        "results": results,
    }
    if gap is not None:
        response["gap"] = gap
        response["resume_from"] = last + 1
    return response
