"""Property-based fuzzing of every inbound parser and webhook route, with valid signatures so the
fuzz reaches the parsers: no 5xx, no traceback, and a refused request changes nothing (both
engines). Also the cases found by hand: JSON nested past Python's recursion limit, ids longer than
their columns (refused with 400 and logged, never clipped)."""
import json
import logging
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels.dingtalk.channel import UnknownSender, parse_robot_message
from bot.channels.wecom.channel import parse_fields
from bot.crypto import dingtalk_sign, parse_xml_fields, wecom_encrypted_field
from bot.errors import DecryptError, Refused
from bot.message import Incoming
from bot.webhook import Inbound
from storage.models import Account, Conversation, InboxEntry, OutboxMessage, Task, WebMessage
from storage.signatures import UsedSignature
from tests.support.wecom import AES_KEY, AGENT, CORP, SECRET, TOKEN, WeComPeer, inner_xml

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
DING_SECRET = "dingtestsecret"
DEEP = 20_000           # nesting far past Python's recursion limit, within the body limit


def state(bot):
    with bot.db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) for model in
                     (InboxEntry, Conversation, OutboxMessage, Task, WebMessage, UsedSignature, Account))


@pytest.fixture
def hostile(make_bot):
    bot = make_bot(wecom_corp_id=CORP, wecom_agent_id=AGENT, wecom_secret=SECRET, wecom_token=TOKEN,
                   wecom_aes_key=AES_KEY, wecom_api_base="http://127.0.0.1:9",
                   dingtalk_app_key="dingtestkey", dingtalk_app_secret=DING_SECRET,
                   dingtalk_api_base="http://127.0.0.1:9", dingtalk_oapi_base="http://127.0.0.1:9")
    return bot, create_app(bot.config, bot=bot).test_client()


def ding_headers():
    ts = str(int(time.time() * 1000))
    return {"timestamp": ts, "sign": dingtalk_sign(DING_SECRET, ts), "Content-Type": "application/json"}


def no_trace(response):
    return response.status_code < 500 and b"Traceback" not in response.data


text = st.text(max_size=200)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                           max_leaves=15)
ROBOT_KEYS = ["msgtype", "msgId", "senderStaffId", "text", "content", "conversationType", "conversationId",
              "sessionWebhook", "sessionWebhookExpiredTime", "senderNick", "conversationTitle"]


def robot_message(**fields):
    data = {"msgtype": "text", "msgId": f"msg{uuid.uuid4().hex}", "senderStaffId": "fuzzer",
            "conversationType": "1", "text": {"content": "帮助"}}
    data.update(fields)
    return data


# -- the webhook routes ------------------------------------------------------------------------------

@FUZZ
@given(body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=1000)))
def test_signed_dingtalk_callbacks_of_any_body(hostile, body):
    bot, client = hostile
    before = state(bot)
    response = client.post("/dingtalk/callback", data=body, headers=ding_headers())
    assert no_trace(response)
    if response.status_code != 200:
        assert state(bot) == before


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(ROBOT_KEYS), json_values, max_size=6))
def test_signed_dingtalk_robot_messages_with_hostile_fields(hostile, fields):
    bot, client = hostile
    before = state(bot)
    response = client.post("/dingtalk/callback", data=json.dumps(robot_message(**fields)), headers=ding_headers())
    assert no_trace(response) and response.status_code in (200, 400, 403)
    if response.status_code != 200:
        assert state(bot) == before


@FUZZ
@given(body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=1000),
                      st.fixed_dictionaries({"user": text}, optional={"text": json_values, "action": json_values,
                                                                     "id": json_values, "file": json_values})
                      .map(lambda v: json.dumps(v).encode())))
def test_try_api_of_any_body(hostile, body):
    bot, client = hostile
    before = state(bot)
    response = client.post("/try/api/messages", data=body, content_type="application/json")
    assert no_trace(response)
    if response.status_code != 200:
        assert state(bot) == before


XML_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200) \
    .map(lambda t: t.replace("]]>", ""))


@FUZZ
@given(user=st.one_of(XML_TEXT, st.integers(120, 400).map(lambda n: "u" * n)),
       msg_type=st.sampled_from(["text", "image", "event", "voice", "location", "link", "file", "x", ""]),
       extra=st.dictionaries(st.sampled_from(["Content", "MsgId", "Event", "EventKey", "TaskId", "MediaId",
                                              "ResponseCode", "FileName", "Recognition", "CreateTime"]),
                             XML_TEXT, max_size=5))
def test_signed_wecom_callbacks_of_any_fields(hostile, user, msg_type, extra):
    bot, client = hostile
    before = state(bot)
    qs, body = WeComPeer().envelope(inner_xml(user, msg_type, **extra))
    response = client.post(f"/wecom/callback?{qs}", data=body, content_type="text/xml")
    assert no_trace(response) and response.status_code in (200, 400)
    if response.status_code != 200:
        assert state(bot) == before


