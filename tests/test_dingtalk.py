"""The DingTalk channel against the loopback FakeDingTalk: callbacks, replies, pushes, robots, Stream mode."""
import json
import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from bot.actions import INT
from handlers.policy import Do
from tests.support.clock import clock
from bot.channels.dingtalk import stream as dingtalk_stream
from bot.channels.dingtalk.channel import ACTION_MARKER, DingTalkChannel, parse_robot_message
from bot.channels.dingtalk.api import signed_webhook
from bot.crypto import dingtalk_sign
from bot.tasks import TaskRunner
from bot.errors import ChannelError
from bot.message import Outgoing
from storage.outbox import enqueue
from storage.models import CacheEntry, Conversation, InboxEntry, OutboxMessage, StoredFile, Task
from tests.channel_contract import CONTRACT
from tests.support.dingtalk import (  # noqa: F401 (fixtures)
    USER, _LINK, fake, dbot, http, now_ms, advance, robot_message, post, drain, outbox, count, capture,
    buttons_in)
from tests.support.dingtalk import add_group  # noqa: F401


# -- the channel contract -----------------------------------------------------------------------

class DingTalkDriver:
    """Plays DingTalk for tests/channel_contract.py: signed HTTP-mode callbacks, the fake's records."""
    channel = "dingtalk"
    user = USER

    def __init__(self, bot, fake, http):
        self.bot, self.fake, self.http = bot, fake, http

    def send_text(self, user, text, msg_id=None):
        response = post(self.http, robot_message(self.fake, text, user, msg_id=msg_id))
        assert response.status_code == 200 and response.get_json() == {"msgtype": "empty"}

    def press(self, user, action):
        # a dtmd button makes the user's client send "#act <action>" as a normal message
        self.send_text(user, ACTION_MARKER + action)

    def texts_to(self, user):
        drain(self.bot)
        return self.fake.texts_to(user)

    def buttons_to(self, user):
        drain(self.bot)
        return buttons_in(self.fake.messages_to(user))


@pytest.fixture
def driver(dbot, fake, http):
    return DingTalkDriver(dbot, fake, http)


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check, driver):
    check(driver)


# -- signatures ---------------------------------------------------------------------------------

@pytest.mark.parametrize("secret, timestamp, expected, url_form", [
    ("this is secret", "1577262236757", "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=",
     "hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"),
    ("SECabc123", "1700000000000", "N5P09a4+p1AMJIJWnIvQd2Yxw9+fu/oEBnPrjCcsLXk=",
     "N5P09a4%2Bp1AMJIJWnIvQd2Yxw9%2Bfu%2FoEBnPrjCcsLXk%3D"),
])
def test_known_answer_hmac_vectors(secret, timestamp, expected, url_form):
    assert dingtalk_sign(secret, timestamp) == expected
    url = signed_webhook("https://oapi.dingtalk.com/robot/send?access_token=t", secret, int(timestamp))
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp={timestamp}&sign={url_form}"


@pytest.mark.parametrize("case", ["wrong secret", "stale timestamp", "missing headers",
                                  "non-numeric timestamp", "missing sign"])
def test_bad_signatures_are_refused_and_touch_nothing(case, dbot, fake, http):
    data = robot_message(fake, "帮助")
    if case == "wrong secret":
        response = post(http, data, secret="not-the-secret")
    elif case == "stale timestamp":
        response = post(http, data, timestamp=now_ms() - 3_600_001)
    elif case == "missing headers":
        response = post(http, data, headers={})
    elif case == "missing sign":
        response = post(http, data, headers={"timestamp": str(now_ms())})
    else:
        response = post(http, data, headers={"timestamp": "abc", "sign": dingtalk_sign("dingtestsecret", "abc")})
    assert response.status_code == 403
    assert "签名" in response.get_json()["error"]
    assert count(dbot, InboxEntry) == 0
    assert count(dbot, Conversation, channel="dingtalk") == 0
    assert count(dbot, OutboxMessage) == 0


