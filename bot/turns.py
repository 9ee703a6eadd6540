"""One turn, end to end, in one transaction in the request's thread: the same lane on SQLite and PostgreSQL.

claim the inbox row → load the conversation (``FOR UPDATE`` on PostgreSQL; SQLite's transaction
began with ``BEGIN IMMEDIATE``) → dispatch → save the state with its version guard → add the
outbox and task rows → commit → the caller acknowledges.

Every accepted answer is committed before the reply leaves; a retried delivery of the same
message id has no second effect (the inbox's unique key decides, across processes and machines);
two turns of one user queue on the conversation's lock instead of racing.
"""
import json
import logging
import time

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.errors import UserError
from bot.message import Outgoing, coalesce
from bot.router import Turn
from storage import clock
from storage.models import Account, Conversation, InboxEntry
from storage.outbox import enqueue

log = logging.getLogger("bot.turn")

APOLOGY = "抱歉，系统出了点问题，您的上一条消息没有处理成功。请稍后再试，或发送「帮助」。"


class StaleState(RuntimeError):
    """The conversation changed under a turn that held its lock: a bug, never a retry."""


def _claim_statement(dialect):
    table = InboxEntry.__table__
    values = {"channel": bindparam("channel"), "message_id": bindparam("message_id"),
              "received_at": bindparam("at")}
    module = postgresql if dialect == "postgresql" else sqlite
    return (module.insert(table).values(values)
            .on_conflict_do_nothing(index_elements=["channel", "message_id"])
            .returning(table.c.id))


def _create_statement(dialect):
    table = Conversation.__table__
    module = postgresql if dialect == "postgresql" else sqlite
    return (module.insert(table).values(channel=bindparam("channel"), user_id=bindparam("user_id"),
                                        state=bindparam("state"), version=0, updated_at=bindparam("at"))
            .on_conflict_do_nothing(index_elements=["channel", "user_id"]))


_CONV = Conversation.__table__
_ACCOUNT = Account.__table__
# the conversation, and in the same round trip the id of the Person this account is bound to
_LOAD = (select(_CONV.c.id, _CONV.c.state, _CONV.c.version, _ACCOUNT.c.person_id)
         .select_from(_CONV.outerjoin(_ACCOUNT, (_ACCOUNT.c.channel == _CONV.c.channel)
                                      & (_ACCOUNT.c.external_id == _CONV.c.user_id)))
         .where(_CONV.c.channel == bindparam("channel"), _CONV.c.user_id == bindparam("user_id")))
_LOAD_LOCKED = _LOAD.with_for_update(of=_CONV)
_SAVE = (update(_CONV).where(_CONV.c.id == bindparam("conv_id"), _CONV.c.version == bindparam("seen"))
         .values(state=bindparam("state"), version=bindparam("seen") + 1, updated_at=bindparam("at")))
_STATEMENTS = {}


def _statement(session, name, build):
    """A dialect's statement, built once per process."""
    dialect = session.get_bind().dialect.name
    key = (name, dialect)
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build(dialect)
    return found


def claim_message(session, channel, message_id):
    """Record the message id; False when it was seen before (a retried delivery)."""
    statement = _statement(session, "claim", _claim_statement)
    row = session.connection().execute(statement, {"channel": channel, "message_id": message_id[:255],
                                                   "at": clock.utcnow()}).first()
    return row is not None


class ConversationRow:
    __slots__ = ("id", "state", "version", "person_id")

    def __init__(self, id, state, version, person_id=None):
        self.id, self.state, self.version, self.person_id = id, state or {}, version, person_id

    def working_state(self):
        """A copy of the state for the turn to change (JSON in, JSON out: a round trip is the copy)."""
        return json.loads(json.dumps(self.state))


