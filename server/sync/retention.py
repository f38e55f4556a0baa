"""How long sync keeps what it must remember: the change log and the push answers.

Both expire after the longest tombstone retention of any dealer policy (default 90
days; `flask sync prune`, daily). An expired answer loses no guarantee: exactly-once
rests on the client's `last_mutation_id`, so a resent mutation is still answered
`duplicate` and never applied again; only its `original` answer is gone (null).
"""

from datetime import timedelta

import sqlalchemy as sa

from server.common.models import utcnow
from server.dealers.models import Dealer
from server.extensions import db
from server.sync.models import SyncMutation


def retention_days() -> int:
    return max(
        [d.policy["tombstone_retention_days"] for d in db.session.scalars(sa.select(Dealer))]
        or [90]
    )


def prune_answers(now=None) -> int:
    """Drop idempotency records older than the retention; the count dropped."""
    edge = (now or utcnow()) - timedelta(days=retention_days())
    count = db.session.execute(
        sa.delete(SyncMutation).where(SyncMutation.processed_at < edge)
    ).rowcount
    db.session.commit()
    return count
