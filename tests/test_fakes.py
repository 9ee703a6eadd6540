"""Self-tests of the loopback WeCom and DingTalk fakes (tests/fakes/), using plain requests/websockets."""
from __future__ import annotations

import json
from urllib.parse import quote_plus

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect as ws_connect

from tests.fakes.dingtalk import FakeDingTalk, robot_sign
from tests.fakes.wecom import FakeWeCom


@pytest.fixture
def wecom():
    with FakeWeCom(users={"u1", "u2", "u3"}) as fake:
        yield fake


@pytest.fixture
def ding():
    with FakeDingTalk() as fake:
        yield fake


# ---------------------------------------------------------------------------------- WeCom
def _wx_token(fake) -> str:
    r = requests.get(f"{fake.base_url}/cgi-bin/gettoken",
                     params={"corpid": fake.corp_id, "corpsecret": fake.secret}, timeout=5).json()
    assert r["errcode"] == 0 and r["expires_in"] == 7200
    return r["access_token"]


def _wx_send(fake, token, body, agentid=1000002):
    return requests.post(f"{fake.base_url}/cgi-bin/message/send", params={"access_token": token},
                         json={"agentid": agentid, **body}, timeout=5).json()


def _text(to, content="hi"):
    return {"touser": to, "msgtype": "text", "text": {"content": content}}


def test_wecom_token_lifecycle(wecom):
    url = f"{wecom.base_url}/cgi-bin/gettoken"
    assert requests.get(url, params={"corpid": "x", "corpsecret": wecom.secret}).json()["errcode"] == 40013
    assert requests.get(url, params={"corpid": wecom.corp_id, "corpsecret": "x"}).json()["errcode"] == 40001
    tok = _wx_token(wecom)
    assert wecom.token_calls == 3
    assert _wx_send(wecom, tok, _text("u1"))["errcode"] == 0
    assert _wx_send(wecom, "", _text("u1"))["errcode"] == 41001
    assert _wx_send(wecom, "nope", _text("u1"))["errcode"] == 40014
    wecom.advance(7201)
    assert _wx_send(wecom, tok, _text("u1"))["errcode"] == 42001
    tok2 = _wx_token(wecom)
    wecom.expire_tokens()
    assert _wx_send(wecom, tok2, _text("u1"))["errcode"] == 42001
    tok3 = _wx_token(wecom)
    wecom.revoke_tokens()
    assert _wx_send(wecom, tok3, _text("u1"))["errcode"] == 40014
    rec = wecom.requests_to("message/send")[-1]
    assert rec["json"]["touser"] == "u1" and rec["response"]["errcode"] == 40014


def test_wecom_send_validation(wecom):
    tok = _wx_token(wecom)
    assert _wx_send(wecom, tok, _text("u1"), agentid=1)["errcode"] == 40056
    assert _wx_send(wecom, tok, _text("u1", ""))["errcode"] == 44004
    assert _wx_send(wecom, tok, {"touser": "u1", "msgtype": "bogus", "bogus": {}})["errcode"] == 40008
    assert _wx_send(wecom, tok, _text("|".join(f"x{i}" for i in range(1001))))["errcode"] == 40058
    r = _wx_send(wecom, tok, _text("u1|Ghost"))
    assert r["errcode"] == 0 and r["invaliduser"] == "ghost" and r["msgid"]
    assert _wx_send(wecom, tok, _text("ghost1|ghost2"))["errcode"] == 81013
    assert _wx_send(wecom, tok, {"touser": "u1", "msgtype": "file",
                                 "file": {"media_id": "nope"}})["errcode"] == 40007
    assert wecom.texts_for("u1") == ["hi"]


def test_wecom_per_user_rate_limit_drops_31st(wecom):
    tok = _wx_token(wecom)
    for i in range(31):
        assert _wx_send(wecom, tok, _text("u1", f"m{i}"))["errcode"] == 0
    assert wecom.texts_for("u1") == [f"m{i}" for i in range(30)]
    assert [m["text"]["content"] for u, m in wecom.dropped] == ["m30"]
    assert _wx_send(wecom, tok, _text("u2", "other user"))["errcode"] == 0
    assert wecom.texts_for("u2") == ["other user"]
    wecom.advance(61)
    _wx_send(wecom, tok, _text("u1", "later"))
    assert wecom.texts_for("u1")[-1] == "later"


