"""The WeCom channel end to end: wechatpy plays WeCom's callbacks, FakeWeCom plays its API."""
import json
import logging
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select
from wechatpy.utils import WeChatSigner

from bot.actions import INT
from handlers.policy import Do
from bot.app import create_app
from tests.support.clock import clock
from bot.delivery import Delivery
from bot.tasks import TaskRunner
from bot.message import Button, Outgoing
from storage.models import CacheEntry, Conversation, InboxEntry, OutboxMessage, RobotGroup, StoredFile
from tests.channel_contract import CONTRACT
from tests.live import LiveServer
from tests.support.wecom import (  # noqa: F401 (fixtures)
    CORP, SECRET, AGENT, TOKEN, AES_KEY, USER, A_TOKEN, A_KEY, A_CORP, A_SIG, A_ECHO, A_TS, A_NONCE, inner_xml,
    WeComPeer,
    query, readable, WeComDriver, fake, make_wecom_bot, wbot, app, wx, advance, push, statuses, count)


# ================================================================== the contract

@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check, wx):
    check(wx)


# ================================================================== URL verification (GET)

def test_official_vector_a_url_check(make_bot, fake):
    bot = make_bot(wecom_corp_id=A_CORP, wecom_agent_id=AGENT, wecom_secret=SECRET, wecom_token=A_TOKEN,
                   wecom_aes_key=A_KEY, wecom_api_base=fake.base_url)
    client = create_app(bot.config, bot=bot).test_client()
    qs = query(msg_signature=A_SIG, timestamp=A_TS, nonce=A_NONCE, echostr=A_ECHO)
    res = client.get(f"/wecom/callback?{qs}")
    assert res.status_code == 200
    assert res.data == b"1288432023552776189"
    assert res.mimetype == "text/plain"


def test_url_check_answers_exactly_the_plaintext(wx):
    for plain in ("5927782489442352469", "回声 test+/="):
        res = wx.client.get(f"/wecom/callback?{wx.peer.echostr(plain)}")
        assert res.status_code == 200
        assert res.data == plain.encode("utf-8")


def test_url_check_refusals_are_short_chinese_json(wx):
    qs = wx.peer.echostr("12345")
    forged = qs.replace("msg_signature=", "msg_signature=0", 1)
    res = wx.client.get(f"/wecom/callback?{forged}")
    assert res.status_code == 403 and res.get_json() == {"error": "签名校验失败"}
    other = WeComPeer(corp_id="wwsomeoneelse").echostr("12345")
    assert wx.client.get(f"/wecom/callback?{other}").status_code == 403
    assert wx.client.get("/wecom/callback").status_code == 403
    signer = WeChatSigner()
    signer.add_data(TOKEN, "1", "2", "%%%notbase64")
    res = wx.client.get(f"/wecom/callback?{query(msg_signature=signer.signature, timestamp='1', nonce='2', echostr='%%%notbase64')}")
    assert res.status_code == 400 and "Traceback" not in res.get_data(as_text=True)


# ================================================================== callbacks (POST)

def test_text_callback_is_acked_empty_and_answered_through_the_api(wx, fake):
    res = wx.send_text(USER, "帮助", msg_id="4561255354251345929")
    assert res.data == b"" and res.status_code == 200
    assert fake.requests_to("message/send") == []          # nothing sent inside the callback
    assert Delivery(wx.bot).drain() == 1
    [message] = fake.messages_for(USER)
    assert message["msgtype"] == "text" and message["agentid"] == int(AGENT)
    assert message["touser"] == USER
    assert message["text"]["content"].startswith("王海您好")


def test_non_numeric_msgid_is_an_opaque_string(wx):
    msg_id = "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw=="
    wx.send_text(USER, "我是谁", msg_id=msg_id)
    wx.send_text(USER, "我是谁", msg_id=msg_id)
    assert wx.texts_to(USER) == ["您是 王海，中交示范工程局有限公司，角色：领衔人。"]
    with wx.bot.db.session() as session:
        assert session.scalar(select(InboxEntry.message_id).where(InboxEntry.channel == "wecom")) == msg_id