def test_invalid_json_is_400(dbot, http):
    ts = str(now_ms())
    response = http.post("/dingtalk/callback", data=b"{not json",
                         headers={"timestamp": ts, "sign": dingtalk_sign("dingtestsecret", ts),
                                  "Content-Type": "application/json"})
    assert response.status_code == 400
    assert count(dbot, InboxEntry) == 0


def test_sender_without_staff_id_is_ignored_politely(dbot, fake, http):
    data = robot_message(fake, "帮助")
    del data["senderStaffId"]
    response = post(http, data)
    assert response.status_code == 403 and "忽略" in response.get_json()["error"]
    assert count(dbot, InboxEntry) == 0 and count(dbot, OutboxMessage) == 0


# -- receiving and replying ---------------------------------------------------------------------

def test_text_message_is_acked_empty_and_answered_through_the_session_webhook(dbot, fake, http):
    data = robot_message(fake, " 帮助 ")
    response = post(http, data)
    assert response.status_code == 200 and response.get_json() == {"msgtype": "empty"}
    assert fake.session_messages(data["sessionWebhook"]) == []      # replies leave via the outbox
    assert drain(dbot) == 1
    [sent] = fake.session_messages(data["sessionWebhook"])
    assert sent["msgtype"] == "text" and sent["text"]["content"].startswith("王海您好")
    assert fake.batch_sends == [] and fake.token_calls == 0        # the webhook needs no token
    with dbot.db.session() as session:
        entry = session.get(CacheEntry, f"dtsession:{USER}")
        assert entry.value == data["sessionWebhook"]


@pytest.mark.parametrize("how", ["time", "platform"])
def test_expired_session_webhook_falls_back_to_batch_send(how, dbot, fake, http):
    data = robot_message(fake, "我是谁")
    assert post(http, data).status_code == 200
    if how == "time":
        advance(fake, 5400 + 1)
    else:
        fake.expire_session(data["sessionWebhook"])
    assert drain(dbot) == 1
    assert fake.session_messages(data["sessionWebhook"]) == []
    [call] = fake.batch_sends
    assert call["userIds"] == [USER] and call["msgKey"] == "sampleText"
    assert fake.texts_to(USER) == ["您是 王海，中交示范工程局有限公司，角色：领衔人。"]
    if how == "platform":   # a refused webhook is forgotten: the next push goes straight to batchSend
        with dbot.db.session() as session:
            assert session.get(CacheEntry, f"dtsession:{USER}") is None


def test_pushes_to_25_users_use_batch_send_calls_of_at_most_20(dbot, fake):
    users = [f"user{i:02d}" for i in range(25)]
    with dbot.db.transaction() as session:
        for user in users:
            enqueue(session, "dingtalk", user, Outgoing(text="截止日期临近"), batch_key="notice-1")
    assert drain(dbot) == 25
    # the two calls of one notice go out concurrently: their order is not fixed
    assert sorted((len(call["userIds"]) for call in fake.batch_sends), reverse=True) == [20, 5]
    assert all(fake.texts_to(user) == ["截止日期临近"] for user in users)


def test_invalid_and_flow_controlled_users(make_bot, fake):
    fake.users = {"good", "slow"}
    fake.flow_controlled = {"slow"}
    bot = make_bot(dingtalk_app_key=fake.app_key, dingtalk_app_secret=fake.app_secret,
                   dingtalk_api_base=fake.base_url, dingtalk_oapi_base=fake.base_url)
    with bot.db.transaction() as session:
        for user in ("good", "slow", "ghost"):
            enqueue(session, "dingtalk", user, Outgoing(text="通知"), batch_key="n")
    assert drain(bot) == 1
    status = {recipient: state for recipient, state, _, _ in outbox(bot)}
    assert status == {"good": "sent", "slow": "pending", "ghost": "failed"}


def test_replayed_msg_id_has_one_effect(dbot, fake, http):
    data = robot_message(fake, "我是谁", msg_id="msgREPLAY==")
    assert post(http, data).get_json() == {"msgtype": "empty"}
    assert post(http, data).get_json() == {"msgtype": "empty"}
    assert count(dbot, InboxEntry) == 1 and count(dbot, OutboxMessage) == 1
    drain(dbot)
    assert len(fake.session_messages(data["sessionWebhook"])) == 1


