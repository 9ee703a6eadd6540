"""The try-out channel's mailbox: messages pushed to a web identity wait in ``web_messages`` until read."""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import Account, Person, WebMessage


def deliver(session, recipients, payload, keys, now):
    """One row per recipient; ``keys`` (outbox row ids, or None) make a redelivery write nothing twice."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [dict(user_id=user, payload=payload, created_at=now, outbox_id=key) for user, key in zip(recipients, keys)]
    session.execute(insert(WebMessage).values(rows).on_conflict_do_nothing(index_elements=["outbox_id"]))


def take(session, user, now):
    """The unread payloads of ``user``, oldest first, marked read."""
    rows = session.scalars(select(WebMessage).where(WebMessage.user_id == user, WebMessage.read_at.is_(None))
                           .order_by(WebMessage.id)).all()
    for row in rows:
        row.read_at = now
    return [row.payload for row in rows]


def identities(session, channel):
    """(account id, Person) of every account on ``channel``, in the order they were bound."""
    return session.execute(select(Account.external_id, Person).join(Person, Person.id == Account.person_id)
                           .where(Account.channel == channel).order_by(Account.id)).all()