def test_wecom_template_card_response_code(wecom):
    tok = _wx_token(wecom)
    card = {"card_type": "button_interaction", "main_title": {"title": "Deploy?", "desc": "by u2"},
            "task_id": "t-1", "button_list": [{"text": "OK", "style": 1, "key": "ok"}]}
    r = _wx_send(wecom, tok, {"touser": "u1", "msgtype": "template_card", "template_card": card})
    assert r["errcode"] == 0 and r["response_code"]
    assert wecom.texts_for("u1") == ["Deploy?\nby u2"]
    dup = _wx_send(wecom, tok, {"touser": "u1", "msgtype": "template_card", "template_card": card})
    assert dup["errcode"] != 0   # task_id must be unique
    no_task = {**card, "task_id": None}
    assert _wx_send(wecom, tok, {"touser": "u1", "msgtype": "template_card",
                                 "template_card": no_task})["errcode"] != 0
    many = {**card, "task_id": "t-2", "button_list": [{"text": str(i), "key": f"k{i}"} for i in range(7)]}
    assert _wx_send(wecom, tok, {"touser": "u1", "msgtype": "template_card",
                                 "template_card": many})["errcode"] != 0
    upd = f"{wecom.base_url}/cgi-bin/message/update_template_card"
    body = {"userids": ["u1"], "agentid": 1000002, "response_code": r["response_code"],
            "button": {"replace_name": "Approved"}}
    first = requests.post(upd, params={"access_token": tok}, json=body).json()
    assert first == {"errcode": 0, "errmsg": "ok", "invaliduser": []}
    assert requests.post(upd, params={"access_token": tok}, json=body).json()["errcode"] == 40078
    code = wecom.issue_response_code("t-1", ["u1"])
    wecom.advance(72 * 3600 + 1)
    tok = _wx_token(wecom)
    assert requests.post(upd, params={"access_token": tok},
                         json={**body, "response_code": code}).json()["errcode"] == 40078


def test_wecom_media_roundtrip(wecom):
    tok = _wx_token(wecom)
    up = requests.post(f"{wecom.base_url}/cgi-bin/media/upload",
                       params={"access_token": tok, "type": "file"},
                       files={"media": ("报告.txt", b"hello world", "text/plain")}).json()
    assert up["errcode"] == 0 and up["type"] == "file"
    tiny = requests.post(f"{wecom.base_url}/cgi-bin/media/upload",
                         params={"access_token": tok, "type": "file"},
                         files={"media": ("a.txt", b"12345", "text/plain")}).json()
    assert tiny["errcode"] != 0
    g = requests.get(f"{wecom.base_url}/cgi-bin/media/get",
                     params={"access_token": tok, "media_id": up["media_id"]})
    assert g.content == b"hello world" and g.headers["Content-Type"].startswith("text/plain")
    disp = g.headers["Content-Disposition"].encode("latin-1").decode("utf-8")
    assert disp == 'attachment; filename="报告.txt"'
    seeded = wecom.add_media(b"%PDF-1.4 data", "in.pdf", "application/pdf")
    g2 = requests.get(f"{wecom.base_url}/cgi-bin/media/get",
                      params={"access_token": tok, "media_id": seeded})
    assert g2.content == b"%PDF-1.4 data"
    bad = requests.get(f"{wecom.base_url}/cgi-bin/media/get",
                       params={"access_token": tok, "media_id": "nope"})
    assert bad.headers["Content-Type"].startswith("application/json") and bad.json()["errcode"] == 40007
    assert wecom.requests_to("media/upload")[0]["files"]["media"]["size"] == 11


def test_wecom_robot_rate_limit_45009_at_21st(wecom):
    wecom.add_robot("KEY1")
    url = f"{wecom.base_url}/cgi-bin/webhook/send"
    assert requests.post(url, params={"key": "nope"}, json={"msgtype": "text", "text": {"content": "x"}}
                         ).json()["errcode"] == 93000
    codes = [requests.post(url, params={"key": "KEY1"},
                           json={"msgtype": "text", "text": {"content": f"n{i}", "mentioned_list": ["u1"]}}
                           ).json()["errcode"] for i in range(21)]
    assert codes == [0] * 20 + [45009]
    assert len(wecom.robot_messages("KEY1")) == 20
    long_md = {"msgtype": "markdown", "markdown": {"content": "x" * 4097}}
    wecom.advance(61)
    assert requests.post(url, params={"key": "KEY1"}, json=long_md).json()["errcode"] != 0
    ok_md = {"msgtype": "markdown", "markdown": {"content": "x" * 4096}}
    assert requests.post(url, params={"key": "KEY1"}, json=ok_md).json()["errcode"] == 0


