"""One turn, end to end, in one transaction: the duplicate guard, state, handler, outbox, commit.

Every accepted answer is committed before the reply leaves; a retried delivery of the same
message id has no second effect; two concurrent turns of one user become a retry, not a loss.
"""
import copy
import logging
import time

from sqlalchemy import select, update
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


def _insert(session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def claim_message(session, channel, message_id):
    """Record the message id; False when it was seen before (a retried delivery)."""
    stmt = _insert(session)(InboxEntry).values(channel=channel, message_id=message_id[:255],
                                               received_at=clock.utcnow())
    stmt = stmt.on_conflict_do_nothing(index_elements=["channel", "message_id"])
    return session.execute(stmt.returning(InboxEntry.id)).first() is not None


def load_conversation(session, channel, user_id):
    conv = session.scalar(select(Conversation).where(Conversation.channel == channel,
                                                     Conversation.user_id == user_id))
    if conv is None:
        stmt = _insert(session)(Conversation).values(channel=channel, user_id=user_id, state={},
                                                     version=0, updated_at=clock.utcnow())
        session.execute(stmt.on_conflict_do_nothing(index_elements=["channel", "user_id"]))
        conv = session.scalar(select(Conversation).where(Conversation.channel == channel,
                                                         Conversation.user_id == user_id))
    return conv


def save_conversation(session, conv, state):
    """Write the state once, guarded by the version read at the start of the turn."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conv.id, Conversation.version == conv.version)
        .values(state=state, version=conv.version + 1, updated_at=clock.utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise StaleState()


def resolve_person(session, channel, user_id):
    return session.scalar(select(Person).join(Account).where(Account.channel == channel,
                                                             Account.external_id == user_id))


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