def test_picture_rich_text_and_file_become_attachments(dbot, fake, http):
    seen = capture(dbot)
    png = fake.add_file(b"\x89PNG fake picture", "photo.png", "image/png")
    post(http, robot_message(fake, msgtype="picture", content={"downloadCode": png, "pictureDownloadCode": "x"}))
    pic2 = fake.add_file(b"second picture", "p2.jpg", "image/jpeg")
    post(http, robot_message(fake, msgtype="richText", content={"richText": [
        {"text": "成果照片"}, {"type": "picture", "downloadCode": pic2}, {"text": "请查收"}]}))
    doc = fake.add_file(b"PK proof", "证明.docx")
    post(http, robot_message(fake, msgtype="file", content={"downloadCode": doc, "fileName": "证明.docx",
                                                            "fileId": "f1", "spaceId": "s1"}))
    picture, rich, file = seen
    assert picture.kind == "image" and picture.text == ""
    assert rich.kind == "text" and rich.text == "成果照片\n请查收"
    assert file.kind == "file" and file.attachments[0].name == "证明.docx"
    assert fake.requests_to("messageFiles/download") == []    # not inside the callbacks
    TaskRunner(dbot).run_all()                 # the worker downloads what the callbacks reserved
    expected = [(picture, b"\x89PNG fake picture"), (rich, b"second picture"), (file, b"PK proof")]
    with dbot.db.session() as session:
        for incoming, data in expected:
            [attachment] = incoming.attachments
            stored = session.scalar(select(StoredFile).where(StoredFile.token == attachment.ref))
            assert open(stored.path, "rb").read() == data
            assert stored.owner_person_id is not None
    drain(dbot)
    assert "收到文件" in fake.texts_to(USER)[0]


def test_file_that_cannot_be_downloaded_gives_up_at_once_and_is_reported(dbot, fake, http, caplog):
    seen = capture(dbot)
    post(http, robot_message(fake, msgtype="file", content={"downloadCode": "dcUNKNOWN", "fileName": "a.pdf"}))
    [attachment] = seen[0].attachments
    assert attachment.name == "a.pdf"
    with caplog.at_level(logging.INFO, logger="bot.tasks"):
        drain(dbot)                             # DingTalk calls the code invalid: no retry can mend it
        drain(dbot)
    texts = fake.texts_to(USER)
    assert "收到文件" in texts[0] and any("没能接收成功" in t for t in texts)
    assert len(fake.requests_to("messageFiles/download")) == 1
    [line] = [r for r in caplog.records if "dingtalk.media" in r.getMessage()]
    assert line.levelname == "WARNING" and "given up" in line.getMessage() and line.exc_info is None
    with dbot.db.session() as session:
        assert session.scalar(select(StoredFile).where(StoredFile.token == attachment.ref)).path == ""
        assert session.scalar(select(Task.attempts).where(Task.kind == "dingtalk.media")) == 1


def test_a_download_failing_for_a_while_is_retried(dbot, fake, http):
    seen = capture(dbot)
    code = fake.add_file(b"%PDF later", "b.pdf")
    post(http, robot_message(fake, msgtype="file", content={"downloadCode": code, "fileName": "b.pdf"}))
    fake.fail_next("messageFiles/download", "http503")
    drain(dbot)
    clock.advance(timedelta(minutes=1))
    drain(dbot)
    with dbot.db.session() as session:
        stored = session.scalar(select(StoredFile).where(StoredFile.token == seen[0].attachments[0].ref))
    assert stored.path and open(stored.path, "rb").read() == b"%PDF later"


def test_audio_uses_the_recognised_text():
    data = {"msgtype": "audio", "senderStaffId": "u1", "msgId": "m",
            "content": {"downloadCode": "dc1", "duration": 3000, "recognition": "我是谁"}}
    incoming = parse_robot_message(data)
    assert incoming.kind == "voice" and incoming.text == "我是谁"
    assert incoming.attachments[0].kind == "voice"