def test_fault_injection_and_outage(wecom):
    tok = _wx_token(wecom)
    wecom.fail_next("message/send", "busy")
    wecom.fail_next("message/send", "http500")
    wecom.fail_next("message/send", {"errcode": 60020, "errmsg": "not allow to access from your ip"})
    wecom.fail_next("message/send", "drop")
    wecom.fail_next("message/send", "slow:0.2")
    assert _wx_send(wecom, tok, _text("u1"))["errcode"] == -1
    r = requests.post(f"{wecom.base_url}/cgi-bin/message/send", params={"access_token": tok},
                      json={"agentid": 1000002, **_text("u1")})
    assert r.status_code == 500
    assert _wx_send(wecom, tok, _text("u1"))["errcode"] == 60020
    with pytest.raises(requests.ConnectionError):
        _wx_send(wecom, tok, _text("u1"))
    import time
    t0 = time.monotonic()
    assert _wx_send(wecom, tok, _text("u1", "slow"))["errcode"] == 0
    assert time.monotonic() - t0 >= 0.2
    wecom.down(True)
    assert requests.get(f"{wecom.base_url}/cgi-bin/gettoken").status_code == 503
    wecom.down(False)
    assert _wx_send(wecom, tok, _text("u1", "back"))["errcode"] == 0
    assert wecom.texts_for("u1") == ["slow", "back"]
    assert [r["status"] for r in wecom.requests_to("message/send")][:4] == [200, 500, 200, "dropped"]


# ---------------------------------------------------------------------------------- DingTalk
def _dt_token(fake) -> str:
    r = requests.post(f"{fake.base_url}/v1.0/oauth2/accessToken",
                      json={"appKey": fake.app_key, "appSecret": fake.app_secret})
    assert r.status_code == 200
    return r.json()["accessToken"]


def _batch(fake, token, user_ids, msg_key="sampleText", param=None):
    return requests.post(f"{fake.base_url}/v1.0/robot/oToMessages/batchSend",
                         headers={"x-acs-dingtalk-access-token": token},
                         json={"robotCode": fake.app_key, "userIds": user_ids, "msgKey": msg_key,
                               "msgParam": json.dumps(param or {"content": "hello"})})


def test_dingtalk_tokens_and_batch_send(ding):
    bad = requests.post(f"{ding.base_url}/v1.0/oauth2/accessToken",
                        json={"appKey": ding.app_key, "appSecret": "wrong"})
    assert bad.status_code == 400 and bad.json()["code"]
    tok = _dt_token(ding)
    old = requests.get(f"{ding.base_url}/gettoken",
                       params={"appkey": ding.app_key, "appsecret": ding.app_secret}).json()
    assert old["errcode"] == 0 and old["access_token"] == tok   # same token within its lifetime
    r = _batch(ding, tok, ["u1", "u2"])
    assert r.status_code == 200
    assert r.json() == {"processQueryKey": r.json()["processQueryKey"], "invalidStaffIdList": [],
                        "flowControlledStaffIdList": []}
    assert ding.messages_to("u1") == [{"msgKey": "sampleText", "content": "hello"}]
    over = _batch(ding, tok, [f"u{i}" for i in range(21)])
    assert over.status_code == 400 and over.json()["code"] == "invalidParameter.userIds.overMax"
    assert _batch(ding, tok, ["u1"], msg_key="sampleImage").status_code == 400
    not_str = requests.post(f"{ding.base_url}/v1.0/robot/oToMessages/batchSend",
                            headers={"x-acs-dingtalk-access-token": tok},
                            json={"robotCode": ding.app_key, "userIds": ["u1"], "msgKey": "sampleText",
                                  "msgParam": {"content": "x"}})
    assert not_str.status_code == 400
    ding.advance(7201)
    expired = _batch(ding, tok, ["u1"])
    assert expired.status_code == 400 and expired.json() == {
        "code": "InvalidAuthentication", "message": "不合法的access_token",
        "requestid": expired.json()["requestid"]}
    tok2 = _dt_token(ding)
    assert tok2 != tok
    ding.revoke_tokens()
    assert _batch(ding, tok2, ["u1"]).status_code == 400
    assert ding.token_calls == 3


