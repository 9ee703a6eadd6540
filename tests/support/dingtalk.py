"""DingTalk test support: the fake API's fixtures, signed callbacks and helpers."""
import re
import uuid
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from tests.support.clock import clock
from bot.channels.dingtalk.channel import ACTION_MARKER
from bot.crypto import dingtalk_sign
from bot.delivery import Delivery
from bot.tasks import TaskRunner
from storage import people
from storage.models import OutboxMessage, Person, RobotGroup
from tests.fakes.dingtalk import FakeDingTalk


USER = "wanghai"
_LINK = re.compile(r"\[([^\]]*)\]\(dtmd://dingtalkclient/sendMessage\?content=([^)]*)\)")


# -- fixtures and helpers ---------------------------------------------------------------------

@pytest.fixture
def fake():
    with FakeDingTalk() as server:
        yield server


@pytest.fixture
def dbot(make_bot, fake):
    bot = make_bot(dingtalk_app_key=fake.app_key, dingtalk_app_secret=fake.app_secret,
                   dingtalk_robot_code=fake.app_key, dingtalk_api_base=fake.base_url,
                   dingtalk_oapi_base=fake.base_url)
    with bot.db.transaction() as session:
        person = session.scalar(select(Person).where(Person.name == "王海"))
        people.bind(session, person, "dingtalk", USER)
    return bot


@pytest.fixture
def http(dbot):
    return create_app(dbot.config, bot=dbot).test_client()


def now_ms():
    """DingTalk's clock: the real one (a test's fixed decision moment does not move it)."""
    return clock.real_ms()


def advance(fake, seconds):
    """Move the bot's clock and the fake platform's clock together."""
    clock.advance(timedelta(seconds=seconds))
    fake.advance(seconds)


def robot_message(fake, text="帮助", user=USER, *, msgtype="text", group=False, msg_id=None,
                  content=None, session=True, **extra):
    """A robot callback payload as DingTalk sends it (dingtalk.md §1), with a live sessionWebhook."""
    cid = "cidGROUP0001==" if group else f"cid{user}=="
    data = {"msgtype": msgtype, "msgId": msg_id or f"msg{uuid.uuid4().hex}", "createAt": now_ms(),
            "conversationType": "2" if group else "1", "conversationId": cid,
            "senderId": "$:LWCP_v1:$abc", "senderNick": "王海", "senderStaffId": user,
            "senderCorpId": "dingcorp", "chatbotUserId": "$:LWCP_v1:$bot", "robotCode": fake.app_key,
            "isAdmin": False}
    if group:
        data.update(conversationTitle="工会群", isInAtList=True,
                    atUsers=[{"dingtalkId": "$:LWCP_v1:$bot"}])
    if msgtype == "text":
        data["text"] = {"content": text}
    if content is not None:
        data["content"] = content
    if session:
        url, expires = fake.new_session(user_id=None if group else user,
                                        conversation_id=cid if group else None)
        data.update(sessionWebhook=url, sessionWebhookExpiredTime=expires)
    data.update(extra)
    return data


def post(http, data, *, secret=None, timestamp=None, headers=None, app_secret="dingtestsecret"):
    """POST a robot message to the callback, signed as DingTalk signs it (unless ``headers``)."""
    if headers is None:
        ts = str(now_ms() if timestamp is None else timestamp)
        headers = {"timestamp": ts, "sign": dingtalk_sign(secret or app_secret, ts)}
    return http.post("/dingtalk/callback", json=data, headers=headers)


def drain(bot):
    """The worker's round: its tasks (media downloads), then the outbox."""
    TaskRunner(bot).run_all()
    return Delivery(bot).drain()


def outbox(bot, status=None):
    with bot.db.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if status:
            query = query.where(OutboxMessage.status == status)
        return [(row.recipient, row.status, row.payload, row.last_error) for row in session.scalars(query)]


def count(bot, model, **where):
    with bot.db.session() as session:
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return session.scalar(query)


def capture(bot):
    """Record every Incoming the bot handles."""
    seen, original = [], bot.handle

    def handle(incoming):
        seen.append(incoming)
        return original(incoming)
    bot.handle = handle
    return seen


def buttons_in(messages):
    found = []
    for message in messages:
        for label, content in _LINK.findall(message.get("text", "")):
            text = unquote(content)
            assert text.startswith(ACTION_MARKER)
            found.append({"label": label, "action": text[len(ACTION_MARKER):]})
    return found


def add_group(bot, fake, name="工会群", token="rtok", secret="SECabc123"):
    webhook = fake.add_robot(token, secret)
    with bot.db.transaction() as session:
        session.add(RobotGroup(name=name, channel="dingtalk", webhook=webhook, secret=secret,
                               created_at=clock.utcnow()))