def test_group_mention_is_parsed_and_answered_in_the_group(dbot, fake, http):
    seen = capture(dbot)
    data = robot_message(fake, " @创新助手 我是谁", group=True)
    assert post(http, data).status_code == 200
    [incoming] = seen
    assert incoming.text == "我是谁" and incoming.user == USER
    assert incoming.meta["conversation_type"] == "2"
    assert incoming.meta["conversation_id"] == "cidGROUP0001=="
    drain(dbot)
    # asked in the group, answered in the group (its sessionWebhook), not 1:1
    assert fake.session_messages(data["sessionWebhook"]) == [
        {"msgtype": "text", "text": {"content": "您是 王海，中交示范工程局有限公司，角色：领衔人。"}}]
    assert fake.texts_to(USER) == []
    # the group's webhook is not remembered for the user: a later private notice goes 1:1
    push(dbot, USER, "个人通知")
    assert fake.texts_to(USER) == ["个人通知"]
    assert len(fake.session_messages(data["sessionWebhook"])) == 1


def test_session_webhook_on_a_foreign_host_is_never_used(dbot, fake, http):
    data = robot_message(fake, "我是谁", sessionWebhook="https://evil.example/robot/sendBySession?session=1")
    post(http, data)
    drain(dbot)
    assert fake.batch_sends and fake.texts_to(USER)[0].startswith("您是 王海")


# -- buttons ------------------------------------------------------------------------------------

def test_button_round_trip_through_dtmd_links(dbot, fake, http):
    dbot.router.add_command("审批测试", lambda turn, args: turn.reply(
        "孙立提交了申报表", [("同意", "approve:step:42"), ("退回 [修改]", "return:step:42")]))
    dbot.router.add_action("approve", lambda turn, action: turn.reply(f"{turn.person.name} 已同意 {action.args[0]}"),
                           {"step": (INT,)}, do=Do.BOUND)
    first = robot_message(fake, "审批测试")
    post(http, first)
    drain(dbot)
    [card] = fake.session_messages(first["sessionWebhook"])
    assert card["msgtype"] == "markdown" and card["markdown"]["title"] == "孙立提交了申报表"
    assert "dtmd://dingtalkclient/sendMessage?content=%23act%20approve%3Astep%3A42" in card["markdown"]["text"]
    buttons = buttons_in(fake.messages_to(USER))
    assert buttons == [{"label": "同意", "action": "approve:step:42"},
                       {"label": "退回 【修改】", "action": "return:step:42"}]
    seen = capture(dbot)
    post(http, robot_message(fake, ACTION_MARKER + buttons[0]["action"]))
    assert seen[0].action == "approve:step:42" and seen[0].kind == "action" and seen[0].text == ""
    drain(dbot)
    assert fake.texts_to(USER)[-1] == "王海 已同意 42"


def test_a_pressed_button_is_authorised_on_the_sender_not_the_text(dbot, fake, http):
    def approve(turn, action):
        turn.reply(f"{turn.person.name if turn.person else '未绑定的用户'} 按下了 {action.args[0]}")
    dbot.router.add_action("approve", approve, {"step": (INT,)}, do=Do.BOUND)
    post(http, robot_message(fake, ACTION_MARKER + "approve:step:42", user="stranger", senderNick="王海"))
    drain(dbot)
    # the same text from an unbound sender is that sender's, whatever nick it carries: refused
    assert fake.texts_to("stranger") == ["您的账号还没有绑定到人员信息，请联系管理员绑定后再使用。"]


# -- tokens and errors --------------------------------------------------------------------------

def push(bot, recipient, text="通知", **kw):
    with bot.db.transaction() as session:
        enqueue(session, "dingtalk", recipient, Outgoing(text=text, **kw))
    return drain(bot)