def test_concurrent_retries_of_one_callback_make_one_reply(wbot, app, fake):
    peer = WeComPeer()
    qs, body = peer.envelope(inner_xml(USER, "text", Content="我是谁", MsgId="777000111"))
    statuses_seen, errors = [], []
    with LiveServer(app) as server:
        barrier = threading.Barrier(4)

        def deliver():
            try:
                barrier.wait()
                r = requests.post(f"{server.url}/wecom/callback?{qs}", data=body, timeout=10)
                statuses_seen.append((r.status_code, r.content))
            except Exception as exc:     # collected and asserted below
                errors.append(exc)
        threads = [threading.Thread(target=deliver) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
    assert not errors
    assert statuses_seen == [(200, b"")] * 4
    Delivery(wbot).drain()
    assert fake.texts_for(USER) == ["您是 王海，中交示范工程局有限公司，角色：领衔人。"]


def test_forged_signature_is_refused_and_leaves_no_trace(wx):
    qs, body = wx.peer.envelope(inner_xml(USER, "text", Content="帮助", MsgId="1"))
    forged = "msg_signature=" + "0" * 40 + "&" + qs.split("&", 1)[1]
    before = (count(wx.bot, InboxEntry), count(wx.bot, Conversation), count(wx.bot, OutboxMessage))
    res = wx.client.post(f"/wecom/callback?{forged}", data=body)
    assert res.status_code == 403 and res.get_json() == {"error": "签名校验失败"}
    assert (count(wx.bot, InboxEntry), count(wx.bot, Conversation), count(wx.bot, OutboxMessage)) == before
    assert before == (0, 0, 0)


def test_wrong_corp_id_inside_the_ciphertext_is_refused(wx):
    other = WeComPeer(corp_id="wwforgedcorp")
    qs, body = other.envelope(inner_xml(USER, "text", Content="帮助", MsgId="2"))
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 403
    assert count(wx.bot, InboxEntry) == 0


def test_bad_base64_bad_xml_and_xml_bombs_are_400_without_traceback(wx):
    qs, body = wx.peer.signed_raw("this is not base64!!")
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 400 and res.get_json() == {"error": "回调内容无法解密或解析"}
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            '<xml><Encrypt>&lol3;</Encrypt></xml>')
    res = wx.client.post(f"/wecom/callback?{qs}", data=bomb)
    assert res.status_code == 400 and "Traceback" not in res.get_data(as_text=True)
    # a bomb inside a correctly encrypted and signed envelope
    qs, body = wx.peer.envelope(bomb.replace("<Encrypt>&lol3;</Encrypt>", "<Content>&lol3;</Content>"))
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 400
    res = wx.client.post(f"/wecom/callback?{qs}", data=b"<xml><nothing/></xml>")
    assert res.status_code == 400
    assert count(wx.bot, InboxEntry) == 0


def test_a_deeply_nested_inner_xml_is_a_400_not_a_500(wx):
    nested = "<a>" * 5000 + "x" + "</a>" * 5000
    qs, body = wx.peer.envelope(f"<xml><ToUserName>c</ToUserName><FromUserName>{USER}</FromUserName>"
                                f"<MsgType>text</MsgType><Content>hi</Content><Extra>{nested}</Extra></xml>")
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 400 and res.get_json() == {"error": "回调内容无法解密或解析"}
    assert count(wx.bot, InboxEntry) == 0


def test_unsupported_types_and_other_events_are_acked_and_ignored(wx, caplog):
    with caplog.at_level(logging.INFO, logger="bot.channels.wecom.channel"):
        wx.post(inner_xml(USER, "miniprogram", MsgId="9"))
        wx.post(inner_xml(USER, "event", Event="subscribe", EventKey=""))
    assert "unsupported MsgType 'miniprogram'" in caplog.text
    assert count(wx.bot, InboxEntry) == 0 and wx.texts_to(USER) == []


def test_enter_agent_greets_with_help_and_click_runs_the_menu_action(wx):
    wx.bot.router.add_action("menu", lambda turn, action: turn.reply(f"菜单 {action.verb}"), {"progress": ()},
                             do=Do.BOUND)
    wx.post(inner_xml(USER, "event", Event="enter_agent", EventKey=""))
    wx.texts_to(USER)       # delivered before the click (replies pending together are merged)
    wx.post(inner_xml(USER, "event", Event="click", EventKey="menu:progress"))
    texts = wx.texts_to(USER)
    assert texts[0].startswith("王海您好") and texts[1] == "菜单 progress"


