"""Answering a DingTalk group question in that group: this turn's replies re-addressed to the chat.

A question asked with an @mention in a group arrives with the group's sessionWebhook. The turn
queues its replies to the asking user (bot/turns.py); ``readdress`` then moves the plain ones to
``chat:<conversationId>`` in the same transaction and remembers the webhook, and ``push`` posts
them there (or through ``groupMessages/send`` once the webhook expired). Replies with a file (a
download link) or buttons stay private: a link must not reach the whole group, and a tapped
button in a group would reach the robot without the @mention it needs.
"""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot import clock
from bot.message import coalesce
from storage.models import CacheEntry, OutboxMessage

CHAT_PREFIX = "chat:"               # outbox recipients that are the group a question came from
CHAT_KEY = "dtchat:"                # cache key prefix of a group's latest sessionWebhook
MARGIN = timedelta(seconds=60)


def readdress(session, channel, incoming, replies, since):
    """Move this turn's plain replies to the group; returns how many rows were moved.

    ``since`` (ISO, naive UTC) is when the turn began: older rows for the user are not its own.
    """
    meta = incoming.meta or {}
    cid, url = meta.get("conversation_id") or "", meta.get("session_webhook") or ""
    expires = meta.get("session_webhook_expires") or 0
    public = [r.to_dict() for r in coalesce(replies) if not r.file and not r.buttons]
    if not cid or not public or len(CHAT_KEY + cid) > 128:
        return 0
    if url and expires and url.startswith(f"{channel.oapi}/robot/sendBySession?"):
        until = datetime.fromtimestamp(expires / 1000, timezone.utc).replace(tzinfo=None)
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = insert(CacheEntry).values(key=CHAT_KEY + cid, value=url, expires_at=until)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["key"], set_={"value": stmt.excluded.value, "expires_at": stmt.excluded.expires_at}))
    # the rows this turn queued for the user: newest first, matched on their content
    rows = session.execute(select(OutboxMessage.id, OutboxMessage.payload).where(
        OutboxMessage.channel == channel.name, OutboxMessage.recipient == incoming.user,
        OutboxMessage.status == "pending", OutboxMessage.attempts == 0, OutboxMessage.notice.is_(None),
        OutboxMessage.dedupe_key.is_(None), OutboxMessage.created_at >= datetime.fromisoformat(since))
        .order_by(OutboxMessage.id.desc())).all()
    moved, wanted = [], list(public)
    for row_id, payload in rows:
        if payload in wanted:
            wanted.remove(payload)
            moved.append(row_id)
    if moved:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(moved))
                        .values(recipient=CHAT_PREFIX + cid).execution_options(synchronize_session=False))
    return len(moved)


def push(channel, recipient, payload, robot_body, openapi_message):
    """Post one reply into the group: its sessionWebhook while valid, else groupMessages/send."""
    cid = recipient[len(CHAT_PREFIX):]
    with channel.bot.db.session() as session:
        entry = session.get(CacheEntry, CHAT_KEY + cid)
        url = entry.value if entry is not None and entry.expires_at - MARGIN > clock.real_utcnow() else None
    if url:
        channel.api.session_send(url, robot_body(payload, buttons=False))
    else:
        channel.api.group_send(cid, *openapi_message(payload, file_link=False))
