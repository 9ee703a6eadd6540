"""Writing to the outbox: deliveries recorded in the caller's transaction, once per dedupe key."""
from datetime import timedelta

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage import clock
from storage.models import Account, OutboxMessage
from storage.statuses import Delivery


def enqueue(session, channel, recipient, message, *, dedupe_key=None, batch_key=None,
            delay=0.0, notice=None):
    """Add one delivery of ``message`` (an ``Outgoing``: its ``to_dict()`` is stored); with
    ``dedupe_key`` a second enqueue of the same key does nothing.

    Returns True when a row was written.
    """
    now = clock.of(session).utcnow()                            # the moment decided for (--now)
    due = clock.of(session).wall_utcnow() + timedelta(seconds=delay)    # sending happens in real time
    if dedupe_key is None:
        session.connection().execute(_INSERT, {
            "channel": channel, "recipient": recipient, "payload": message.to_dict(), "batch_key": batch_key,
            "notice": notice, "next_attempt_at": due, "created_at": now})
        return True
    values = dict(channel=channel, recipient=recipient, payload=message.to_dict(),
                  dedupe_key=dedupe_key, batch_key=batch_key, notice=notice, status=Delivery.PENDING, attempts=0,
                  next_attempt_at=due, last_error="", created_at=now)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.execute(stmt.returning(OutboxMessage.id)).first() is not None


_INSERT = insert(OutboxMessage.__table__).values(
    {**{name: bindparam(name) for name in ("channel", "recipient", "payload", "batch_key", "notice",
                                           "next_attempt_at", "created_at")},
     "status": Delivery.PENDING, "attempts": 0, "last_error": ""})


def push_to_person(session, person, message, *, dedupe_key=None, batch_key=None, notice=None):
    """Send to every messenger account the person is bound on; returns the number of rows written."""
    written = 0
    for account in session.scalars(select(Account).where(Account.person_id == person.id)):
        key = f"{dedupe_key}|{account.channel}" if dedupe_key else None
        written += enqueue(session, account.channel, account.external_id, message,
                           dedupe_key=key, batch_key=batch_key, notice=notice)
    return written