# ================================================================== sending through the API

def test_token_expiry_midway_is_refreshed_and_retried_once(wx, fake):
    push(wx.bot, USER, Outgoing(text="第一条"))
    assert Delivery(wx.bot).drain() == 1
    fake.expire_tokens()
    push(wx.bot, USER, Outgoing(text="第二条"))
    assert Delivery(wx.bot).drain() == 1
    assert fake.texts_for(USER) == ["第一条", "第二条"]
    assert fake.token_calls == 2
    sends = fake.requests_to("message/send")
    assert [r["response"]["errcode"] for r in sends] == [0, 42001, 0]


def test_revoked_token_is_refreshed_too(wx, fake):
    push(wx.bot, USER, Outgoing(text="一"))
    Delivery(wx.bot).drain()
    fake.revoke_tokens()
    push(wx.bot, USER, Outgoing(text="二"))
    assert Delivery(wx.bot).drain() == 1
    assert fake.texts_for(USER) == ["一", "二"]


def test_wrong_secret_is_a_config_error_and_does_not_hammer_gettoken(make_wecom_bot, fake, caplog):
    bot = make_wecom_bot(wecom_secret="wrong-secret")
    now = clock.real_now()                   # start just after an hour begins: the alert is once per hour
    clock.advance(now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1, minutes=1) - now)
    with caplog.at_level(logging.ERROR):
        for i in range(5):                    # new notices keep arriving while the secret is wrong
            push(bot, USER, Outgoing(text=f"通知{i}"))
            Delivery(bot).drain()
            clock.advance(timedelta(seconds=20))
        assert fake.token_calls == 1          # remembered: no gettoken per message or per drain
        clock.advance(timedelta(seconds=300))
        Delivery(bot).drain()                 # the rows come due again: one more try, still refused
    assert "企业微信 Secret 无效" in caplog.text
    assert fake.token_calls <= 2
    assert fake.requests_to("message/send") == []
    with bot.db.session() as session:
        rows = session.execute(select(OutboxMessage.status, OutboxMessage.last_error)
                               .where(OutboxMessage.channel == "wecom")).all()
        alerts = session.scalars(select(OutboxMessage.payload).where(OutboxMessage.channel == "web")).all()
    # kept and retried (the fix may come any time within BOT_DELIVERY_RETRY_HOURS), never sent meanwhile
    assert len(rows) == 5 and all(s == "pending" and e.startswith("40001:") for s, e in rows)
    # the admin heard at once, once for the hour
    assert len(alerts) == 1 and alerts[0]["text"].startswith("⚠️ 有 1 条消息因配置问题无法通过渠道 wecom 发送：")


def test_system_busy_once_is_retried_later_and_delivered(wx, fake):
    fake.fail_next("message/send", "busy")
    push(wx.bot, USER, Outgoing(text="稍后送达"))
    assert Delivery(wx.bot).drain() == 0
    assert statuses(wx.bot) == ["pending"]
    advance(fake, 10)
    assert Delivery(wx.bot).drain() == 1
    assert fake.texts_for(USER) == ["稍后送达"]


def test_http_500_and_dropped_connections_are_retried(wx, fake):
    fake.fail_next("message/send", "http500")
    push(wx.bot, USER, Outgoing(text="一"))
    assert Delivery(wx.bot).drain() == 0
    advance(fake, 10)
    fake.fail_next("message/send", "drop")
    assert Delivery(wx.bot).drain() == 0
    advance(fake, 20)
    assert Delivery(wx.bot).drain() == 1
    assert fake.texts_for(USER) == ["一"]


def test_per_user_rate_limit_holds_back_instead_of_losing(wx, fake):
    for i in range(35):         # markdown: one message each (plain texts pending together are merged)
        push(wx.bot, USER, Outgoing(text=f"消息{i}", markdown=True))
    assert Delivery(wx.bot).drain() == 30
    assert len(fake.texts_for(USER)) == 30
    advance(fake, 20)
    assert Delivery(wx.bot).drain() == 0        # still inside the minute
    advance(fake, 45)
    assert Delivery(wx.bot).drain() == 5
    assert fake.texts_for(USER) == [f"消息{i}" for i in range(35)]
    assert fake.dropped == []


