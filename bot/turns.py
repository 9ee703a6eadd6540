"""One turn, end to end, in one transaction: the duplicate guard, state, handler, outbox, commit.

Every accepted answer is committed before the reply leaves; a retried delivery of the same
message id has no second effect; two concurrent turns of one user become a retry, not a loss.
"""
import copy
import json
import logging
import time

from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from bot import clock
from bot.errors import UserError
from bot.message import Outgoing, coalesce
from bot.outbox import enqueue
from storage import planning
from storage.fast import raw
from storage.models import Account, Person

log = logging.getLogger("bot.turn")

APOLOGY = "抱歉，系统出了点问题，您的上一条消息没有处理成功。请稍后再试，或发送「帮助」。"


class StaleState(Exception):
    """Another turn of the same user committed first; the turn is run again."""


@lru_cache(maxsize=1)
def _person_statement():
    """Built once: building it costs more than running it."""
    return (select(Person).join(Account)
            .where(Account.channel == bindparam("channel"), Account.external_id == bindparam("user_id"))
            .options(joinedload(Person.roles)))


def claim_message(session, channel, message_id):
    """Record the message id; False when it was seen before (a retried delivery)."""
    db = raw(session)
    if session.info.get("plan") is not None and db.execute(_CLAIMED, (channel, message_id[:255])).fetchone():
        return False
    return db.execute(_CLAIM, (channel, message_id[:255], db.when(clock.utcnow())),
                      expect="claim").fetchone() is not None


class ConversationRow:
    __slots__ = ("id", "state", "version", "_text")

    def __init__(self, id, state, version, text=None):
        self.id, self.state, self.version, self._text = id, state, version, text

    def working_state(self):
        """A copy of the state for the turn to change: decoded again from the stored JSON text
        when there is one (several times cheaper than a deep copy), else deep-copied."""
        if self._text is not None:
            return json.loads(self._text) or {}
        return copy.deepcopy(self.state or {})


def read_conversation(session, channel, user_id):
    """The conversation's state and version, or None when the user has none yet."""
    db = raw(session)
    row = db.execute(_LOAD, (channel, user_id)).fetchone()
    if row is None:
        return None
    text = row[1] if isinstance(row[1], str) else None
    return ConversationRow(row[0], db.from_json(row[1]), row[2], text)


def load_conversation(session, channel, user_id):
    """The conversation, made (empty) when the user has none yet."""
    conv = read_conversation(session, channel, user_id)
    if conv is None:
        db = raw(session)
        db.execute(_CREATE, (channel, user_id, db.json({}), db.when(clock.utcnow())))
        conv = read_conversation(session, channel, user_id)
    return conv


def save_conversation(session, conv, state):
    """Write the state once, guarded by the version read at the start of the turn."""
    db = raw(session)
    cursor = db.execute(_SAVE, (db.json(state), conv.version + 1, db.when(clock.utcnow()), conv.id, conv.version),
                        expect="one")
    if cursor.rowcount != 1:
        raise StaleState()


_CLAIM = ("INSERT INTO inbox (channel, message_id, received_at) VALUES (?, ?, ?) "
          "ON CONFLICT (channel, message_id) DO NOTHING RETURNING id")
_CLAIMED = "SELECT 1 FROM inbox WHERE channel = ? AND message_id = ?"
_LOAD = "SELECT id, state, version FROM conversations WHERE channel = ? AND user_id = ?"
_CREATE = ("INSERT INTO conversations (channel, user_id, state, version, updated_at) VALUES (?, ?, ?, 0, ?) "
           "ON CONFLICT (channel, user_id) DO NOTHING")
_SAVE = "UPDATE conversations SET state = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?"
_PERSON_ID = "SELECT person_id FROM accounts WHERE channel = ? AND external_id = ?"


def resolve_person(session, channel, user_id):
    """The Person bound to this messenger account, with roles; None when unbound."""
    return session.scalars(_person_statement(), {"channel": channel, "user_id": user_id}).unique().first()