def test_refused_token_is_refreshed_and_the_call_retried_once(dbot, fake):
    assert push(dbot, "u1", "一") == 1 and fake.token_calls == 1
    fake.revoke_tokens()
    assert push(dbot, "u1", "二") == 1
    assert fake.token_calls == 2
    assert [r["status"] for r in fake.requests_to("/batchSend")] == [200, 400, 200]
    assert fake.texts_to("u1") == ["一", "二"]


def test_a_token_refused_twice_is_not_retried_a_third_time(dbot, fake):
    push(dbot, "u1", "一")
    fake.fail_next("/batchSend", "token_invalid", times=2)
    assert push(dbot, "u1", "二") == 0
    assert len(fake.requests_to("/batchSend")) == 3
    [(_, _, _, _), (_, status, _, error), *alerts] = outbox(dbot)
    assert status == "pending" and error.startswith("InvalidAuthentication")
    assert alerts and all("因配置问题无法通过渠道 dingtalk 发送" in payload["text"] for _, _, payload, _ in alerts)


def test_expired_token_on_oapi_is_refreshed(dbot, fake, tmp_path):
    push(dbot, "u1", "一")
    fake.fail_next("/media/upload", "token_invalid")
    path = tmp_path / "表.xlsx"
    path.write_bytes(b"PK xlsx")
    assert push(dbot, "u1", "台账导出", file={"name": "表.xlsx", "path": str(path), "url": "http://x/f"}) == 1
    assert [r["status"] for r in fake.requests_to("/media/upload")] == [200, 200]
    assert [m["msgKey"] for m in fake.messages_to("u1")] == ["sampleText", "sampleText", "sampleFile"]


@pytest.mark.parametrize("fault, retry, fatal", [
    ("http500", True, False),
    ("drop", True, False),
    ((400, {"code": "invalidParameter.userIds.overMax", "message": "超过 20"}), False, False),
    ((401, {"code": "authFailed", "message": "鉴权失败"}), True, True),
    ((403, {"code": "Forbidden.AccessDenied.AccessTokenPermissionDenied", "message": "没有权限"}), True, True),
])
def test_api_error_decisions(fault, retry, fatal, dbot, fake):
    channel = dbot.channels["dingtalk"]
    channel.api.access_token()
    fake.fail_next("/batchSend", fault)
    with pytest.raises(ChannelError) as exc:
        channel.push(["u1"], Outgoing(text="x").to_dict())
    assert exc.value.retry is retry and exc.value.fatal_config is fatal


@pytest.mark.parametrize("errcode, retry, delay, fatal", [
    (-1, True, 0, False), (90002, True, 2, False), (130101, True, 600, False),
    (310000, True, 300, True), (300001, True, 300, True), (460101, False, 0, False),
])
def test_oapi_error_decisions(errcode, retry, delay, fatal, dbot, fake):
    channel = dbot.channels["dingtalk"]
    fake.fail_next("/robot/send", {"errcode": errcode, "errmsg": "x"})
    with pytest.raises(ChannelError) as exc:
        channel.api.robot_webhook_send(fake.add_robot("t"), "", {"msgtype": "text", "text": {"content": "x"}},
                                       now_ms())
    assert (exc.value.code, exc.value.retry, exc.value.delay, exc.value.fatal_config) == \
        (errcode, retry, delay, fatal)


def test_group_send_to_an_open_conversation(dbot, fake):
    api = dbot.channels["dingtalk"].api
    assert api.group_send("cidGROUP0001==", "sampleText", {"content": "群里好"}).startswith("pqk-")
    assert fake.group_messages_to("cidGROUP0001==") == [{"msgKey": "sampleText", "content": "群里好"}]
    assert fake.group_sends[0]["robotCode"] == fake.app_key


# -- files --------------------------------------------------------------------------------------

def test_file_push_uploads_media_and_sends_sample_file(dbot, fake, tmp_path):
    path = tmp_path / "导出.xlsx"
    path.write_bytes(b"PK spreadsheet")
    assert push(dbot, "u1", "", file={"name": "导出.xlsx", "path": str(path), "url": "http://x/f/1"}) == 1
    [message] = fake.messages_to("u1")
    assert message["msgKey"] == "sampleFile" and message["fileName"] == "导出.xlsx" and message["fileType"] == "xlsx"
    assert fake.media[message["mediaId"]]["data"] == b"PK spreadsheet"