def test_invalid_recipients_are_reported_not_retried(wx, fake):
    push(wx.bot, "ghost", Outgoing(text="找不到"), batch_key="b1")
    push(wx.bot, USER, Outgoing(text="找不到"), batch_key="b1")
    assert Delivery(wx.bot).drain() == 1
    assert statuses(wx.bot) == ["failed", "sent"]
    assert fake.requests_to("message/send")[0]["json"]["touser"] == "ghost|wanghai"
    push(wx.bot, "ghost", Outgoing(text="只有他"))
    Delivery(wx.bot).drain()
    assert statuses(wx.bot)[-1] == "failed"


def test_long_text_is_split_under_2048_bytes(wx, fake):
    text = "\n".join(f"第{i}行：" + "很长的说明文字" * 10 for i in range(60))
    push(wx.bot, USER, Outgoing(text=text))
    assert Delivery(wx.bot).drain() == 1
    parts = fake.texts_for(USER)
    assert len(parts) > 1 and all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == text


def test_markdown_and_file_messages(wx, fake, tmp_path):
    push(wx.bot, USER, Outgoing(text="**加粗**", markdown=True))
    path = tmp_path / "申报表.docx"
    path.write_bytes(b"PK\x03\x04 fake docx content")
    push(wx.bot, USER, Outgoing(text="申报表已生成", file={"name": "申报表.docx", "path": str(path),
                                                        "url": "http://x/files/t", "token": "t"}))
    assert Delivery(wx.bot).drain() == 2
    kinds = [m["msgtype"] for m in fake.messages_for(USER)]
    assert kinds == ["markdown", "text", "file"]
    assert fake.texts_for(USER)[1] == "申报表已生成\n附件：申报表.docx"
    [upload] = fake.requests_to("media/upload")
    assert upload["files"]["media"]["filename"] == "申报表.docx"
    media_id = fake.messages_for(USER)[2]["file"]["media_id"]
    assert fake.media[media_id]["data"] == path.read_bytes()


# ================================================================== template cards

def _add_card_command(bot, buttons=None):
    calls = []
    buttons = buttons or [Button("通过", "approve:step:7"), Button("退回", "reject:step:7")]
    bot.router.add_command("审批卡片", lambda turn, args: turn.reply("申报待审批\n王海隧道掘进工作室", buttons=buttons))
    bot.router.add_action("approve", lambda turn, action: (calls.append(str(action.args[0])),
                                                           turn.reply(f"已通过 {action.args[0]}")),
                          {"step": (INT,)}, do=Do.BOUND)
    bot.router.add_action("reject", lambda turn, action: turn.reply(f"已退回 {action.args[0]}"), {"step": (INT,)},
                          do=Do.BOUND)
    return calls


def test_buttons_arrive_as_a_card_and_a_click_runs_the_action_and_greys_it_out(wx, fake):
    calls = _add_card_command(wx.bot)
    wx.send_text(USER, "审批卡片")
    Delivery(wx.bot).drain()
    [message] = fake.messages_for(USER)
    card = message["template_card"]
    assert message["msgtype"] == "template_card" and card["card_type"] == "button_interaction"
    assert card["main_title"]["title"] == "申报待审批"
    assert card["main_title"]["desc"] == "王海隧道掘进工作室"
    assert card["task_id"].startswith("bot-")
    assert [(b["text"], b["key"]) for b in card["button_list"]] == [("通过", "approve:step:7\u241f通过"),
                                                                    ("退回", "reject:step:7\u241f退回")]
    code = wx.press(USER, "approve:step:7")
    assert calls == ["7"]
    assert fake.card_updates == []                  # not inside the callback: the worker does it
    TaskRunner(wx.bot).run_all()
    [update] = fake.card_updates
    assert update == {"userids": [USER], "agentid": int(AGENT), "response_code": code,
                      "button": {"replace_name": "通过"}}
    assert wx.texts_to(USER)[-1] == "已通过 7"
    # WeCom retrying the click callback: one effect, no second card update
    wx.post(wx.last_click_xml)
    TaskRunner(wx.bot).run_all()
    assert calls == ["7"] and len(fake.card_updates) == 1


