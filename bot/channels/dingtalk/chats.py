"""Answering a DingTalk group question in that group: this turn's replies re-addressed to the chat.

A question asked with an @mention in a group arrives with the group's sessionWebhook. The turn
queues its plain replies to ``chat:<conversationId>`` (``recipient``, asked by bot/turn.py) and
remembers the webhook (``remember``) in the same transaction; ``push`` posts them there (or
through ``groupMessages/send`` once the webhook expired). Replies with a file (a
download link) or buttons stay private: a link must not reach the whole group, and a tapped
button in a group would reach the robot without the @mention it needs.
"""
from datetime import datetime, timedelta, timezone

CHAT_PREFIX = "chat:"               # outbox recipients that are the group a question came from
CHAT_KEY = "dtchat:"                # cache key prefix of a group's latest sessionWebhook
MARGIN = timedelta(seconds=60)


def recipient(incoming, reply):
    """Where a reply to a group question goes: the group for plain text, the asker otherwise."""
    meta = incoming.meta or {}
    cid = meta.get("conversation_id") or ""
    if meta.get("conversation_type") != "2" or not cid or reply.file or reply.buttons or len(CHAT_KEY + cid) > 128:
        return incoming.user
    return CHAT_PREFIX + cid


def remember(session, channel, incoming):
    """Keep the group's sessionWebhook (in the turn's transaction) for the replies posted there."""
    meta = incoming.meta or {}
    cid, url = meta.get("conversation_id") or "", meta.get("session_webhook") or ""
    expires = meta.get("session_webhook_expires") or 0
    if not cid or not channel.store.fits(CHAT_KEY + cid) or not (url and expires):
        return
    if not url.startswith(f"{channel.oapi}/robot/sendBySession?"):
        return
    until = datetime.fromtimestamp(expires / 1000, timezone.utc).replace(tzinfo=None)
    channel.store.put_in(session, CHAT_KEY + cid, url, until)


def push(channel, recipient, payload, robot_body, openapi_message):
    """Post one reply into the group: its sessionWebhook while valid, else groupMessages/send."""
    cid = recipient[len(CHAT_PREFIX):]
    url = channel.store.get(CHAT_KEY + cid, MARGIN)
    if url:
        channel.api.session_send(url, robot_body(payload, buttons=False))
    else:
        channel.api.group_send(cid, *openapi_message(payload, file_link=False))