def test_dingtalk_session_webhook_and_files(ding):
    url, expires_ms = ding.new_session(user_id="u9")
    assert expires_ms > ding.now_ms()
    r = requests.post(url, json={"msgtype": "markdown", "markdown": {"title": "T", "text": "**hi**"}})
    assert r.json()["errcode"] == 0
    assert ding.texts_to("u9") == ["**hi**"] and len(ding.session_messages(url)) == 1
    ding.expire_session(url)
    assert requests.post(url, json={"msgtype": "text", "text": {"content": "x"}}).json()["errcode"] == 400013
    tok = _dt_token(ding)
    code = ding.add_file(b"img-bytes", "a.png")
    d = requests.post(f"{ding.base_url}/v1.0/robot/messageFiles/download",
                      headers={"x-acs-dingtalk-access-token": tok},
                      json={"robotCode": ding.app_key, "downloadCode": code}).json()
    f = requests.get(d["downloadUrl"])
    assert f.content == b"img-bytes" and f.headers["Content-Type"] == "image/png"
    up = requests.post(f"{ding.base_url}/media/upload", params={"access_token": tok},
                       data={"type": "image"}, files={"media": ("x.png", b"pngdata", "image/png")}).json()
    assert up["errcode"] == 0 and up["media_id"]


def test_dingtalk_custom_robot_sign_and_130101(ding):
    assert robot_sign("1577262236757", "this is secret") == "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM="
    ding.add_robot("rtok", "SECabc123")
    body = {"msgtype": "text", "text": {"content": "alert"}}
    base = f"{ding.base_url}/robot/send?access_token=rtok"
    ts = ding.now_ms()
    assert requests.post(f"{base}&timestamp={ts}&sign=bad", json=body).json()["errcode"] == 310000
    old = ts - 3_600_001
    stale = f"{base}&timestamp={old}&sign={quote_plus(robot_sign(old, 'SECabc123'))}"
    assert requests.post(stale, json=body).json()["errcode"] == 310000
    codes = [requests.post(ding.signed_robot_url("rtok"), json=body).json()["errcode"] for _ in range(21)]
    assert codes == [0] * 20 + [130101]
    ding.advance(120)   # minute window passed, but the 10-minute throttle still holds
    assert requests.post(ding.signed_robot_url("rtok"), json=body).json()["errcode"] == 130101
    ding.advance(481)
    assert requests.post(ding.signed_robot_url("rtok"), json=body).json()["errcode"] == 0
    assert len(ding.robot_messages("rtok")) == 21


def test_dingtalk_stream_gateway(ding):
    open_url = f"{ding.base_url}/v1.0/gateway/connections/open"
    sub = [{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}]
    denied = requests.post(open_url, json={"clientId": ding.app_key, "clientSecret": "x", "subscriptions": sub})
    assert denied.status_code == 401 and denied.json()["code"] == "authFailed"
    conn = requests.post(open_url, json={"clientId": ding.app_key, "clientSecret": ding.app_secret,
                                         "subscriptions": sub}).json()
    assert conn["endpoint"].startswith("ws://127.0.0.1:") and conn["ticket"]
    assert ding.open_requests[-1]["subscriptions"] == sub
    with pytest.raises(InvalidStatus):
        ws_connect(f"{conn['endpoint']}?ticket=bogus", open_timeout=2)
    with ws_connect(f"{conn['endpoint']}?ticket={quote_plus(conn['ticket'])}", open_timeout=2) as ws:
        assert ding.wait_connected(2) and ding.connections_opened == 1
        mid = ding.push_callback({"msgId": "m1", "text": {"content": "hi"}})
        frame = json.loads(ws.recv(timeout=2))
        assert frame["type"] == "CALLBACK" and frame["headers"]["messageId"] == mid
        assert frame["headers"]["topic"] == "/v1.0/im/bot/messages/get"
        assert json.loads(frame["data"])["text"]["content"] == "hi"
        ws.send(json.dumps({"code": 200, "headers": {"contentType": "application/json", "messageId": mid},
                            "message": "OK", "data": json.dumps({"response": "OK"})}))
        ack = ding.wait_ack(mid, timeout=2)
        assert ack and ack["code"] == 200 and json.loads(ack["data"]) == {"response": "OK"}
        pid = ding.ping()
        ping = json.loads(ws.recv(timeout=2))
        assert ping["type"] == "SYSTEM" and ping["headers"]["topic"] == "ping"
        ding.silence(True)
        ding.push_callback({"msgId": "m2"})
        assert ding.pushed[-1]["sent"] is False
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.2)
        ding.silence(False)
        ding.disconnect_once(close_after=0.2)
        frame = json.loads(ws.recv(timeout=2))
        assert frame["headers"]["topic"] == "disconnect" and pid != frame["headers"]["messageId"]
