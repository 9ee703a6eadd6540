"""WeCom test support: the WeCom peer (wechatpy), the fake API's fixtures, the driver and helpers."""
import base64
import time
import uuid
from datetime import timedelta
from urllib.parse import quote
from xml.sax.saxutils import escape

import pytest
from sqlalchemy import func, select
from wechatpy.enterprise.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.app import create_app
from tests.support.clock import clock
from bot.channels.wecom.channel import LABEL_MARK
from bot.crypto import parse_xml_fields
from bot.delivery import Delivery
from storage.outbox import enqueue
from storage.models import OutboxMessage, Person
from storage.people import bind
from tests.fakes.wecom import FakeWeCom


CORP = "wwtestcorp"
SECRET = "test-secret"
AGENT = "1000002"
TOKEN = "wecomToken123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
USER = "wanghai"

# official vector A (shared/protocols/wecom.md §2.5)
A_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
A_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
A_CORP = "ww1436e0e65a779aee"
A_TS, A_NONCE = "1476416373", "47744683"
A_SIG = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
A_ECHO = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="


# ================================================================== the platform side

def inner_xml(user, msg_type, **fields):
    """The plaintext XML WeCom encrypts into a callback (wecom.md §5)."""
    parts = [f"<ToUserName><![CDATA[{CORP}]]></ToUserName>",
             f"<FromUserName><![CDATA[{user}]]></FromUserName>",
             f"<CreateTime>{fields.pop('CreateTime', int(time.time()))}</CreateTime>",
             f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
             f"<AgentID>{AGENT}</AgentID>"]
    for name, value in fields.items():
        parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"



def action_of(key):
    """A card button's action: its key up to the label it carries (bot/channels/wecom/channel.py)."""
    return key.partition(LABEL_MARK)[0]

class WeComPeer:
    """Encrypts and signs callbacks with wechatpy, the independent implementation."""

    def __init__(self, token=TOKEN, aes_key=AES_KEY, corp_id=CORP):
        self.token, self.aes_key, self.corp_id = token, aes_key, corp_id
        self.crypto = WeChatCrypto(token, aes_key, corp_id)

    def envelope(self, xml):
        """(query string, body) of one POST callback."""
        nonce, ts = uuid.uuid4().hex[:10], str(int(time.time()))
        sealed = parse_xml_fields(self.crypto.encrypt_message(xml, nonce, ts))
        body = (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><AgentID><![CDATA[{AGENT}]]></AgentID>"
                f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
        return query(msg_signature=sealed["MsgSignature"], timestamp=ts, nonce=nonce), body.encode()

    def signed_raw(self, encrypted):
        """A POST whose signature is right for an arbitrary ``Encrypt`` text."""
        nonce, ts = "n123", str(int(time.time()))
        signer = WeChatSigner()
        signer.add_data(self.token, ts, nonce, encrypted)
        body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
        return query(msg_signature=signer.signature, timestamp=ts, nonce=nonce), body

    def echostr(self, text):
        key = base64.b64decode(self.aes_key + "=")
        echo = PrpCrypto(key).encrypt(text, self.corp_id)
        echo = echo.decode() if isinstance(echo, bytes) else echo
        nonce, ts = "987654", str(int(time.time()))
        signer = WeChatSigner()
        signer.add_data(self.token, ts, nonce, echo)
        return query(msg_signature=signer.signature, timestamp=ts, nonce=nonce, echostr=echo)


def query(**values):
    """Percent-encode every value: a raw '+' would arrive as a space (wecom.md §10.2)."""
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in values.items())


def readable(message):
    """What the user sees of one message/send body."""
    kind = message.get("msgtype")
    content = message.get(kind) or {}
    if kind in ("text", "markdown"):
        return content.get("content", "")
    if kind == "template_card":
        title = content.get("main_title") or {}
        return "\n".join(x for x in (title.get("title"), title.get("desc"), content.get("sub_title_text")) if x)
    return f"[{kind}]"


class WeComDriver:
    """The channel contract's driver (tests/channel_contract.py) for WeCom."""
    channel = "wecom"
    user = USER

    def __init__(self, bot, client, fake, peer=None):
        self.bot, self.client, self.fake = bot, client, fake
        self.peer = peer or WeComPeer()
        self._clicks = 0

    def post(self, xml):
        qs, body = self.peer.envelope(xml)
        res = self.client.post(f"/wecom/callback?{qs}", data=body, content_type="text/xml")
        assert res.status_code == 200, res.get_data(as_text=True)
        assert res.data == b""
        return res

    def send_text(self, user, text, msg_id=None):
        msg_id = msg_id or str(uuid.uuid4().int)[:19]
        return self.post(inner_xml(user, "text", Content=text, MsgId=msg_id))

    def press(self, user, action, task_id=None):
        """Press the button whose action is ``action``: WeCom sends back the button's whole key."""
        task_id, key = (task_id, action) if task_id else self.card_with(user, action)
        code = self.fake.issue_response_code(task_id, [user])
        self._clicks += 1
        xml = inner_xml(user, "event", CreateTime=int(time.time()) + self._clicks,
                        Event="template_card_event", EventKey=escape(key), TaskId=task_id,
                        CardType="button_interaction", ResponseCode=code)
        self.last_click_xml = xml           # what WeCom would send again when it retries
        self.post(xml)
        return code

    def card_with(self, user, action):
        """(task id, button key) of the latest card shown to ``user`` with a button for ``action``."""
        for message in reversed(self.fake.messages_for(user)):
            card = message.get("template_card") or {}
            for button in card.get("button_list", []):
                if action_of(button.get("key", "")) == action:
                    return card["task_id"], button["key"]
        raise AssertionError(f"no card with {action!r} was shown to {user}")

    def task_with(self, user, action):
        return self.card_with(user, action)[0]

    def texts_to(self, user):
        Delivery(self.bot).drain()
        return [readable(m) for m in self.fake.messages_for(user)]

    def buttons_to(self, user):
        Delivery(self.bot).drain()
        return [{"label": b["text"], "action": action_of(b["key"])} for m in self.fake.messages_for(user)
                for b in (m.get("template_card") or {}).get("button_list", [])]


# ================================================================== fixtures

@pytest.fixture
def fake():
    with FakeWeCom(corp_id=CORP, secret=SECRET, agent_id=int(AGENT), users={USER, "sunli"}) as server:
        yield server


@pytest.fixture
def make_wecom_bot(make_bot, fake):
    def factory(**overrides):
        values = dict(wecom_corp_id=CORP, wecom_agent_id=AGENT, wecom_secret=SECRET, wecom_token=TOKEN,
                      wecom_aes_key=AES_KEY, wecom_api_base=fake.base_url)
        values.update(overrides)
        bot = make_bot(**values)
        with bot.db.transaction() as session:
            wang = session.scalar(select(Person).where(Person.name == "王海"))
            bind(session, wang, "wecom", USER)
        return bot
    return factory


@pytest.fixture
def wbot(make_wecom_bot):
    return make_wecom_bot()


@pytest.fixture
def app(wbot):
    return create_app(wbot.config, bot=wbot)


@pytest.fixture
def wx(wbot, app, fake):
    return WeComDriver(wbot, app.test_client(), fake)


def advance(fake, seconds):
    """Move the bot's clock and the fake's clock together."""
    clock.advance(timedelta(seconds=seconds))
    fake.advance(seconds)


def push(bot, recipient, message, **kw):
    with bot.db.transaction() as session:
        enqueue(session, "wecom", recipient, message, **kw)


def statuses(bot):
    with bot.db.session() as session:
        return [row.status for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def count(bot, model, *where):
    with bot.db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))
