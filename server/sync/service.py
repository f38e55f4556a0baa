"""Push: apply a device's numbered mutations exactly once, a refusal undoing only its own."""

import uuid

import sqlalchemy as sa
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import FlushError

from server.common import tx
from server.common.models import utcnow
from server.exceptions import BadRequest, Busy, Conflict, Forbidden, Invalid, TooLarge
from server.extensions import db
from server.field import fees
from server.field.models import Visit
from server.media import processing
from server.sync import bulk, fastpath
from server.sync.context import Context, FlushFirst, already_created, lock_jobs
from server.sync.held import Rejected
from server.sync.models import SyncClient, SyncMutation
from server.sync.mutations import MUTATIONS

SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = (1,)
# The idempotency record's columns, in the order push() builds its rows.
RECORD_COLUMNS = (
    "client_id",
    "mutation_id",
    "name",
    "status",
    "result",
    "client_at",
    "processed_at",
)


def check_schema_version(version: int) -> None:
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise BadRequest(
            f"schema_version {version} is not supported; use one of "
            f"{list(SUPPORTED_SCHEMA_VERSIONS)}.",
            slug="unsupported-schema-version",
            errors={"schema_version": [f"supported: {list(SUPPORTED_SCHEMA_VERSIONS)}"]},
        )


def _not_yours() -> Forbidden:
    return Forbidden("This client_id belongs to another user.", slug="client-not-yours")


def claim_client(user, client_id, schema_version) -> int:
    """Register on first push; lock the client row so one push per client runs at a time.

    Returns the client's last applied mutation id. Core statements on the session's
    connection: the ORM's bulk-update machinery cost more than the UPDATE itself.
    """
    # The UPDATE comes first: it takes the row lock (PostgreSQL) or the write lock
    # (SQLite) before anything is read, so a racing retry waits instead of interleaving.
    clients = SyncClient.__table__
    claim = (
        clients.update()
        .where(clients.c.id == client_id, clients.c.user_id == user.id)
        .values(last_seen_at=utcnow(), schema_version=schema_version)
        .returning(clients.c.last_mutation_id)
    )
    for _ in range(3):
        last = db.session.connection().execute(claim).scalar()
        if last is not None:
            return last
        owner = db.session.scalar(sa.select(clients.c.user_id).where(clients.c.id == client_id))
        if owner is not None:
            if owner != user.id:
                raise _not_yours()
            continue  # registered by a concurrent first push a moment ago: lock it now
        try:
            with db.session.begin_nested():
                db.session.add(
                    SyncClient(id=client_id, user_id=user.id, schema_version=schema_version)
                )
        except IntegrityError:
            continue  # a concurrent first push registered it; lock it on the next turn
        return 0
    raise Busy("The device is being registered; retry.", retry_after=1)


def _advance(client_id, last: int) -> None:
    clients = SyncClient.__table__
    db.session.connection().execute(
        clients.update().where(clients.c.id == client_id).values(last_mutation_id=last)
    )


def _rejected(reason, detail, **extra):
    return {"status": "rejected", "reason": reason, "detail": detail, **extra}


def apply_one(ctx: Context, name: str, raw_args: dict) -> dict:
    if name not in MUTATIONS:
        return _rejected("unknown_mutation", f"No mutation named {name!r}.")
    mutation = MUTATIONS[name]
    try:
        args = mutation.load(raw_args)
    except ValidationError as exc:
        return _rejected("invalid_args", "The arguments are not valid.", errors=exc.messages)
    ctx.creating = None
    ctx.in_savepoint = not mutation.own_savepoint
    try:
        if not ctx.in_savepoint:
            return mutation.run(ctx, args)
        with db.session.begin_nested():
            return mutation.run(ctx, args)
    except Rejected as exc:
        return _rejected(exc.reason, exc.detail, **exc.extra)
    except Invalid as exc:
        # The field service's refusals, as per-mutation answers (docs/sync-protocol.md §2).
        if exc.slug == "incomplete":
            return _rejected("incomplete", exc.detail, **exc.extra)
        # A fee rule answers by its own name (the device says which rule, not "invalid").
        reason = exc.slug.replace("-", "_") if exc.slug in fees.REFUSALS else "invalid_args"
        return _rejected(reason, exc.detail, errors=exc.errors)
    except (Conflict, Forbidden) as exc:
        return _rejected(exc.slug.replace("-", "_"), exc.detail)
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


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _jobs_named(mutations) -> set:
    """The jobs a batch names (directly, or through a visit), to lock before applying it."""
    jobs, visits = set(), set()
    for m in mutations:
        args = m["args"] if isinstance(m["args"], dict) else {}
        if (job_id := _uuid(args.get("job_id"))) is not None:
            jobs.add(job_id)
        elif m["name"] == "update_visit" and (visit_id := _uuid(args.get("id"))) is not None:
            visits.add(visit_id)
    if visits:
        jobs |= set(db.session.scalars(sa.select(Visit.job_id).where(Visit.id.in_(visits))))
    return jobs