def test_file_without_a_sendable_type_becomes_a_markdown_link(dbot, fake, http, tmp_path):
    data = robot_message(fake, "你好")
    post(http, data)
    drain(dbot)
    path = tmp_path / "photo.png"
    path.write_bytes(b"png")
    push(dbot, USER, "这是照片", file={"name": "photo.png", "path": str(path), "url": "http://bot/files/tok"})
    last = fake.session_messages(data["sessionWebhook"])[-1]
    assert last["msgtype"] == "markdown"
    assert "[photo.png](http://bot/files/tok)" in last["markdown"]["text"]


# -- custom group robots ------------------------------------------------------------------------



def test_custom_group_robot_gets_a_signed_post(dbot, fake):
    add_group(dbot, fake)
    assert push(dbot, "group:工会群", "本周截止：请尽快提交", buttons=[]) == 1
    assert fake.robot_messages("rtok") == [{"msgtype": "text", "text": {"content": "本周截止：请尽快提交"}}]
    [request] = fake.requests_to("/robot/send")
    assert request["query"]["timestamp"] and request["query"]["sign"]


def test_unknown_group_is_an_invalid_recipient(dbot, fake):
    assert push(dbot, "group:没有这个群") == 0
    assert outbox(dbot)[0][1] == "failed"


def test_throttled_robot_is_paused_and_nothing_is_lost(dbot, fake):
    add_group(dbot, fake)
    # someone else used the robot this minute, so DingTalk counts one more than we do
    assert requests.post(fake.signed_robot_url("rtok"),
                         json={"msgtype": "text", "text": {"content": "别处的消息"}}).json()["errcode"] == 0
    with dbot.db.transaction() as session:
        for i in range(21):
            enqueue(session, "dingtalk", "group:工会群", Outgoing(text=f"通知 {i}"))
    assert drain(dbot) == 19                       # the 20th got 130101, the 21st waits for the pause
    assert len(fake.robot_messages("rtok")) == 20
    assert [s for _, s, _, _ in outbox(dbot)].count("pending") == 2
    assert any("130101" in error for _, _, _, error in outbox(dbot))
    advance(fake, 5 * 60)
    assert drain(dbot) == 0                        # still paused, nothing was tried
    assert len(fake.requests_to("/robot/send")) == 21
    advance(fake, 5 * 60 + 1)
    assert drain(dbot) == 2
    assert [s for _, s, _, _ in outbox(dbot)] == ["sent"] * 21
    texts = [m["text"]["content"] for m in fake.robot_messages("rtok")[1:]]
    assert sorted(texts, key=lambda t: int(t.split()[1])) == [f"通知 {i}" for i in range(21)]


def test_group_robot_limit_is_20_a_minute_users_unlimited(dbot):
    channel = dbot.channels["dingtalk"]
    assert isinstance(channel, DingTalkChannel)
    assert channel.limit_per_minute("group:工会群") == 20
    assert channel.limit_per_minute(USER) is None
    assert channel.max_batch == 20 and 130101 in channel.pausing_codes


# -- Stream mode --------------------------------------------------------------------------------

