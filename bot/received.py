"""Files users send in a chat: reserved in the turn, downloaded by the worker, the sender told when one never arrives.

Every messenger that sends media by reference (a WeCom media_id, a DingTalk downloadCode) uses
this: the turn attaches the reserved file at once, and the worker's task fills it.
"""
from bot import files
from bot.message import Outgoing
from storage import tasks as task_rows
from storage.outbox import enqueue
from storage.people import resolve_person_id


def owner_of(session, incoming):
    """The sender's person id (None when unbound): the owner of what they send."""
    return resolve_person_id(session, incoming.channel, incoming.user)


def reserve_download(session, incoming, name, task_kind, payload):
    """In the turn: reserve a file for what the sender sent and queue ``task_kind`` to download it
    (``payload`` plus the file's token and the sender); returns the reserved file."""
    stored = files.reserve(session, name, owner_person_id=owner_of(session, incoming))
    task_rows.add(session, task_kind, dict(payload, token=stored.token, user=incoming.user),
              dedupe_key=f"{task_kind}:{stored.token}")
    return stored


def fill_reserved(bot, token, data, *, name=None, content_type=None):
    """The worker's download, committed with the task: the reserved file gets its bytes."""
    def finish(session):
        stored = files.lookup_in(session, token)
        if stored is not None:
            files.fill(bot, stored, data, name=name, content_type=content_type)
    return finish


def tell_not_received(session, channel_name, payload, what="文件"):
    """The download was given up: the sender hears it, once."""
    enqueue(session, channel_name, payload["user"],
            Outgoing(text=f"抱歉，您发送的{what}没能接收成功（可能已过期），请重新发送一次。"),
            dedupe_key=f"{channel_name}.media.failed:{payload['token']}")