# -- the parsers ------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=st.dictionaries(st.sampled_from(ROBOT_KEYS), json_values, max_size=8))
def test_parse_robot_message_returns_or_refuses(data):
    try:
        incoming = parse_robot_message(data)
    except (UnknownSender, Refused):
        return
    assert isinstance(incoming, Incoming) and 0 < len(incoming.user) <= 128 and len(incoming.message_id) <= 255


@settings(max_examples=300, deadline=None, derandomize=True)
@given(fields=st.dictionaries(st.sampled_from(["FromUserName", "MsgType", "Content", "MsgId", "Event", "EventKey",
                                               "TaskId", "CreateTime", "SelectedItems", "MediaId"]),
                              st.one_of(text, st.lists(st.dictionaries(text, text, max_size=2), max_size=2)),
                              max_size=8))
def test_parse_wecom_fields_returns_or_refuses(fields):
    try:
        incoming = parse_fields(fields)
    except Refused as refused:
        assert refused.status == 400
        return
    assert incoming is None or (isinstance(incoming, Incoming) and len(incoming.user) <= 128
                                and len(incoming.message_id) <= 255)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(body=st.one_of(st.binary(max_size=500), XML_TEXT.map(lambda t: f"<xml><Encrypt>{t}</Encrypt></xml>")))
def test_xml_parsers_raise_only_decrypt_error(body):
    for parse in (parse_xml_fields, wecom_encrypted_field):
        try:
            parse(body)
        except DecryptError:
            pass


@FUZZ
@given(body=st.one_of(json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300)))
def test_the_try_parser_returns_or_refuses(hostile, body):
    bot, _ = hostile
    try:
        [incoming] = bot.channels["web"].parse_callback(Inbound(args={}, headers={}, body=body))
    except Refused as refused:
        assert refused.status == 400
        return
    assert len(incoming.user) <= 128 and len(incoming.message_id) <= 255


# -- found by hand ----------------------------------------------------------------------------------

@pytest.mark.parametrize("body", ["[" * DEEP, '{"a":' * DEEP, '{"msgId": "m", "x": ' + "[" * DEEP + "]" * DEEP + "}"])
def test_json_nested_past_the_recursion_limit_is_a_400(hostile, body, caplog):
    bot, client = hostile
    before = state(bot)
    with caplog.at_level(logging.WARNING, logger="bot.webhook"):
        for path, headers in (("/dingtalk/callback", ding_headers()), ("/try/api/messages", {})):
            response = client.post(path, data=body, headers=headers, content_type="application/json")
            assert response.status_code == 400, path
            assert b"Traceback" not in response.data and "error" in response.get_json()
    assert state(bot) == before
    assert "RecursionError" not in caplog.text


def test_a_wecom_sender_id_longer_than_its_column_is_refused_not_clipped(hostile, caplog):
    bot, client = hostile
    before = state(bot)
    qs, body = WeComPeer().envelope(inner_xml("u" * 129, "text", Content="帮助", MsgId="1"))
    with caplog.at_level(logging.WARNING, logger="bot.webhook"):
        response = client.post(f"/wecom/callback?{qs}", data=body, content_type="text/xml")
    assert response.status_code == 400 and response.get_json() == {"error": "发送人标识过长，请求已拒绝"}
    assert state(bot) == before
    assert "wecom callback refused (400)" in caplog.text and "FromUserName of 129 characters" in caplog.text
    qs, body = WeComPeer().envelope(inner_xml("u" * 128, "text", Content="帮助", MsgId="2"))
    assert client.post(f"/wecom/callback?{qs}", data=body, content_type="text/xml").status_code == 200


def test_a_dingtalk_sender_or_message_id_too_long_is_refused_not_clipped(hostile, caplog):
    bot, client = hostile
    before = state(bot)
    with caplog.at_level(logging.WARNING, logger="bot.webhook"):
        for fields in ({"senderStaffId": "s" * 129}, {"msgId": "m" * 256}):
            response = client.post("/dingtalk/callback", data=json.dumps(robot_message(**fields)),
                                   headers=ding_headers())
            assert response.status_code == 400
            assert response.get_json() == {"error": "发送人或消息标识过长，请求已拒绝"}
    assert state(bot) == before
    assert caplog.text.count("dingtalk callback refused (400)") == 2


def test_a_try_out_user_or_id_too_long_is_refused_not_clipped(hostile):
    bot, client = hostile
    before = state(bot)
    response = client.post("/try/api/messages", json={"user": "u" * 129, "text": "帮助"})
    assert response.status_code == 400 and "user 过长" in response.get_json()["error"]
    response = client.post("/try/api/messages", json={"user": "leader", "text": "帮助", "id": "i" * 200})
    assert response.status_code == 400 and "id 应为" in response.get_json()["error"]
    assert state(bot) == before
    long_user = "u" * 128
    response = client.post("/try/api/messages", json={"user": long_user, "text": "帮助", "id": "i" * 126})
    assert response.status_code == 200