def test_a_card_sent_before_its_keys_carried_labels_still_greys_out_with_the_kept_label(wx, fake):
    """Cards sent by the earlier version kept their labels in the cache; a click on one still works."""
    calls = _add_card_command(wx.bot)
    wx.send_text(USER, "审批卡片")
    Delivery(wx.bot).drain()
    task_id = fake.messages_for(USER)[-1]["template_card"]["task_id"]
    channel = wx.bot.channels["wecom"]
    channel.store.put("wecom:card:" + task_id, json.dumps({"approve:step:7": "通过了"}, ensure_ascii=False),
                      channel.store.now() + timedelta(hours=1))
    code = wx.press(USER, "approve:step:7", task_id=task_id)        # the old key: the action alone
    TaskRunner(wx.bot).run_all()
    assert calls == ["7"] and fake.card_updates[-1]["response_code"] == code
    assert fake.card_updates[-1]["button"] == {"replace_name": "通过了"}


def test_card_update_failure_is_logged_not_raised(wx, fake, caplog):
    _add_card_command(wx.bot)
    wx.send_text(USER, "审批卡片")
    Delivery(wx.bot).drain()
    fake.fail_next("update_template_card", "http500")
    with caplog.at_level(logging.WARNING, logger="bot.channels.wecom.channel"):
        wx.press(USER, "reject:step:7")
        TaskRunner(wx.bot).run_all()
    assert "card update" in caplog.text
    assert wx.texts_to(USER)[-1] == "已退回 7"


def test_more_than_six_buttons_and_long_labels(wx, fake):
    buttons = [Button(f"选项{i}号很长很长的按钮", f"pick:{i}") for i in range(8)]
    wx.bot.router.add_command("多选", lambda turn, args: turn.reply("请选择", buttons=buttons))
    wx.send_text(USER, "多选")
    Delivery(wx.bot).drain()
    card = fake.messages_for(USER)[-1]["template_card"]
    assert len(card["button_list"]) == 6
    assert all(len(b["text"]) <= 10 for b in card["button_list"])
    assert "回复「选项6号很长很长的按钮」" in card["sub_title_text"]
    assert "回复「选项7号很长很长的按钮」" in card["sub_title_text"]


def test_card_with_long_text_sends_the_text_first(wx, fake):
    body = "\n".join(f"第{i}项：需要补充的材料说明" for i in range(20))
    wx.bot.router.add_command("长卡片", lambda turn, args: turn.reply("材料清单\n" + body,
                                                                  buttons=[Button("知道了", "ok:1")]))
    wx.send_text(USER, "长卡片")
    Delivery(wx.bot).drain()
    kinds = [m["msgtype"] for m in fake.messages_for(USER)]
    assert kinds == ["text", "template_card"]
    assert fake.texts_for(USER)[0] == body


# ================================================================== group robots

def _robot_group(bot, fake, name="工会工作群", key="robot-key-1"):
    webhook = fake.add_robot(key)
    with bot.db.transaction() as session:
        session.add(RobotGroup(name=name, channel="wecom", webhook=webhook, created_at=clock.utcnow()))
    return key


def test_group_robot_receives_text_with_mentions_and_buttons_as_lines(wx, fake):
    key = _robot_group(wx.bot, fake)
    push(wx.bot, "group:工会工作群", Outgoing(text="本周五前提交申报", buttons=[Button("查看进度", "progress")]))
    assert Delivery(wx.bot).drain() == 1
    [body] = fake.robot_messages(key)
    assert body == {"msgtype": "text", "text": {"content": "本周五前提交申报\n· 查看进度"}}
    channel = wx.bot.channels["wecom"]
    assert channel.push(["group:工会工作群"], {"text": "请注意", "mentions": [USER, "13800000001"]}) is None
    mention = fake.robot_messages(key)[-1]["text"]
    assert mention["mentioned_list"] == [USER] and mention["mentioned_mobile_list"] == ["13800000001"]
    channel.push(["group:工会工作群"], {"text": "**通知**", "markdown": True, "mentions": [USER]})
    assert fake.robot_messages(key)[-1] == {"msgtype": "markdown",
                                            "markdown": {"content": f"**通知**\n<@{USER}>"}}
    assert fake.requests_to("gettoken") == []       # robots need no access token


