"""One transaction convention: services flush, the API layer commits (once, here).

Work that must wait until the commit is durable (deriving images for photos a push
just recorded) is queued with `after_commit`; it runs after the commit and never turns
a committed request into an error: a failure there is logged and rolled back. A
rollback drops the queue. Exceptions, each documented where it happens: the chunked
upload's write lease (media/uploads.py), the background media worker, the delivery
worker's claims (delivery/dispatch.py) and a counted password try (auth/service.py) commit
on their own, because another process must see their state before the request ends.
"""

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.extensions import db

log = logging.getLogger(__name__)
QUEUE = "after_commit"


def after_commit(fn) -> None:
    db.session.info.setdefault(QUEUE, []).append(fn)


def commit() -> None:
    db.session.commit()
    for fn in db.session.info.pop(QUEUE, []):
        try:
            fn()
        except Exception:
            db.session.rollback()
            log.exception("work after commit failed; the commit stands")


def done(row):
    """A view's last step: commit, then the row to serialize."""
    commit()
    return row


def _drop_queue(session: Session, previous) -> None:
    if not previous.nested:
        session.info.pop(QUEUE, None)


def install() -> None:
    if not sa.event.contains(Session, "after_soft_rollback", _drop_queue):
        sa.event.listen(Session, "after_soft_rollback", _drop_queue)