def push(user, envelope: dict, max_batch: int) -> dict:
    try:
        return _push(user, envelope, max_batch, fastpath.enabled())
    except fastpath.Redo:
        # The database refused something in the pipeline: start again, each mutation
        # written on its own, so only the refused one is rejected.
        db.session.rollback()
        return _push(user, envelope, max_batch, False)


def _push(user, envelope: dict, max_batch: int, pipelined: bool) -> dict:
    check_schema_version(envelope["schema_version"])
    mutations = envelope["mutations"]
    if len(mutations) > max_batch:
        raise TooLarge(
            f"At most {max_batch} mutations per push; send the rest in another push.",
            slug="batch-too-large",
            errors={"mutations": [f"at most {max_batch}"]},
        )
    client_id = envelope["client_id"]
    last = first = claim_client(user, client_id, envelope["schema_version"])
    ordered = sorted(mutations, key=lambda m: m["mutation_id"])
    seen = [m["mutation_id"] for m in ordered if m["mutation_id"] <= last]
    # mutation_id -> its recorded result (plain dicts: no ORM object per mutation).
    replayed = {}
    if seen:
        replayed = dict(
            db.session.execute(
                sa.select(SyncMutation.mutation_id, SyncMutation.result).where(
                    SyncMutation.client_id == client_id, SyncMutation.mutation_id.in_(seen)
                )
            ).all()
        )
    results, gap, done, jobs, photos = [], None, [], {}, []
    lock_jobs(user, jobs, _jobs_named(m for m in ordered if m["mutation_id"] > last))
    queue = [] if pipelined else None
    for m in ordered:
        mid = m["mutation_id"]
        if mid <= last:
            results.append(
                {"mutation_id": mid, "status": "duplicate", "original": replayed.get(mid)}
            )
            continue
        if mid != last + 1:
            gap = {"expected": last + 1, "received": mid}
            break
        if queue and not (m["name"] in MUTATIONS and MUTATIONS[m["name"]].own_savepoint):
            fastpath.drain(queue)  # keep the order of effects: queued inserts go first
        ctx = Context(
            user=user,
            client_id=client_id,
            mutation_id=mid,
            jobs=jobs,
            queue=queue,
            photos=photos,
        )
        try:
            outcome = apply_one(ctx, m["name"], m["args"])
        except FlushFirst:
            fastpath.drain(queue)
            outcome = apply_one(ctx, m["name"], m["args"])
        # A queued result is filled in when its insert is written (fastpath.drain).
        result = outcome if outcome["status"] == "queued" else {"mutation_id": mid, **outcome}
        done.append((m, result))
        replayed[mid] = result
        results.append(result)
        last = mid
    if queue:
        fastpath.drain(queue)
    if done:
        # In the same transaction as the work it records; COPY on PostgreSQL (sync/bulk.py).
        now = utcnow()
        rows = [
            (client_id, r["mutation_id"], m["name"][:60], r["status"], r, m.get("at"), now)
            for m, r in done
        ]
        bulk.insert_rows(db.session, SyncMutation.__table__, RECORD_COLUMNS, rows)
    if last != first:
        _advance(client_id, last)
    db.session.flush()
    if photos:
        # A missed re-derive leaves a photo at the general size; it loses no evidence.
        tx.after_commit(lambda: processing.photos_recorded(photos))
    response = {
        "schema_version": SCHEMA_VERSION,
        "client_id": str(client_id),
        "last_mutation_id": last,
        "results": results,
    }
    if gap is not None:
        response["gap"] = gap
        response["resume_from"] = last + 1
    return response