def test_group_robot_file_is_uploaded_for_that_robot(wx, fake, tmp_path):
    key = _robot_group(wx.bot, fake)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(b"PK\x03\x04 fake xlsx content")
    push(wx.bot, "group:工会工作群", Outgoing(text="名单如下", file={"name": "名单.xlsx", "path": str(path)}))
    assert Delivery(wx.bot).drain() == 1
    text, file = fake.robot_messages(key)
    assert text["text"]["content"] == "名单如下\n附件：名单.xlsx"
    assert fake.media[file["file"]["media_id"]]["robot_key"] == key


def test_group_robot_rate_limit_pauses_the_group_then_delivers(wx, fake):
    key = _robot_group(wx.bot, fake)
    fake.fail_next("webhook/send", "ratelimit")
    push(wx.bot, "group:工会工作群", Outgoing(text="限流后送达"))
    assert Delivery(wx.bot).drain() == 0
    with wx.bot.db.session() as session:
        assert session.get(CacheEntry, "pause:wecom:group:工会工作群") is not None
    push(wx.bot, "group:工会工作群", Outgoing(text="第二条"))
    advance(fake, 30)
    assert Delivery(wx.bot).drain() == 0            # paused for 60 s
    advance(fake, 31)
    assert Delivery(wx.bot).drain() == 2
    assert [b["text"]["content"] for b in fake.robot_messages(key)] == ["限流后送达", "第二条"]


def test_unknown_or_removed_group_fails_the_row(wx, fake):
    push(wx.bot, "group:不存在的群", Outgoing(text="x"))
    with wx.bot.db.transaction() as session:
        session.add(RobotGroup(name="已移除", channel="wecom", webhook=f"{fake.base_url}/cgi-bin/webhook/send?key=gone",
                               created_at=clock.utcnow()))
    push(wx.bot, "group:已移除", Outgoing(text="y"))
    Delivery(wx.bot).drain()
    assert statuses(wx.bot)[:2] == ["failed", "failed"]
    # a removed robot is a configuration problem: the admins are told in chat (the third row)
    Delivery(wx.bot).drain()
    [alert] = [m["text"] for m in wx.bot.channels["web"].take_inbox("admin")]
    assert "群机器人 Webhook 地址无效" in alert


def test_group_rate_limit_is_20_per_minute(wx):
    channel = wx.bot.channels["wecom"]
    assert channel.limit_per_minute("group:x") == 20
    assert channel.limit_per_minute(USER) == 30
    assert channel.max_batch == 1000 and 45009 in channel.pausing_codes


# ================================================================== inbound media

def test_inbound_image_is_fetched_stored_and_attached(wx, fake, monkeypatch):
    data = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
    media_id = fake.add_media(data, "现场照片.png", "image/png", "image")
    seen = []
    original = wx.bot.handle
    monkeypatch.setattr(wx.bot, "handle", lambda incoming: (seen.append(incoming), original(incoming))[1])
    wx.post(inner_xml(USER, "image", PicUrl="http://example/p.png", MediaId=media_id, MsgId="555"))
    assert fake.requests_to("media/get") == []        # acknowledged first; the worker downloads
    [incoming] = seen
    assert incoming.kind == "image"
    [attachment] = incoming.attachments
    assert attachment.kind == "image" and attachment.name.startswith("图片-")
    TaskRunner(wx.bot).run_all()
    assert len(fake.requests_to("media/get")) == 1
    with wx.bot.db.session() as session:
        stored = session.scalar(select(StoredFile).where(StoredFile.token == attachment.ref))
        assert stored.name == "现场照片.png" and stored.content_type == "image/png"
        assert open(stored.path, "rb").read() == data
        assert stored.owner_person_id is not None
    assert wx.texts_to(USER) and "收到文件" in wx.texts_to(USER)[0]
    # a retried delivery is not downloaded again
    wx.post(inner_xml(USER, "image", PicUrl="http://example/p.png", MediaId=media_id, MsgId="555"))
    TaskRunner(wx.bot).run_all()
    assert len(fake.requests_to("media/get")) == 1 and len(seen) == 2 and not seen[1].attachments


