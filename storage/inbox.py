"""The inbox: one guard row per received message id (a retried delivery finds it and stops), pruned
after the messengers' retry windows.

WeCom retries a callback within seconds, DingTalk within minutes and its signature is good for
an hour; a guard row is kept a day (``KEEP``), then the worker deletes it (``prune``). A WeCom
callback signed longer ago than ``FRESH`` is refused, so a pruned guard never lets an old
captured callback run twice.
"""
from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from storage import clock
from storage.models import InboxEntry

KEEP = timedelta(days=1)
FRESH = timedelta(hours=6)
PRUNE_EVERY = 600.0          # seconds between prunes in the worker
BATCH = 5000                 # rows deleted per statement, so no transaction grows large


def _claim_statement(module):
    table = InboxEntry.__table__
    return (module.insert(table).values(channel=bindparam("channel"), message_id=bindparam("message_id"),
                                        received_at=bindparam("at"))
            .on_conflict_do_nothing(index_elements=["channel", "message_id"]).returning(table.c.id))


_CLAIM = {"postgresql": _claim_statement(postgresql), "sqlite": _claim_statement(sqlite)}


def claim(session, channel, message_id):
    """Record the message id in the caller's transaction; False when it was seen before (a retried
    delivery: the inbox's unique key decides, across processes and machines)."""
    connection = session.connection()
    row = connection.execute(_CLAIM[connection.dialect.name], {
        "channel": channel, "message_id": message_id[:255], "at": clock.of(session).wall_utcnow()}).first()
    return row is not None


def prune(db, keep=KEEP):
    """Delete inbox rows received more than ``keep`` ago; returns how many were deleted."""
    cutoff = db.clock.wall_utcnow() - keep
    deleted = 0
    while True:
        with db.transaction() as session:
            ids = session.scalars(select(InboxEntry.id).where(InboxEntry.received_at < cutoff)
                                  .limit(BATCH)).all()
            if ids:
                session.execute(delete(InboxEntry).where(InboxEntry.id.in_(ids))
                                .execution_options(synchronize_session=False))
        deleted += len(ids)
        if len(ids) < BATCH:
            return deleted


def fresh(timestamp_seconds, now_seconds):
    """True when a callback timestamp (epoch seconds, a string) is within ``FRESH`` of now."""
    text = str(timestamp_seconds or "")
    return text.isascii() and text.isdigit() and len(text) <= 12 and \
        abs(now_seconds - int(text)) <= FRESH.total_seconds()
