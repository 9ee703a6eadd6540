"""The worker's side of the outbox: claiming due rows, and marking them sent, postponed, retried or failed.

The statements are built once (an expanding ``ids`` parameter), since the worker runs them for
every send. ``storage/outbox.py`` writes the rows; these functions move them through their states:
pending → sending (a claim with a short lease) → sent | pending again | failed | expired (a
time-bound notice whose moment passed before it could go out). A failed row can be sent again
(``resend``): it is pending once more, its dedupe key unchanged.
"""
from sqlalchemy import bindparam, func, select, update

from storage.models import OutboxMessage
from storage.statuses import Delivery as D

_outbox = OutboxMessage.__table__
_c = _outbox.c
_IDS = _c.id.in_(bindparam("ids", expanding=True))
_WAITING = (D.PENDING, D.SENDING)

_SENT = update(_outbox).where(_IDS).values(status=D.SENT, sent_at=bindparam("at"), last_error="",
                                              api_messages=bindparam("messages"))
_LATER = update(_outbox).where(_IDS).values(status=D.PENDING, next_attempt_at=bindparam("until"))
_FAILED = update(_outbox).where(_IDS).values(status=D.FAILED, last_error=bindparam("error"))
_EXPIRED = update(_outbox).where(_IDS).values(status=D.EXPIRED, last_error=bindparam("error"))
_RETRY = update(_outbox).where(_IDS).values(status=D.PENDING, next_attempt_at=bindparam("until"),
                                               last_error=bindparam("error"),
                                               failing_since=func.coalesce(_c.failing_since, bindparam("now")))
_BEHIND = (update(_outbox).where(_c.status.in_(_WAITING), _c.failing_since.is_(None), _c.channel == bindparam("in_channel"),
                                 _c.recipient.in_(bindparam("in_recipients", expanding=True)))
           .values(failing_since=bindparam("now")))
# a claimed row put back without counting the try; a renewal: only rows still claimed
_POSTPONE = (update(_outbox).where(_IDS, _c.status == D.SENDING)
             .values(status=D.PENDING, attempts=_c.attempts - 1, next_attempt_at=bindparam("until")))
_RENEW = update(_outbox).where(_IDS, _c.status == D.SENDING).values(next_attempt_at=bindparam("until"))
_CLAIM = (update(_outbox).where(_IDS)
          .values(status=D.SENDING, attempts=_c.attempts + 1, next_attempt_at=bindparam("until")))
_CLAIMED = (select(_c.id, _c.channel, _c.recipient, _c.payload, _c.batch_key, _c.attempts, _c.dedupe_key,
                   _c.notice, _c.failing_since).where(_IDS).order_by(_c.id))
_ANY_DUE = select(_c.id).where(_c.status.in_(_WAITING), _c.next_attempt_at <= bindparam("now")).limit(1)
_PENDING = select(func.count()).select_from(_outbox).where(_c.status.in_(_WAITING))


def any_due(session, now):
    """Whether a row is due at ``now``: a read, so an idle worker's poll takes no lock."""
    return session.execute(_ANY_DUE, {"now": now}).first() is not None


def due(session, now, limit, lock):
    """(id, channel, recipient, batch_key) of up to ``limit`` rows due at ``now``, in id order;
    with ``lock`` (PostgreSQL) they are locked, skipping rows another worker holds."""
    query = (select(_c.id, _c.channel, _c.recipient, _c.batch_key)
             .where(_c.status.in_(_WAITING), _c.next_attempt_at <= now).order_by(_c.id).limit(limit))
    if lock:
        query = query.with_for_update(skip_locked=True)
    return session.execute(query).all()


def first_waiting(session, recipients, now):
    """{(channel, recipient): the first id of a single row not due yet}, for these recipients."""
    found = session.execute(
        select(_c.channel, _c.recipient, func.min(_c.id))
        .where(_c.status.in_(_WAITING), _c.next_attempt_at > now, _c.batch_key.is_(None),
               _c.recipient.in_(sorted(recipients)))
        .group_by(_c.channel, _c.recipient)).all()
    return {(c, r): first for c, r, first in found}


def claim(session, ids, until):
    """Mark these rows ``sending`` until ``until`` (counting a try) and return them as dicts, in id order."""
    connection = session.connection()
    connection.execute(_CLAIM, {"ids": ids, "until": until})
    return [row._asdict() for row in connection.execute(_CLAIMED, {"ids": ids})]


def recent(session, channel, recipients, since):
    """{recipient: (API messages sent since ``since``, the last sending)} on ``channel``."""
    rows = session.execute(
        select(_c.recipient, func.sum(_c.api_messages), func.max(_c.sent_at))
        .where(_c.channel == channel, _c.status == D.SENT, _c.sent_at > since,
               _c.recipient.in_(list(recipients)))
        .group_by(_c.recipient))
    return {recipient: (int(n or 0), last) for recipient, n, last in rows}


def pending(session):
    """How many rows wait to be sent (pending or claimed)."""
    return session.execute(_PENDING).scalar()


def sent(session, ids, at, messages):
    """These rows went out at ``at``; ``messages`` API messages are counted on each (for the limits)."""
    session.connection().execute(_SENT, {"ids": ids, "at": at, "messages": messages})


def later(session, ids, until):
    session.connection().execute(_LATER, {"ids": ids, "until": until})


def retry(session, ids, until, error, now, channel, recipients):
    """Due again at ``until`` after a transient failure; the first failure's moment is kept. The
    rows waiting behind them for the same recipients are failing since now too (they cannot go
    first: one recipient's messages keep their order), so a backlog shares one retry horizon."""
    connection = session.connection()
    connection.execute(_RETRY, {"ids": ids, "until": until, "error": error, "now": now})
    connection.execute(_BEHIND, {"now": now, "in_channel": channel, "in_recipients": sorted(recipients)})


def failed(session, ids, error):
    """Given up (an invalid recipient, a permanent error, the retry horizon passed, no such
    channel), with the reason."""
    session.connection().execute(_FAILED, {"ids": ids, "error": error})


def expired(session, ids, error):
    """Not sent: a time-bound message whose moment passed before it could go out."""
    session.connection().execute(_EXPIRED, {"ids": ids, "error": error})


def failed_rows(session, channel=None, limit=100):
    """The failed rows, newest first (id, channel, recipient, notice, created_at, attempts, last_error)."""
    query = (select(_c.id, _c.channel, _c.recipient, _c.notice, _c.created_at, _c.attempts, _c.last_error)
             .where(_c.status == D.FAILED).order_by(_c.id.desc()).limit(limit))
    if channel:
        query = query.where(_c.channel == channel)
    return session.execute(query).all()


def resend(session, ids, now, channel=None):
    """Make failed rows pending again, due at ``now`` with a fresh retry horizon (``ids`` None:
    every failed row, of ``channel`` if given); returns how many. A notice keeps its dedupe key."""
    query = update(_outbox).where(_c.status == D.FAILED)
    if ids is not None:
        query = query.where(_c.id.in_(list(ids)))
    if channel:
        query = query.where(_c.channel == channel)
    result = session.execute(query.values(status=D.PENDING, next_attempt_at=now, failing_since=None,
                                          attempts=0, last_error=""))
    return result.rowcount


def postpone(session, ids, until):
    session.connection().execute(_POSTPONE, {"ids": ids, "until": until})


def renew(session, ids, until):
    session.connection().execute(_RENEW, {"ids": ids, "until": until})
