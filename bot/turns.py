"""One turn, end to end, in one transaction: the duplicate guard, state, handler, outbox, commit.

Every accepted answer is committed before the reply leaves; a retried delivery of the same
message id has no second effect; two concurrent turns of one user become a retry, not a loss.
"""
import copy
import logging
import time

from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot import clock
from bot.errors import UserError
from bot.message import Outgoing
from bot.outbox import enqueue
from storage.models import Account, Conversation, InboxEntry, Person

log = logging.getLogger("bot.turn")

APOLOGY = "抱歉，系统出了点问题，您的上一条消息没有处理成功。请稍后再试，或发送「帮助」。"


class StaleState(Exception):
    """Another turn of the same user committed first; the turn is run again."""


def _dialect(session):
    return session.get_bind().dialect.name


@lru_cache(maxsize=4)
def _statements(dialect):
    """The statements every turn runs, built once per dialect."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    inbox, conv = InboxEntry.__table__, Conversation.__table__
    return {
        "claim": insert(inbox).on_conflict_do_nothing(index_elements=["channel", "message_id"])
                 .returning(inbox.c.id),
        "load": select(conv.c.id, conv.c.state, conv.c.version)
                .where(conv.c.channel == bindparam("channel"), conv.c.user_id == bindparam("user_id")),
        "create": insert(conv).on_conflict_do_nothing(index_elements=["channel", "user_id"]),
        "save": update(conv).where(conv.c.id == bindparam("conv_id"), conv.c.version == bindparam("seen"))
                .values(state=bindparam("state"), version=bindparam("next"), updated_at=bindparam("now")),
    }


def claim_message(session, channel, message_id):
    """Record the message id; False when it was seen before (a retried delivery)."""
    result = session.execute(_statements(_dialect(session))["claim"],
                             {"channel": channel, "message_id": message_id[:255], "received_at": clock.utcnow()})
    return result.first() is not None


class ConversationRow:
    __slots__ = ("id", "state", "version")

    def __init__(self, id, state, version):
        self.id, self.state, self.version = id, state, version


def load_conversation(session, channel, user_id):
    statements = _statements(_dialect(session))
    key = {"channel": channel, "user_id": user_id}
    row = session.execute(statements["load"], key).first()
    if row is None:
        session.execute(statements["create"], dict(key, state={}, version=0, updated_at=clock.utcnow()))
        row = session.execute(statements["load"], key).first()
    return ConversationRow(row.id, row.state, row.version)


def save_conversation(session, conv, state):
    """Write the state once, guarded by the version read at the start of the turn."""
    result = session.execute(_statements(_dialect(session))["save"],
                             {"conv_id": conv.id, "seen": conv.version, "state": state,
                              "next": conv.version + 1, "now": clock.utcnow()})
    if result.rowcount != 1:
        raise StaleState()


def resolve_person(session, channel, user_id):
    return session.scalars(select(Person).join(Account).where(Account.channel == channel,
                                                              Account.external_id == user_id)
                           .options(joinedload(Person.roles))).unique().first()


def handle(bot, incoming):
    """Process one incoming message; returns the replies, or None for a duplicate delivery."""
    started = time.perf_counter()
    for attempt in range(5):
        try:
            replies, handler = _handle_once(bot, incoming)
        except StaleState:
            log.info("stale conversation state for %s/%s, retrying", incoming.channel, incoming.user)
            continue
        if replies is None:
            log.info("turn channel=%s user=%s handler=duplicate ms=%.1f", incoming.channel,
                     incoming.user, (time.perf_counter() - started) * 1000)
            return None
        log.info("turn channel=%s user=%s handler=%s ms=%.1f", incoming.channel, incoming.user,
                 handler, (time.perf_counter() - started) * 1000)
        return replies
    raise RuntimeError("conversation state kept changing under this turn")


def _handle_once(bot, incoming):
    from bot.router import Turn
    channel = bot.channels.get(incoming.channel)
    with bot.db.transaction() as session:
        if incoming.message_id and not claim_message(session, incoming.channel, incoming.message_id):
            return None, "duplicate"
        conv = load_conversation(session, incoming.channel, incoming.user)
        person = resolve_person(session, incoming.channel, incoming.user)
        original = copy.deepcopy(conv.state or {})
        turn = Turn(bot=bot, session=session, incoming=incoming, person=person,
                    state=copy.deepcopy(original))
        savepoint = session.begin_nested()
        try:
            bot.router.dispatch(turn)
            savepoint.commit()
        except UserError as exc:
            savepoint.rollback()
            turn.state, turn.replies = original, [Outgoing(text=str(exc))]
        except Exception:
            log.exception("turn failed: channel=%s user=%s text=%r action=%r", incoming.channel,
                          incoming.user, incoming.text[:200], incoming.action[:200])
            savepoint.rollback()
            turn.state, turn.replies = original, [Outgoing(text=APOLOGY)]
            turn.handler = turn.handler or "error"
        if turn.state != original:
            save_conversation(session, conv, turn.state)
        if channel is not None and channel.replies_via_outbox:
            for reply in turn.replies:
                enqueue(session, incoming.channel, incoming.user, reply,
                        batch_key=None)
            channel.after_turn(session, incoming, turn.replies)
        return turn.replies, turn.handler or "none"