def resolve_person_id(session, channel, user_id):
    row = raw(session).execute(_PERSON_ID, (channel, user_id)).fetchone()
    return row[0] if row else None


def handle(bot, incoming):
    """Process one incoming message in its own transaction; returns the replies, or None for a
    duplicate delivery."""
    started = time.perf_counter()
    for attempt in range(5):
        try:
            with bot.db.transaction() as session:
                replies, handler = run_turn(bot, session, incoming)
        except StaleState:
            log.info("stale conversation state for %s/%s, retrying", incoming.channel, incoming.user)
            continue
        log_turn(incoming, handler, started)
        return replies
    raise RuntimeError("conversation state kept changing under this turn")


def log_turn(incoming, handler, started):
    log.info("turn channel=%s user=%s handler=%s ms=%.1f", incoming.channel, incoming.user,
             handler, (time.perf_counter() - started) * 1000)


def run_turn(bot, session, incoming):
    """One turn inside the caller's transaction, all of it in one savepoint.

    Returns (replies, handler name); replies is None for a duplicate delivery. A refused or
    failed handler leaves nothing but the duplicate guard and its answer; an error of the
    storage itself (or StaleState) rolls the whole turn back to the savepoint and is raised.
    """
    savepoint = session.begin_nested()
    try:
        result = _turn(bot, session, incoming)
    except _HandlerFailed as failed:
        savepoint.rollback()
        result = _answer_only(bot, session, incoming, failed.replies, failed.handler)
        return result
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


class _HandlerFailed(Exception):
    def __init__(self, replies, handler):
        super().__init__(handler)
        self.replies, self.handler = replies, handler


def _turn(bot, session, incoming):
    from bot.router import Turn
    if incoming.message_id and not claim_message(session, incoming.channel, incoming.message_id):
        return None, "duplicate"
    conv = load_conversation(session, incoming.channel, incoming.user)
    original = conv.state or {}
    turn = Turn(bot=bot, session=session, incoming=incoming, state=conv.working_state())
    failed = dispatch(bot, turn)
    if failed is not None:
        raise _HandlerFailed(*failed)
    if turn.state != original:
        save_conversation(session, conv, turn.state)
    send_replies(bot, session, incoming, turn.replies)
    return turn.replies, turn.handler or "none"


def dispatch(bot, turn):
    """Run the handler: None when it went well, else (replies, handler name) for the answer a
    refused (UserError) or failed handler gives instead. A failure is logged with its traceback,
    except in a turn being planned that was stopped to run under the lock (it shows there)."""
    incoming = turn.incoming
    try:
        bot.router.dispatch(turn)
    except UserError as exc:
        return [Outgoing(text=str(exc))], turn.handler or "refused"
    except (StaleState, planning.NeedsLock):
        raise
    except Exception:
        plan = planning.active()
        if plan is None or not plan.spoiled:
            log.exception("turn failed: channel=%s user=%s text=%r action=%r", incoming.channel,
                          incoming.user, incoming.text[:200], incoming.action[:200])
        return [Outgoing(text=APOLOGY)], turn.handler or "error"
    return None


def _answer_only(bot, session, incoming, replies, handler):
    """After a refused or failed handler: keep the duplicate guard and the answer, nothing else."""
    if incoming.message_id:
        claim_message(session, incoming.channel, incoming.message_id)
    send_replies(bot, session, incoming, replies)
    return replies, handler


def send_replies(bot, session, incoming, replies):
    """Queue the replies (channels that answer through the outbox) and let the channel book-keep."""
    channel = bot.channels.get(incoming.channel)
    if channel is not None and channel.replies_via_outbox:
        for reply in coalesce(replies):
            enqueue(session, incoming.channel, incoming.user, reply, batch_key=None)
        channel.after_turn(session, incoming, replies)
