"""Fake DingTalk (钉钉) servers: api + oapi HTTP endpoints, session/custom robot webhooks, Stream gateway.

One loopback HTTP server answers both hosts (``/v1.0/...`` = api.dingtalk.com, everything else =
oapi.dingtalk.com), so point both base URLs (and ``DINGTALK_OPENAPI_ENDPOINT`` for the stream SDK,
set before importing ``dingtalk_stream``) at ``fake.base_url``. A second, ``websockets``-based server
(own asyncio loop in its own thread) plays the Stream gateway. Behaviour follows
/work/shared/protocols/dingtalk.md §2–§4, §7, §8; time follows the fake clock (``advance``).

The web sign-in too ("Sign-in for a web page"): the login page of login.dingtalk.com
(``/oauth2/auth``, point DINGTALK_LOGIN_BASE at ``fake.base_url``; ``login_as`` says who signs in and
in which organisation), ``/v1.0/oauth2/userAccessToken``, ``/v1.0/contact/users/me``,
``/topapi/user/getbyunionid`` and the in-client code (``issue_auth_code``, what ``requestAuthCode``
hands the page) exchanged by ``/topapi/v2/user/getuserinfo``. Codes: valid 5 minutes, used once.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import mimetypes
import secrets
import threading
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from flask import Response, redirect, request
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Opcode

from .server import FakeServer, SlidingWindow, TokenStore, json_response

MSG_KEYS = {"sampleText", "sampleMarkdown", "sampleImageMsg", "sampleLink", "sampleActionCard",
            "sampleActionCard2", "sampleActionCard3", "sampleActionCard4", "sampleActionCard5",
            "sampleActionCard6", "sampleFile", "sampleAudio", "sampleVideo"}
ROBOT_MSGTYPES = {"text", "markdown", "link", "actionCard", "feedCard"}
BOT_TOPIC = "/v1.0/im/bot/messages/get"
TOKEN_TTL = 7200
SESSION_TTL_MS = 5_400_000
AUTH_CODE_TTL = 5 * 60            # sign-in codes (authCode and the JSAPI's code): 5 minutes, used once


def _oapi(code: int, msg: str, **extra: Any) -> Response:
    return json_response({"errcode": code, "errmsg": msg, **extra})


def _api_err(status: int, code: str, message: str) -> Response:
    return json_response({"code": code, "message": message,
                          "requestid": secrets.token_hex(8).upper()}, status)


def robot_sign(timestamp: str | int, secret: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), not URL-encoded."""
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