def load_conversation(session, channel, user_id):
    """The conversation, locked for this turn, made (empty) when the user has none yet."""
    connection = session.connection()
    params = {"channel": channel, "user_id": user_id}
    locked = _LOAD_LOCKED if connection.dialect.name == "postgresql" else _LOAD
    row = connection.execute(locked, params).first()
    if row is None:
        connection.execute(_statement(session, "create", _create_statement),
                           {**params, "state": {}, "at": clock.utcnow()})
        row = connection.execute(locked, params).first()
    return ConversationRow(*row)


def save_conversation(session, conv, state):
    """Write the state once, guarded by the version read at the start of the turn."""
    result = session.connection().execute(_SAVE, {"conv_id": conv.id, "seen": conv.version, "state": state,
                                                  "at": clock.utcnow()})
    if result.rowcount != 1:
        raise StaleState(f"conversation {conv.id} changed under a locked turn")


def handle(bot, incoming):
    """Process one incoming message in its own transaction; returns the replies, or None for a
    duplicate delivery.

    A refused (UserError) or failed handler's writes are rolled back with its transaction; a
    second, short one then records the message id and the answer, and nothing else."""
    started = time.perf_counter()
    try:
        with bot.db.transaction() as session:
            replies, handler = run_turn(bot, session, incoming)
    except _Refused as refused:
        with bot.db.transaction() as session:
            replies, handler = answer_only(bot, session, incoming, refused.replies, refused.handler)
    log_turn(incoming, handler, started)
    return replies


class _Refused(Exception):
    """The handler refused or failed: roll the turn back, then answer."""

    def __init__(self, replies, handler):
        super().__init__(handler)
        self.replies, self.handler = replies, handler


def log_turn(incoming, handler, started):
    log.info("turn channel=%s user=%s handler=%s ms=%.1f", incoming.channel, incoming.user,
             handler, (time.perf_counter() - started) * 1000)


def run_turn(bot, session, incoming):
    """One turn inside the caller's transaction: (replies, handler name); replies is None for a
    duplicate delivery. Raises _Refused when the handler refused or failed."""
    if incoming.message_id and not claim_message(session, incoming.channel, incoming.message_id):
        return None, "duplicate"
    channel = bot.channels.get(incoming.channel)
    if channel is not None:
        channel.prepare(session, incoming)
    conv = load_conversation(session, incoming.channel, incoming.user)
    turn = Turn(bot=bot, session=session, incoming=incoming, state=conv.working_state(),
                person_id=conv.person_id)
    failed = dispatch(bot, turn)
    if failed is not None:
        raise _Refused(*failed)
    if turn.state != conv.state:
        save_conversation(session, conv, turn.state)
    send_replies(bot, session, incoming, turn.replies)
    return turn.replies, turn.handler or "none"


def answer_only(bot, session, incoming, replies, handler):
    """After a refused or failed handler: the duplicate guard and the answer, nothing else."""
    if incoming.message_id and not claim_message(session, incoming.channel, incoming.message_id):
        return None, "duplicate"            # a copy of this message was answered meanwhile
    send_replies(bot, session, incoming, replies)
    return replies, handler


def dispatch(bot, turn):
    """Run the handler: None when it went well, else (replies, handler name) for the answer a
    refused (UserError) or failed handler gives instead. A failure is logged with its traceback."""
    incoming = turn.incoming
    try:
        bot.router.dispatch(turn)
    except UserError as exc:
        return [Outgoing(text=str(exc))], turn.handler or "refused"
    except Exception:
        log.exception("turn failed: channel=%s user=%s text=%r action=%r", incoming.channel,
                      incoming.user, incoming.text[:200], incoming.action[:200])
        return [Outgoing(text=APOLOGY)], turn.handler or "error"
    return None


def send_replies(bot, session, incoming, replies):
    """Queue the replies (channels that answer through the outbox) and let the channel book-keep."""
    channel = bot.channels.get(incoming.channel)
    if channel is not None and channel.replies_via_outbox:
        for reply in coalesce(replies):
            enqueue(session, incoming.channel, channel.reply_recipient(incoming, reply), reply, batch_key=None)
        channel.after_turn(session, incoming, replies)