@contextmanager
def streaming(bot, monkeypatch, watchdog=120.0):
    monkeypatch.setenv("DINGTALK_OPENAPI_ENDPOINT", bot.config.dingtalk_api_base)
    monkeypatch.setattr(dingtalk_stream, "BACKOFF_MIN", 0.05)
    stop = threading.Event()
    thread = threading.Thread(target=dingtalk_stream.run_stream, args=(bot,),
                              kwargs={"watchdog_seconds": watchdog, "stop_event": stop}, daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(5)
        assert not thread.is_alive()


def say(fake, bot, text):
    data = robot_message(fake, text)
    mid = fake.push_callback(data)
    ack = fake.wait_ack(mid, timeout=5)
    assert ack and ack["code"] == 200 and json.loads(ack["data"]) == {"response": "OK"}
    drain(bot)
    return [m["text"]["content"] for m in fake.session_messages(data["sessionWebhook"])]


def test_stream_mode_conversation(dbot, fake, monkeypatch):
    with streaming(dbot, monkeypatch):
        assert fake.wait_connected(5)
        assert fake.open_requests[0]["subscriptions"] == [{"type": "CALLBACK",
                                                            "topic": "/v1.0/im/bot/messages/get"}]
        [help_text] = say(fake, dbot, "帮助")
        assert help_text.startswith("王海您好")
        assert say(fake, dbot, "我是谁") == ["您是 王海，中交示范工程局有限公司，角色：领衔人。"]
        pid = fake.ping()
        ack = fake.wait_ack(pid, timeout=5)
        assert ack["code"] == 200 and json.loads(ack["data"]) == json.loads(fake.pushed[-1]["data"])


def test_stream_mode_duplicate_frame_has_one_effect(dbot, fake, monkeypatch):
    with streaming(dbot, monkeypatch):
        assert fake.wait_connected(5)
        data = robot_message(fake, "我是谁", msg_id="msgSTREAMDUP")
        for _ in range(2):
            assert fake.wait_ack(fake.push_callback(data), timeout=5)["code"] == 200
        drain(dbot)
        assert len(fake.session_messages(data["sessionWebhook"])) == 1


def test_stream_mode_reconnects_after_a_system_disconnect(dbot, fake, monkeypatch):
    with streaming(dbot, monkeypatch):
        assert fake.wait_connected(5, count=1)
        mid = fake.disconnect_once(close_after=2.0)
        assert fake.wait_ack(mid, timeout=5)["code"] == 200
        assert fake.wait_connected(5, count=2)
        assert len(fake.open_requests) == 2
        assert say(fake, dbot, "我是谁")[0].startswith("您是 王海")


def test_stream_watchdog_reconnects_a_silent_gateway(dbot, fake, monkeypatch):
    with streaming(dbot, monkeypatch, watchdog=1.0):
        assert fake.wait_connected(5, count=1)
        fake.silence(True)
        assert fake.wait_connected(5, count=2)
        threading.Event().wait(0.5)      # the new link's first pings go unanswered too
        fake.silence(False)
        threading.Event().wait(2.0)      # later pings are answered: the link is kept
        assert fake.connections_opened == 2
        assert say(fake, dbot, "我是谁")[0].startswith("您是 王海")


def test_stream_watchdog_leaves_a_quiet_healthy_link_alone(dbot, fake, monkeypatch):
    with streaming(dbot, monkeypatch, watchdog=0.5):
        assert fake.wait_connected(5, count=1)
        threading.Event().wait(1.0)      # no frames at all, but the gateway answers our pings
        assert fake.connections_opened == 1


def test_stream_mode_keeps_retrying_when_the_gateway_refuses(make_bot, fake, monkeypatch):
    bot = make_bot(dingtalk_app_key=fake.app_key, dingtalk_app_secret="wrong",
                   dingtalk_api_base=fake.base_url, dingtalk_oapi_base=fake.base_url)
    monkeypatch.setattr(dingtalk_stream, "BACKOFF_MAX", 0.1)
    with streaming(bot, monkeypatch):
        deadline = clock.now() + timedelta(seconds=3)
        while len(fake.open_requests) < 3 and clock.now() < deadline:
            threading.Event().wait(0.05)
        assert len(fake.open_requests) >= 3 and fake.connections_opened == 0


def test_stop_function_ends_run_stream(dbot, fake, monkeypatch):
    monkeypatch.setenv("DINGTALK_OPENAPI_ENDPOINT", dbot.config.dingtalk_api_base)
    thread = threading.Thread(target=dingtalk_stream.run_stream, args=(dbot,), daemon=True)
    thread.start()
    assert fake.wait_connected(5)
    dingtalk_stream.stop()
    thread.join(5)
    assert not thread.is_alive()