class FakeDingTalk(FakeServer):
    """Loopback stand-in for api.dingtalk.com + oapi.dingtalk.com + the Stream gateway (one app)."""

    name = "fake-dingtalk"

    def __init__(self, app_key: str = "dingtestkey", app_secret: str = "dingtestsecret",
                 users: set[str] | None = None, agent_id: int | None = None,
                 token_ttl: int = TOKEN_TTL, corp_id: str = "dingtestcorp") -> None:
        self.app_key, self.app_secret = app_key, app_secret
        self.corp_id = corp_id
        # web sign-in
        self.signed_in: dict[str, str] | None = None     # {userid, corp_id} of the browser's DingTalk
        self.auth_codes: dict[str, dict] = {}             # code -> {userid, corp_id, kind, issued_at, used_at}
        self.user_tokens: dict[str, dict] = {}            # user access token -> {userid, corp_id}
        self.users = set(users) if users is not None else None   # None: every userId is valid
        self.agent_id = agent_id                                  # None: any agent_id accepted
        self.token_ttl = token_ttl
        self.token_calls = 0
        self.flow_controlled: set[str] = set()    # userIds batchSend reports as flow-controlled
        self._n = 0
        self.batch_sends: list[dict] = []         # accepted batchSend bodies (+ "processQueryKey")
        self.group_sends: list[dict] = []         # accepted groupMessages/send bodies
        self.work_notices: list[dict] = []        # accepted asyncsend_v2 bodies (+ "task_id")
        self._user_msgs: list[tuple[str, dict]] = []   # (userId, {"msgKey":..., **msgParam})
        self._group_msgs: list[tuple[str, dict]] = []  # (openConversationId, {"msgKey":..., ...})
        self.files: dict[str, dict] = {}          # downloadCode -> {id, data, name, content_type}
        self._file_ids: dict[str, str] = {}       # file id (URL part) -> downloadCode
        self.media: dict[str, dict] = {}          # media_id -> {data, filename, content_type, type}
        self.sessions: dict[str, dict] = {}       # session hex -> {user_id, conversation_id, expires_ms, expired, messages}
        self.robots: dict[str, dict] = {}         # custom robot token -> {secret, keywords, messages, throttled_until}
        # Stream gateway state
        self.open_requests: list[dict] = []       # bodies of connections/open calls
        self.acks: list[dict] = []                # every JSON frame received from stream clients
        self.pushed: list[dict] = []              # frames pushed (each with "sent": bool)
        self.connections_opened = 0               # WebSocket connections accepted so far
        self.ws_port = 0
        self._tickets: set[str] = set()
        self._conns: list[tuple[str, ServerConnection]] = []
        self._silenced = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws_server = None
        self._ws_thread: threading.Thread | None = None
        super().__init__()
        self._cond = threading.Condition(self.lock)
        self.tokens = TokenStore(self.clock)
        self.robot_window = SlidingWindow(20, 60)

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> "FakeDingTalk":
        if self._ws_thread is None:
            self._ws_start()
        super().start()
        return self

    def stop(self) -> None:
        super().stop()
        if self._ws_thread is not None:
            self._ws_stop()

    # ---- controls ---------------------------------------------------------------------------
    def _id(self) -> int:
        with self.lock:
            self._n += 1
            return self._n

    def expire_tokens(self) -> None:
        """All current tokens are expired (oapi 42001, api HTTP 400 InvalidAuthentication)."""
        self.tokens.expire_all()

    def revoke_tokens(self) -> None:
        """All current tokens are unknown (oapi 40014, api HTTP 400 InvalidAuthentication)."""
        self.tokens.revoke_all()

    def add_file(self, data: bytes, name: str, content_type: str | None = None) -> str:
        """Seed a file a user 'sent' to the robot; returns its downloadCode."""
        code = "dc" + secrets.token_urlsafe(24)
        fid = secrets.token_hex(8)
        ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        with self.lock:
            self.files[code] = {"id": fid, "data": bytes(data), "name": name, "content_type": ctype}
            self._file_ids[fid] = code
        return code

    def new_session(self, user_id: str | None = None, conversation_id: str | None = None,
                    ttl_ms: int = SESSION_TTL_MS) -> tuple[str, int]:
        """A sessionWebhook URL (as in a robot callback) and its expiry in epoch ms (fake clock).

        Give ``user_id`` for a 1:1 session so its messages show in ``messages_to(user_id)``."""
        sid = secrets.token_hex(16)
        expires_ms = self.now_ms() + ttl_ms
        with self.lock:
            self.sessions[sid] = {"user_id": user_id, "conversation_id": conversation_id,
                                  "expires_ms": expires_ms, "expired": False, "messages": []}
        return f"{self.base_url}/robot/sendBySession?session={sid}", expires_ms

    def expire_session(self, url_or_session: str) -> None:
        with self.lock:
            self.sessions[self._sid(url_or_session)]["expired"] = True

    def add_robot(self, access_token: str, secret: str | None = None,
                  keywords: list[str] | None = None) -> str:
        """Register a custom group robot; returns its webhook URL (without timestamp/sign)."""
        with self.lock:
            self.robots[access_token] = {"secret": secret, "keywords": list(keywords or []),
                                         "messages": [], "throttled_until": 0.0}
        return f"{self.base_url}/robot/send?access_token={access_token}"

    def signed_robot_url(self, access_token: str, timestamp_ms: int | None = None) -> str:
        """Webhook URL with a valid timestamp/sign for the robot's secret (fake clock by default)."""
        from urllib.parse import quote_plus
        ts = str(self.now_ms() if timestamp_ms is None else timestamp_ms)
        sign = quote_plus(robot_sign(ts, self.robots[access_token]["secret"]))
        return f"{self.base_url}/robot/send?access_token={access_token}&timestamp={ts}&sign={sign}"

    # ---- record helpers ---------------------------------------------------------------------
    def messages_to(self, user_id: str) -> list[dict]:
        """Robot messages that reached ``user_id`` (batchSend + 1:1 session webhooks), as
        ``{"msgKey": ..., **msgParam}``. Session-webhook bodies map text → sampleText, markdown →
        sampleMarkdown, other msgtypes → ``{"msgKey": msgtype, **body[msgtype]}``."""
        with self.lock:
            return [m for u, m in self._user_msgs if u == user_id]

    def texts_to(self, user_id: str) -> list[str]:
        return [_text_of(m) for m in self.messages_to(user_id)]

    def group_messages_to(self, open_conversation_id: str) -> list[dict]:
        """groupMessages/send messages + group session-webhook messages for that conversation."""
        with self.lock:
            return [m for c, m in self._group_msgs if c == open_conversation_id]

    def session_messages(self, url_or_session: str) -> list[dict]:
        with self.lock:
            return list(self.sessions[self._sid(url_or_session)]["messages"])

    def robot_messages(self, access_token: str) -> list[dict]:
        with self.lock:
            return list(self.robots[access_token]["messages"])

    def work_notices_to(self, user_id: str) -> list[dict]:
        with self.lock:
            return [n["msg"] for n in self.work_notices
                    if user_id in str(n.get("userid_list", "")).split(",")]

    @staticmethod
    def _sid(url_or_session: str) -> str:
        if "session=" in url_or_session:
            return parse_qs(urlsplit(url_or_session).query)["session"][0]
        return url_or_session

    # ---- web sign-in ------------------------------------------------------------------------
    @staticmethod
    def union_id(userid: str) -> str:
        """The unionId this fake gives ``userid`` (DingTalk's is opaque; stable per person)."""
        return "un" + hashlib.sha256(userid.encode()).hexdigest()[:20]

    def login_as(self, userid: str | None, corp_id: str | None = None) -> None:
        """Who signs in on the login page: ``userid`` of organisation ``corp_id`` (ours by default)."""
        self.signed_in = None if userid is None else {"userid": userid, "corp_id": corp_id or self.corp_id}

    def _new_code(self, kind: str, userid: str, corp_id: str) -> str:
        code = secrets.token_hex(16)
        with self.lock:
            self.auth_codes[code] = {"userid": userid, "corp_id": corp_id, "kind": kind,
                                     "issued_at": self.clock(), "used_at": None}
        return code

    def issue_auth_code(self, userid: str) -> str:
        """The code ``dd.runtime.permission.requestAuthCode`` gives a page inside the client."""
        return self._new_code("jsapi", userid, self.corp_id)

    def _take_code(self, code: Any, kind: str) -> dict | None:
        now = self.clock()
        with self.lock:
            entry = self.auth_codes.get(code) if isinstance(code, str) else None
            if entry is None or entry["kind"] != kind or entry["used_at"] is not None \
                    or now - entry["issued_at"] > AUTH_CODE_TTL:
                return None
            entry["used_at"] = now
            return entry

    def _login_page(self) -> Response:
        args = request.args
        for name, expected in (("client_id", self.app_key), ("response_type", "code")):
            if args.get(name) != expected:
                return Response(f"参数错误：{name}", status=400, content_type="text/plain; charset=utf-8")
        if "openid" not in args.get("scope", "").split():
            return Response("参数错误：scope", status=400, content_type="text/plain; charset=utf-8")
        target = args.get("redirect_uri", "")
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return Response("redirect_uri 参数错误", status=400, content_type="text/plain; charset=utf-8")
        if self.signed_in is None:
            return Response("请扫码登录", status=200, content_type="text/plain; charset=utf-8")
        code = self._new_code("oauth", self.signed_in["userid"], self.signed_in["corp_id"])
        joiner = "&" if parts.query else "?"
        return redirect(target + joiner + urlencode({"authCode": code, "state": args.get("state", "")}),
                        code=302)

    def _user_access_token(self) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or body.get("grantType") != "authorization_code":
            return _api_err(400, "invalidParameter", "grantType 必须为 authorization_code")
        if body.get("clientId") != self.app_key or body.get("clientSecret") != self.app_secret:
            return _api_err(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        entry = self._take_code(body.get("code"), "oauth")
        if entry is None:        # real code name unconfirmed
            return _api_err(400, "invalidAuthCode", "授权码不存在、已过期或已被使用")
        token = "ut" + secrets.token_hex(16)
        with self.lock:
            self.user_tokens[token] = {"userid": entry["userid"], "corp_id": entry["corp_id"]}
        return json_response({"accessToken": token, "refreshToken": "rt" + secrets.token_hex(16),
                              "expireIn": 7200, "corpId": entry["corp_id"]})

    def _users_me(self) -> Response:
        with self.lock:
            user = self.user_tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""))
        if user is None:
            return _api_err(400, "InvalidAuthentication", "不合法的access_token")
        return json_response({"nick": user["userid"], "unionId": self.union_id(user["userid"]),
                              "openId": "op" + user["userid"], "stateCode": "86"})

    def _getbyunionid(self) -> Response:
        bad = self._oapi_auth()
        if bad:
            return bad
        body = request.get_json(silent=True, force=True) or {}
        with self.lock:
            # the organisation's members this fake has met (a unionId of another organisation is unknown)
            members = {e["userid"] for e in self.auth_codes.values() if e["corp_id"] == self.corp_id}
            known = {self.union_id(userid): {"userid": userid} for userid in members | (self.users or set())}
        entry = known.get(body.get("unionid"))
        if entry is None:
            return _oapi(60121, "找不到该用户")
        return _oapi(0, "ok", result={"contact_type": 0, "userid": entry["userid"]})

    def _getuserinfo(self) -> Response:
        bad = self._oapi_auth()
        if bad:
            return bad
        body = request.get_json(silent=True, force=True) or {}
        entry = self._take_code(body.get("code"), "jsapi")
        if entry is None:
            return _oapi(40078, "不存在的临时授权码")
        return _oapi(0, "ok", result={"userid": entry["userid"], "unionid": self.union_id(entry["userid"]),
                                      "name": entry["userid"], "sys": False})

    # ---- faults -----------------------------------------------------------------------------
    def fault_response(self, kind: str, path: str) -> Response:
        if path.startswith("/v1.0/"):
            # api-host error codes for busy / QPS limit are not documented precisely (dingtalk.md §7).
            if kind == "token_invalid":
                return _api_err(400, "InvalidAuthentication", "不合法的access_token")
            if kind == "ratelimit":
                return _api_err(403, "Forbidden.AccessDenied.QpsLimitForApi", "qps limit")
            return _api_err(503, "ServiceUnavailable", "system busy")
        if kind == "busy":
            return _oapi(-1, "系统繁忙")
        if kind == "ratelimit":
            if path.endswith("/robot/send"):
                return _oapi(130101, "send too fast, exceed 20 times per minute")
            return _oapi(90002, "api freq out of limit")
        if path.endswith("/robot/send"):
            return _oapi(300001, "token is not exist")
        return _oapi(40014, "不合法的access_token")

    # ---- routes -----------------------------------------------------------------------------
    def _routes(self) -> None:
        r = self.app.add_url_rule
        r("/v1.0/oauth2/accessToken", view_func=self._access_token, methods=["POST"])
        r("/gettoken", view_func=self._gettoken, methods=["GET"])
        r("/v1.0/robot/oToMessages/batchSend", view_func=self._batch_send, methods=["POST"])
        r("/v1.0/robot/groupMessages/send", view_func=self._group_send, methods=["POST"])
        r("/v1.0/robot/messageFiles/download", view_func=self._file_download, methods=["POST"])
        r("/files/<fid>", view_func=self._file_get, methods=["GET"])
        r("/media/upload", view_func=self._media_upload, methods=["POST"])
        r("/robot/sendBySession", view_func=self._send_by_session, methods=["POST"])
        r("/robot/send", view_func=self._robot_send, methods=["POST"])
        r("/topapi/message/corpconversation/asyncsend_v2", view_func=self._asyncsend, methods=["POST"])
        r("/topapi/message/corpconversation/getsendresult", view_func=self._sendresult,
          methods=["POST"])
        r("/v1.0/gateway/connections/open", view_func=self._open_connection, methods=["POST"])
        r("/oauth2/auth", view_func=self._login_page, methods=["GET"])
        r("/v1.0/oauth2/userAccessToken", view_func=self._user_access_token, methods=["POST"])
        r("/v1.0/contact/users/me", view_func=self._users_me, methods=["GET"])
        r("/topapi/user/getbyunionid", view_func=self._getbyunionid, methods=["POST"])
        r("/topapi/v2/user/getuserinfo", view_func=self._getuserinfo, methods=["POST"])

    # tokens ------------------------------------------------------------------------------------
    def _issue_token(self) -> str:
        with self.lock:
            self.token_calls += 1
            live = self.tokens.live()
            if live:   # within its lifetime a repeated fetch returns the same token, extended
                self.tokens.extend(live, self.token_ttl)
                return live
            return self.tokens.issue(self.token_ttl, prefix="dtok")

    def _access_token(self) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _api_err(400, "MissingappKey", "body must be JSON with appKey/appSecret")
        if body.get("appKey") != self.app_key or body.get("appSecret") != self.app_secret:
            # Real code name unconfirmed; any 4xx here is a configuration error.
            return _api_err(400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret")
        return json_response({"accessToken": self._issue_token(), "expireIn": self.token_ttl})

    def _gettoken(self) -> Response:
        if (request.args.get("appkey") != self.app_key
                or request.args.get("appsecret") != self.app_secret):
            with self.lock:
                self.token_calls += 1
            return _oapi(40089, "不合法的appKey或appSecret")   # exact code unconfirmed
        return _oapi(0, "ok", access_token=self._issue_token(), expires_in=self.token_ttl)

    def _api_auth(self) -> Response | None:
        if self.tokens.status(request.headers.get("x-acs-dingtalk-access-token")) != "ok":
            return _api_err(400, "InvalidAuthentication", "不合法的access_token")
        return None

    def _oapi_auth(self) -> Response | None:
        status = self.tokens.status(request.args.get("access_token"))
        if status == "expired":
            return _oapi(42001, "access_token已过期")
        if status != "ok":   # missing or unknown; the code for "missing" is unconfirmed
            return _oapi(40014, "不合法的access_token")
        return None

    # robot OpenAPI -----------------------------------------------------------------------------
    def _robot_body(self) -> tuple[dict | None, dict | None, Response | None]:
        """Common checks: token, JSON body, robotCode, msgKey, msgParam -> (body, param, error)."""
        bad = self._api_auth()
        if bad:
            return None, None, bad
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            return None, None, _api_err(400, "invalidParameter.body.invalid", "body must be JSON")
        if body.get("robotCode") != self.app_key:
            return None, None, _api_err(400, "invalidParameter.robotCode.notExist", "robot 不存在")
        if body.get("msgKey") not in MSG_KEYS:
            return None, None, _api_err(400, "invalidParameter.msgKey.invalid", "msgKey 无效")
        raw = body.get("msgParam")
        try:
            param = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            param = None
        if not isinstance(param, dict):
            return None, None, _api_err(400, "invalidParameter.msgParam.invalid",
                                        "msgParam must be a JSON string")
        if len(raw.encode("utf-8")) > 15000:
            return None, None, _api_err(400, "invalidParameter.msgParam.tooLong", "msgParam too long")
        return body, {"msgKey": body["msgKey"], **param}, None

    def _batch_send(self) -> Response:
        body, msg, bad = self._robot_body()
        if bad:
            return bad
        user_ids = body.get("userIds")
        if not isinstance(user_ids, list) or not user_ids:
            return _api_err(400, "invalidParameter.userIds.empty", "userIds 不能为空")
        if len(user_ids) > 20:
            return _api_err(400, "invalidParameter.userIds.overMax", "userIds 超过最大值 20")
        invalid = [u for u in user_ids if self.users is not None and u not in self.users]
        limited = [u for u in user_ids if u in self.flow_controlled and u not in invalid]
        pqk = f"pqk-{self._id()}"
        with self.lock:
            self.batch_sends.append({**body, "processQueryKey": pqk})
            for u in user_ids:
                if u not in invalid and u not in limited:
                    self._user_msgs.append((u, msg))
        return json_response({"processQueryKey": pqk, "invalidStaffIdList": invalid,
                              "flowControlledStaffIdList": limited})

    def _group_send(self) -> Response:
        body, msg, bad = self._robot_body()
        if bad:
            return bad
        cid = body.get("openConversationId")
        if not cid:
            return _api_err(400, "invalidParameter.openConversationId.empty", "openConversationId 不能为空")
        pqk = f"pqk-{self._id()}"
        with self.lock:
            self.group_sends.append({**body, "processQueryKey": pqk})
            self._group_msgs.append((cid, msg))
        return json_response({"processQueryKey": pqk})

    def _file_download(self) -> Response:
        bad = self._api_auth()
        if bad:
            return bad
        body = request.get_json(silent=True, force=True) or {}
        if body.get("robotCode") != self.app_key:
            return _api_err(400, "invalidParameter.robotCode.notExist", "robot 不存在")
        f = self.files.get(body.get("downloadCode"))
        if f is None:   # real code name unconfirmed
            return _api_err(400, "invalidParameter.downloadCode.invalid", "downloadCode 无效")
        return json_response({"downloadUrl": f"{self.base_url}/files/{f['id']}"})

    def _file_get(self, fid: str) -> Response:
        code = self._file_ids.get(fid)
        if code is None:
            return Response("NoSuchKey", 404, content_type="text/plain")
        f = self.files[code]
        return Response(f["data"], content_type=f["content_type"])

    def _media_upload(self) -> Response:
        bad = self._oapi_auth()
        if bad:
            return bad
        f = request.files.get("media")
        mtype = request.form.get("type") or request.args.get("type") or ""
        if mtype not in ("image", "voice", "video", "file"):
            return _oapi(40005, "不合法的文件类型")
        if f is None:
            return _oapi(41005, "缺少多媒体文件数据")
        data = f.read()
        media_id = "@lA" + secrets.token_urlsafe(24)
        with self.lock:
            self.media[media_id] = {"data": data, "filename": f.filename, "type": mtype,
                                    "content_type": f.mimetype}
        return _oapi(0, "ok", type=mtype, media_id=media_id, created_at=self.now_ms())

    # webhooks ----------------------------------------------------------------------------------
    @staticmethod
    def _check_robot_body(body: Any) -> Response | None:
        if not isinstance(body, dict) or body.get("msgtype") not in ROBOT_MSGTYPES:
            return _oapi(40035, "缺少参数 msgtype 或消息格式不合法")
        part = body.get(body["msgtype"])
        if not isinstance(part, dict):
            return _oapi(40035, f"缺少参数 {body['msgtype']}")
        if body["msgtype"] == "text" and not str(part.get("content") or "").strip():
            return _oapi(40035, "缺少参数 content")
        if body["msgtype"] == "markdown" and not (part.get("title") and part.get("text")):
            return _oapi(40035, "缺少参数 title/text")
        if len(request.get_data()) > 20000:
            return _oapi(460101, "message too long, exceed 20000 bytes")
        return None

    def _send_by_session(self) -> Response:
        sid = request.args.get("session", "")
        body = request.get_json(silent=True, force=True)
        with self.lock:
            s = self.sessions.get(sid)
            # The real error for an unknown/expired sessionWebhook is unconfirmed; 400013 is this
            # fake's choice. Bots should fall back to the OpenAPI on any non-zero errcode.
            if s is None:
                return _oapi(400013, "session not found")
            if s["expired"] or self.now_ms() > s["expires_ms"]:
                return _oapi(400013, "session expired")
            bad = self._check_robot_body(body)
            if bad:
                return bad
            s["messages"].append(body)
            msg = _session_to_msg(body)
            if s["user_id"]:
                self._user_msgs.append((s["user_id"], msg))
            elif s["conversation_id"]:
                self._group_msgs.append((s["conversation_id"], msg))
        return _oapi(0, "ok")

    def _robot_send(self) -> Response:
        token = request.args.get("access_token")
        if not token:
            return _oapi(40035, "缺少参数 access_token")
        robot = self.robots.get(token)
        if robot is None:
            return _oapi(300001, "token is not exist")
        now = self.clock()
        if robot["secret"]:
            ts, sign = request.args.get("timestamp", ""), request.args.get("sign", "")
            if not ts.isdigit() or abs(int(ts) - now * 1000) > 3600 * 1000:
                return _oapi(310000, "invalid timestamp")
            if not hmac.compare_digest(sign, robot_sign(ts, robot["secret"])):
                return _oapi(310000, "sign not match")
        body = request.get_json(silent=True, force=True)
        bad = self._check_robot_body(body)
        if bad:
            return bad
        if robot["keywords"]:
            blob = json.dumps(body, ensure_ascii=False)
            if not any(k in blob for k in robot["keywords"]):
                return _oapi(310000, "keywords not in content")
        with self.lock:
            if now < robot["throttled_until"]:
                return _oapi(130101, "send too fast, exceed 20 times per minute")
            if not self.robot_window.allow(token, now):
                robot["throttled_until"] = now + 600   # throttled for 10 minutes
                return _oapi(130101, "send too fast, exceed 20 times per minute")
            robot["messages"].append(body)
        return _oapi(0, "ok")

    # work notifications ------------------------------------------------------------------------
    def _asyncsend(self) -> Response:
        bad = self._oapi_auth()
        if bad:
            return bad
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            body = request.form.to_dict()
            if isinstance(body.get("msg"), str):
                try:
                    body["msg"] = json.loads(body["msg"])
                except ValueError:
                    pass
        # errcodes below are this fake's choice (real ones unconfirmed).
        try:
            agent = int(body.get("agent_id"))
        except (TypeError, ValueError):
            return _oapi(40035, "缺少参数 agent_id")
        if self.agent_id is not None and agent != int(self.agent_id):
            return _oapi(40056, "不合法的agentid")
        users = [u for u in str(body.get("userid_list") or "").split(",") if u]
        if len(users) > 100:
            return _oapi(40035, "userid_list exceeds 100")
        if not users and not body.get("dept_id_list") and not body.get("to_all_user"):
            return _oapi(40035, "缺少参数 userid_list")
        msg = body.get("msg")
        if not isinstance(msg, dict) or msg.get("msgtype") not in msg:
            return _oapi(40035, "缺少参数 msg")
        task_id = self._id()
        with self.lock:
            self.work_notices.append({**body, "task_id": task_id})
        return _oapi(0, "ok", task_id=task_id, request_id=secrets.token_hex(8))

    def _sendresult(self) -> Response:
        bad = self._oapi_auth()
        if bad:
            return bad
        body = request.get_json(silent=True, force=True) or {}
        notice = next((n for n in self.work_notices if n["task_id"] == body.get("task_id")), None)
        if notice is None:
            return _oapi(40035, "task_id 不存在")
        users = [u for u in str(notice.get("userid_list") or "").split(",") if u]
        return _oapi(0, "ok", send_result={
            "invalid_user_id_list": [], "forbidden_user_id_list": [], "failed_user_id_list": [],
            "read_user_id_list": [], "unread_user_id_list": users, "invalid_dept_id_list": [],
            "forbidden_list": []})

    # ---- Stream gateway: HTTP part -----------------------------------------------------------
    def _open_connection(self) -> Response:
        body = request.get_json(silent=True, force=True)
        with self.lock:
            self.open_requests.append(body)
        if (not isinstance(body, dict) or body.get("clientId") != self.app_key
                or body.get("clientSecret") != self.app_secret):
            return _api_err(401, "authFailed", "鉴权失败")
        ticket = f"t-{self._id()}"
        with self.lock:
            self._tickets.add(ticket)
        return json_response({"endpoint": f"ws://127.0.0.1:{self.ws_port}/connect", "ticket": ticket})

    # ---- Stream gateway: WebSocket part ------------------------------------------------------
    def _ws_start(self) -> None:
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        async def main() -> None:
            self._ws_server = await serve(self._ws_handler, "127.0.0.1", 0, ping_interval=None,
                                          close_timeout=1, process_request=self._ws_check)
            self.ws_port = self._ws_server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(main())
            self._loop.run_forever()

        self._ws_thread = threading.Thread(target=run, name=f"{self.name}-ws", daemon=True)
        self._ws_thread.start()
        if not ready.wait(5):
            raise RuntimeError("fake stream gateway did not start")

    def _ws_stop(self) -> None:
        async def shutdown() -> None:
            self._ws_server.close()
            await self._ws_server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._ws_thread.join(5)
            self._loop.close()
            self._ws_thread = self._loop = self._ws_server = None

    def _ws_check(self, connection: ServerConnection, req: Any) -> Any:
        parts = urlsplit(req.path)
        ticket = parse_qs(parts.query).get("ticket", [""])[0]
        with self.lock:
            ok = parts.path == "/connect" and ticket in self._tickets
            # Tickets are single-use here (real lifetime/reuse rules are unconfirmed).
            self._tickets.discard(ticket)
        if not ok:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")
        return None

    async def _ws_handler(self, ws: ServerConnection) -> None:
        conn_id = f"conn-{self._id()}"
        proto = ws.protocol
        orig_send_frame = proto.send_frame

        def send_frame(frame: Any) -> None:   # drop WebSocket pongs while silenced
            if self._silenced and frame.opcode is Opcode.PONG:
                return
            orig_send_frame(frame)

        proto.send_frame = send_frame  # type: ignore[method-assign]
        with self._cond:
            self._conns.append((conn_id, ws))
            self.connections_opened += 1
            self._cond.notify_all()
        try:
            async for raw in ws:
                try:
                    msg = json.loads(raw)
                except ValueError:
                    msg = {"raw": raw}
                with self._cond:
                    self.acks.append(msg)
                    self._cond.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._cond:
                self._conns = [c for c in self._conns if c[1] is not ws]
                self._cond.notify_all()

    def _push(self, ftype: str, topic: str, data: Any, extra_headers: dict | None = None) -> str:
        with self.lock:
            if not self._conns:
                raise RuntimeError("no stream client is connected")
            conn_id, ws = self._conns[-1]
        message_id = f"msg-{self._id()}-{secrets.token_hex(6)}"
        frame = {"specVersion": "1.0", "type": ftype,
                 "headers": {"appId": self.app_key, "connectionId": conn_id,
                             "contentType": "application/json", "messageId": message_id,
                             "time": str(self.now_ms()), "topic": topic, **(extra_headers or {})},
                 "data": data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)}
        sent = not self._silenced
        if sent:
            asyncio.run_coroutine_threadsafe(
                ws.send(json.dumps(frame, ensure_ascii=False)), self._loop).result(5)
        with self.lock:
            self.pushed.append({**frame, "sent": sent})
        return message_id

    def push_callback(self, data: dict, topic: str = BOT_TOPIC) -> str:
        """Send a CALLBACK frame (``data`` JSON-encoded) to the newest client; returns messageId."""
        return self._push("CALLBACK", topic, data)

    def push_event(self, data: dict, event_type: str, corp_id: str = "dingcorp") -> str:
        """Send an EVENT frame (e.g. ``user_add_org``) to the newest client; returns messageId."""
        eid = secrets.token_hex(8)
        return self._push("EVENT", event_type, data, {
            "eventType": event_type, "eventId": eid, "eventBornTime": str(self.now_ms()),
            "eventCorpId": corp_id, "eventUnifiedAppId": self.app_key})

    def ping(self) -> str:
        """Send a SYSTEM ping (clients must echo ``data`` in a 200 ack); returns messageId."""
        return self._push("SYSTEM", "ping", {"opaque": secrets.token_hex(8)})

    def disconnect_once(self, reason: str = "persistent connection is timeout",
                        close_after: float = 1.0) -> str:
        """Send one SYSTEM disconnect; the server closes that link after ``close_after`` s if the
        client has not. Returns messageId."""
        with self.lock:
            ws = self._conns[-1][1] if self._conns else None
        mid = self._push("SYSTEM", "disconnect", {"reason": reason})
        loop = self._loop
        loop.call_soon_threadsafe(lambda: loop.call_later(close_after,
                                                          lambda: loop.create_task(ws.close())))
        return mid

    def silence(self, on: bool = True) -> None:
        """While silenced the gateway answers no WebSocket pings and pushes nothing (push/ping
        calls are recorded with ``sent=False``), on current and new connections alike."""
        self._silenced = bool(on)

    def wait_connected(self, timeout: float = 5.0, count: int | None = None) -> bool:
        """Wait until a client is connected (and, with ``count``, ``connections_opened >= count``)."""
        with self._cond:
            return self._cond.wait_for(
                lambda: bool(self._conns) and (count is None or self.connections_opened >= count),
                timeout)

    def wait_ack(self, message_id: str, timeout: float = 5.0) -> dict | None:
        """The first received frame whose headers.messageId == message_id, or None on timeout."""
        def find() -> dict | None:
            return next((a for a in self.acks
                         if (a.get("headers") or {}).get("messageId") == message_id), None)
        with self._cond:
            self._cond.wait_for(lambda: find() is not None, timeout)
            return find()

    @property
    def connected(self) -> bool:
        with self.lock:
            return bool(self._conns)


def _session_to_msg(body: dict) -> dict:
    t = body["msgtype"]
    part = body[t]
    if t == "text":
        return {"msgKey": "sampleText", "content": part.get("content", "")}
    if t == "markdown":
        return {"msgKey": "sampleMarkdown", "title": part.get("title", ""), "text": part.get("text", "")}
    return {"msgKey": t, **part}


def _text_of(m: dict) -> str:
    """Readable text: sampleText content, markdown text, or card/link title + text."""
    key = m.get("msgKey", "")
    if key == "sampleText":
        return m.get("content", "")
    if key == "sampleMarkdown":
        return m.get("text", "")
    if "title" in m or "text" in m:
        return "\n".join(x for x in (m.get("title"), m.get("text")) if x)
    return json.dumps({k: v for k, v in m.items() if k != "msgKey"}, ensure_ascii=False)