def test_inbound_media_is_fetched_again_after_a_failure_and_the_callback_is_answered_at_once(wx, fake):
    media_id = fake.add_media(b"%PDF-1.4 data", "a.pdf", "application/pdf")
    fake.fail_next("media/get", "http500")
    qs, body = wx.peer.envelope(inner_xml(USER, "file", MediaId=media_id, MsgId="556", FileName="a.pdf"))
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 200 and count(wx.bot, InboxEntry) == 1
    TaskRunner(wx.bot).run_all()                       # the download fails: retried later
    with wx.bot.db.session() as session:
        assert session.scalar(select(StoredFile).where(StoredFile.name == "a.pdf")).path == ""
    clock.advance(timedelta(seconds=6))
    TaskRunner(wx.bot).run_all()
    with wx.bot.db.session() as session:
        stored = session.scalar(select(StoredFile).where(StoredFile.name == "a.pdf"))
        assert open(stored.path, "rb").read() == b"%PDF-1.4 data"


def test_media_that_never_arrives_is_reported_to_the_sender(wx, fake):
    media_id = fake.add_media(b"%PDF-1.4 data", "a.pdf", "application/pdf")
    fake.fail_next("media/get", "http500", times=100)
    wx.post(inner_xml(USER, "file", MediaId=media_id, MsgId="558", FileName="a.pdf"))
    for _ in range(6):
        TaskRunner(wx.bot).run_all()
        clock.advance(timedelta(minutes=11))
    Delivery(wx.bot).drain()
    assert any("没能接收成功" in t for t in wx.texts_to(USER))


def test_media_filename_decoding():
    from bot.channels.wecom.api import filename_from_disposition
    raw = 'attachment; filename="报告.pdf"'.encode("utf-8").decode("latin-1")
    assert filename_from_disposition(raw) == "报告.pdf"
    assert filename_from_disposition("attachment; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf") == "报告.pdf"
    assert filename_from_disposition('attachment; filename="../../etc/passwd"') == "passwd"
    assert filename_from_disposition("") == ""


def test_an_unexpected_error_in_a_callback_is_a_short_chinese_500(wx, monkeypatch, caplog):
    def broken(incoming):
        raise RuntimeError("storage is on fire")
    monkeypatch.setattr(wx.bot, "handle", broken)
    qs, body = wx.peer.envelope(inner_xml(USER, "text", Content="帮助", MsgId="557"))
    with caplog.at_level(logging.ERROR):
        res = wx.client.post(f"/wecom/callback?{qs}", data=body, content_type="text/xml")
    assert res.status_code == 500 and res.get_json() == {"error": "服务器内部错误"}
    assert b"Traceback" not in res.data and b"fire" not in res.data
    assert "storage is on fire" in caplog.text           # the operator sees it in the log


def test_a_chunked_callback_without_a_length_is_read_only_up_to_the_limit(wx, app):
    """gunicorn marks a chunked body as terminated; without that mark WSGI reads no body at all."""
    import io
    big = b"<xml>" + b"A" * (wx.bot.config.max_body_bytes + 10) + b"</xml>"
    status = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/wecom/callback", "QUERY_STRING": "msg_signature=x",
               "wsgi.input": io.BytesIO(big), "SERVER_NAME": "localhost", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http", "wsgi.input_terminated": True}
    body = b"".join(app.wsgi_app(environ, lambda s, h: status.append(s)))
    assert status == ["413 REQUEST ENTITY TOO LARGE"] and "请求内容过大" in body.decode("unicode_escape")
    assert count(wx.bot, InboxEntry) == 0


def test_a_form_answer_and_the_next_question_arrive_as_one_message(wx, fake):
    wx.send_text(USER, "申报")
    before = len(wx.texts_to(USER))
    wx.send_text(USER, "成员总数：15人")
    new = wx.texts_to(USER)[before:]
    assert len(new) == 1
    assert new[0].startswith("✓ 成员总数：15") and "第" in new[0] and "项" in new[0]
