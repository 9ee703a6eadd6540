"""One turn: the ``Turn`` handlers write to, and ``run``, the one lane every message takes, in one
transaction in the request's thread, the same on SQLite and PostgreSQL.

claim the inbox row → load the conversation (``FOR UPDATE`` on PostgreSQL; SQLite's transaction
began with ``BEGIN IMMEDIATE``) → dispatch → save the state with its version guard → add the
outbox and task rows → commit → the caller acknowledges.

Every accepted answer is committed before the reply leaves; a retried delivery of the same
message id has no second effect (the inbox's unique key decides, across processes and machines);
two turns of one user queue on the conversation's lock instead of racing.
"""
import logging
import time
import uuid

from bot.errors import UserError
from bot.message import Button, Outgoing, coalesce
from handlers.services.context import Context
from storage import conversations, inbox
from storage.actor import Actor
from storage.outbox import enqueue, push_to_person
from storage.people import resolve_person, resolve_person_id

log = logging.getLogger("bot.turn")

APOLOGY = "抱歉，系统出了点问题，您的上一条消息没有处理成功。请稍后再试，或发送「帮助」。"


class Turn:
    """Everything one turn needs: the message, who sent it, their state, and the replies.

    ``person`` (the sender's Person, or None when unbound) is read from storage on first use:
    most form answers need only ``person_id``.
    """
    _UNREAD = object()

    def __init__(self, bot, session, incoming, person=_UNREAD, state=None, person_id=_UNREAD, actor=None):
        self.bot, self.session, self.incoming = bot, session, incoming
        self._person = person
        self._person_id = person.id if person is not None and person is not Turn._UNREAD else person
        if person_id is not Turn._UNREAD:       # read with the conversation (storage/conversations.py)
            self._person_id = person_id
        self.state = {} if state is None else state
        self.replies, self.handler, self.args = [], "", ""
        self.stack = None                       # the flow stack, set by the router for this turn
        self._key = None
        self._actor = actor
        self._ctx = None

    @property
    def person(self):
        if self._person is Turn._UNREAD:
            self._person = resolve_person(self.session, self.incoming.channel, self.incoming.user)
            self._person_id = self._person.id if self._person is not None else None
        return self._person

    @property
    def person_id(self):
        if self._person_id is Turn._UNREAD:
            self._person_id = resolve_person_id(self.session, self.incoming.channel, self.incoming.user)
        return self._person_id

    @property
    def key(self):
        """This turn's unique name: what it queues (tasks, documents) is keyed on it, once per message."""
        if self._key is None:
            incoming = self.incoming
            self._key = f"{incoming.channel}:{incoming.user}:{incoming.message_id or uuid.uuid4().hex}"
        return self._key

    @property
    def actor(self):
        """Who acts in this turn (storage/actor.py), for the policy, the services and the audit."""
        if self._actor is None:
            self._actor = Actor.of_person(self.person, self.incoming.channel, self.key)
        return self._actor

    @property
    def ctx(self):
        """The services' context for this turn (handlers/services/context.py)."""
        if self._ctx is None:
            self._ctx = Context(self.session, self.actor, self.clock, self.bot.config)
        return self._ctx

    @property
    def clock(self):
        return self.bot.clock

    @property
    def text(self):
        return self.incoming.text.strip()

    @property
    def roles(self):
        return self.actor.roles

    @property
    def config(self):
        return self.bot.config

    def reply(self, text, buttons=(), *, file=None, markdown=False, title=""):
        buttons = [b if isinstance(b, Button) else Button(*b) for b in buttons]
        self.replies.append(Outgoing(text=text, buttons=buttons, file=file, markdown=markdown, title=title))

    def push(self, person, message, *, dedupe_key=None):
        """Send to another person on every channel they are bound on (through the outbox)."""
        return push_to_person(self.session, person, message, dedupe_key=dedupe_key)


def run(bot, incoming):
    """Process one incoming message in its own transaction; returns the replies, or None for a
    duplicate delivery.

    A refused (UserError) or failed handler's writes are rolled back with its transaction; a
    second, short one then records the message id and the answer, and nothing else."""
    started = time.perf_counter()
    try:
        with bot.db.transaction() as session:
            replies, handler = _turn(bot, session, incoming)
    except _Refused as refused:
        with bot.db.transaction() as session:
            replies, handler = _answer_only(bot, session, incoming, refused.replies, refused.handler)
    _log_turn(incoming, handler, started)
    return replies


class _Refused(Exception):
    """The handler refused or failed: roll the turn back, then answer."""

    def __init__(self, replies, handler):
        super().__init__(handler)
        self.replies, self.handler = replies, handler


def _log_turn(incoming, handler, started):
    log.info("turn channel=%s user=%s handler=%s ms=%.1f", incoming.channel, incoming.user,
             handler, (time.perf_counter() - started) * 1000)


def _turn(bot, session, incoming):
    """One turn inside the caller's transaction: (replies, handler name); replies is None for a
    duplicate delivery. Raises _Refused when the handler refused or failed."""
    if incoming.message_id and not inbox.claim(session, incoming.channel, incoming.message_id):
        return None, "duplicate"
    channel = bot.channels.get(incoming.channel)
    if channel is not None:
        channel.prepare(session, incoming)
    conv = conversations.load(session, incoming.channel, incoming.user)
    turn = Turn(bot=bot, session=session, incoming=incoming, state=conv.working_state(),
                person_id=conv.person_id)
    turn._actor = conv.actor(incoming.channel, turn.key)
    failed = _run_handler(bot, turn)
    if failed is not None:
        raise _Refused(*failed)
    if turn.state != conv.state:
        conversations.save(session, conv, turn.state)
    _queue_replies(bot, session, incoming, turn.replies)
    return turn.replies, turn.handler or "none"


def _answer_only(bot, session, incoming, replies, handler):
    """After a refused or failed handler: the duplicate guard and the answer, nothing else."""
    if incoming.message_id and not inbox.claim(session, incoming.channel, incoming.message_id):
        return None, "duplicate"            # a copy of this message was answered meanwhile
    _queue_replies(bot, session, incoming, replies)
    return replies, handler


def _run_handler(bot, turn):
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


def _queue_replies(bot, session, incoming, replies):
    """Queue the replies (channels that answer through the outbox) and let the channel book-keep."""
    channel = bot.channels.get(incoming.channel)
    if channel is not None and channel.replies_via_outbox:
        for reply in coalesce(replies):
            enqueue(session, incoming.channel, channel.reply_recipient(incoming, reply), reply, batch_key=None)
        channel.after_turn(session, incoming, replies)
