"""Fake WeCom (企业微信) API server: gettoken, message/send, template cards, media, group robots, and
the web sign-in (OAuth2 in the client, the web login in a PC browser, auth/getuserinfo).

Behaviour follows /work/shared/protocols/wecom.md §7–§10.1 and "Sign-in for a web page". Point the
bot's WeCom API base at ``fake.base_url + "/cgi-bin/"`` and WECOM_OAUTH_BASE / WECOM_LOGIN_BASE at
``fake.base_url`` (``login_as(userid)`` says who is signed in to the client). Time (token expiry, rate windows, 72 h response codes, 3-day media)
follows the fake clock (``advance(seconds)``), never real sleeping.
"""
from __future__ import annotations

import json
import secrets
from typing import Any

from urllib.parse import urlencode, urlsplit

from flask import Response, redirect, request

from .server import FakeServer, SlidingWindow, TokenStore, json_response

MSGTYPES = {"text", "markdown", "template_card", "file", "image", "voice", "video",
            "textcard", "news", "mpnews", "miniprogram_notice"}
# Card types whose send response carries a response_code (updatable cards).
UPDATABLE_CARDS = {"button_interaction", "vote_interaction", "multiple_interaction"}
ROBOT_MSGTYPES = {"text", "markdown", "markdown_v2", "news", "file", "image", "voice", "template_card"}

RESPONSE_CODE_TTL = 72 * 3600
OAUTH_CODE_TTL = 5 * 60           # a sign-in code: valid 5 minutes, usable once
MEDIA_TTL = 3 * 24 * 3600


def _err(code: int, msg: str, **extra: Any) -> Response:
    return json_response({"errcode": code, "errmsg": msg, **extra})


class FakeWeCom(FakeServer):
    """Loopback stand-in for https://qyapi.weixin.qq.com/cgi-bin/ (one corp, one app)."""

    name = "fake-wecom"

    def __init__(self, corp_id: str = "wwtestcorp", secret: str = "test-secret",
                 agent_id: int = 1000002, users: set[str] | None = None, token_ttl: int = 7200,
                 drop_over_limit: bool = True) -> None:
        self.corp_id, self.secret, self.agent_id = corp_id, secret, int(agent_id)
        self.users = set(users) if users is not None else None
        self.token_ttl = token_ttl
        self.drop_over_limit = drop_over_limit
        self.token_calls = 0
        self._rotate_next = False
        self._msg_n = 0
        self.delivered: list[tuple[str, dict]] = []   # (userid, request body) actually shown
        self.dropped: list[tuple[str, dict]] = []     # (userid, request body) silently dropped
        self.sent: list[dict] = []                    # every accepted message/send body
        self.response_codes: dict[str, dict] = {}     # code -> {issued_at, used_at, task_id, userids}
        self.card_updates: list[dict] = []            # accepted update_template_card bodies
        self.task_ids: set[str] = set()
        self.media: dict[str, dict] = {}              # media_id -> {data, filename, content_type, type, created_at, robot_key}
        self.robots: dict[str, list[dict]] = {}       # key -> accepted webhook bodies
        self._dupe_seen: dict[str, float] = {}
        # web sign-in
        self.signed_in: dict[str, Any] | None = None   # who the client / browser is signed in as
        self.oauth_codes: dict[str, dict] = {}         # code -> {userid, openid, issued_at, used_at}
        self.trusted_domain: str | None = None         # 可信域名 (host:port) the redirect_uri must match
        super().__init__()
        self.tokens = TokenStore(self.clock)
        self.minute_window = SlidingWindow(30, 60)     # per (agent, user)
        self.hour_window = SlidingWindow(1000, 3600)   # per (agent, user)
        self.robot_window = SlidingWindow(20, 60)      # per robot key

    # ---- controls ---------------------------------------------------------------------------
    def expire_tokens(self) -> None:
        """All current tokens answer 42001 (expired) from now on."""
        self.tokens.expire_all()

    def revoke_tokens(self) -> None:
        """All current tokens answer 40014 (invalid) from now on."""
        self.tokens.revoke_all()

    def rotate_on_next_gettoken(self) -> None:
        """The next gettoken revokes every older token (the real behaviour is unconfirmed)."""
        self._rotate_next = True

    def add_robot(self, key: str) -> str:
        """Register a group-robot webhook key; returns the webhook URL."""
        with self.lock:
            self.robots.setdefault(key, [])
        return f"{self.base_url}/cgi-bin/webhook/send?key={key}"

    def add_media(self, data: bytes, filename: str, content_type: str = "application/octet-stream",
                  media_type: str = "file") -> str:
        """Seed inbound media (e.g. for a file the user sent); returns its media_id."""
        return self._store_media(data, filename, content_type, media_type)

    def issue_response_code(self, task_id: str | None = None, userids: list[str] | None = None) -> str:
        """A fresh response_code, as WeCom puts into a template_card_event click callback."""
        code = "RC" + secrets.token_hex(16)
        with self.lock:
            self.response_codes[code] = {"issued_at": self.clock(), "used_at": None,
                                         "task_id": task_id, "userids": list(userids or [])}
        return code

    # ---- web sign-in ------------------------------------------------------------------------
    def login_as(self, userid: str | None, member: bool = True) -> None:
        """The member signed in to the client (or scanning the QR code); ``member=False``: a WeChat
        user outside the corp (getuserinfo answers an openid, no userid); None: nobody."""
        self.signed_in = None if userid is None else {"userid": userid, "member": member}

    def issue_oauth_code(self, userid: str, member: bool = True) -> str:
        """A fresh sign-in code for ``userid`` (as the authorize page puts into the redirect)."""
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.oauth_codes[code] = {"userid": userid if member else None,
                                      "openid": None if member else "o" + secrets.token_hex(8),
                                      "issued_at": self.clock(), "used_at": None}
        return code

    def _sign_in_redirect(self, check: dict) -> Response:
        """Shared by the authorize page and the web login: check the app's parameters and
        redirect_uri, then come back to it with ``code`` and ``state``."""
        args = request.args
        for name, expected in check.items():
            if args.get(name) != expected:
                return Response(f"参数错误：{name}", status=400, content_type="text/plain; charset=utf-8")
        target = args.get("redirect_uri", "")
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            # also what a twice-encoded redirect_uri looks like after one decoding ("http%3A%2F%2F…")
            return Response("redirect_uri 参数错误", status=400, content_type="text/plain; charset=utf-8")
        if "#" in target:
            return Response("redirect_uri 不能带 #", status=400, content_type="text/plain; charset=utf-8")
        if self.trusted_domain is not None and parts.netloc != self.trusted_domain:
            return Response("redirect_uri 需与可信域名一致（50001）", status=400,
                            content_type="text/plain; charset=utf-8")
        state = args.get("state", "")
        if len(state.encode()) > 128 or not state.isalnum() or not state.isascii():
            return Response("state 参数错误", status=400, content_type="text/plain; charset=utf-8")
        if self.signed_in is None:
            return Response("请在企业微信中打开", status=200, content_type="text/plain; charset=utf-8")
        code = self.issue_oauth_code(self.signed_in["userid"], self.signed_in["member"])
        joiner = "&" if parts.query else "?"
        return redirect(target + joiner + urlencode({"code": code, "state": state}), code=302)

    def _authorize(self) -> Response:
        return self._sign_in_redirect({"appid": self.corp_id, "response_type": "code",
                                       "scope": "snsapi_base", "agentid": str(self.agent_id)})

    def _web_login(self) -> Response:
        return self._sign_in_redirect({"login_type": "CorpApp", "appid": self.corp_id,
                                       "agentid": str(self.agent_id)})

    def _getuserinfo(self) -> Response:
        bad = self._check_token()
        if bad:
            return bad
        code = request.args.get("code") or ""
        now = self.clock()
        with self.lock:
            entry = self.oauth_codes.get(code)
            if entry is None or entry["used_at"] is not None or now - entry["issued_at"] > OAUTH_CODE_TTL:
                return _err(40029, "invalid code")
            entry["used_at"] = now
        if entry["userid"] is None:
            return _err(0, "ok", openid=entry["openid"])
        return _err(0, "ok", userid=entry["userid"], user_ticket="")

    # ---- record helpers ---------------------------------------------------------------------
    def messages_for(self, userid: str) -> list[dict]:
        with self.lock:
            return [m for u, m in self.delivered if u == userid]

    def texts_for(self, userid: str) -> list[str]:
        return [_text_of(m) for m in self.messages_for(userid)]

    def robot_messages(self, key: str) -> list[dict]:
        with self.lock:
            return list(self.robots.get(key, []))

    # ---- routes -----------------------------------------------------------------------------
    def _routes(self) -> None:
        r = self.app.add_url_rule
        r("/cgi-bin/gettoken", view_func=self._gettoken, methods=["GET"])
        r("/cgi-bin/message/send", view_func=self._send, methods=["POST"])
        r("/cgi-bin/message/update_template_card", view_func=self._update_card, methods=["POST"])
        r("/cgi-bin/media/upload", view_func=self._media_upload, methods=["POST"])
        r("/cgi-bin/media/get", view_func=self._media_get, methods=["GET"])
        r("/cgi-bin/webhook/send", view_func=self._robot_send, methods=["POST"])
        r("/cgi-bin/webhook/upload_media", view_func=self._robot_upload, methods=["POST"])
        r("/cgi-bin/auth/getuserinfo", view_func=self._getuserinfo, methods=["GET"])
        r("/connect/oauth2/authorize", view_func=self._authorize, methods=["GET"])
        r("/wwlogin/sso/login", view_func=self._web_login, methods=["GET"])

    def _gettoken(self) -> Response:
        with self.lock:
            self.token_calls += 1
        if request.args.get("corpid") != self.corp_id:
            return _err(40013, "invalid corpid")
        if request.args.get("corpsecret") != self.secret:
            return _err(40001, "invalid credential")
        if self._rotate_next:
            self._rotate_next = False
            self.tokens.revoke_all()
        token = self.tokens.issue(self.token_ttl, prefix="wxtok")
        return _err(0, "ok", access_token=token, expires_in=self.token_ttl)

    def _check_token(self) -> Response | None:
        status = self.tokens.status(request.args.get("access_token"))
        if status == "missing":
            return _err(41001, "access_token missing")
        if status == "unknown":
            return _err(40014, "invalid access_token")
        if status == "expired":
            return _err(42001, "access_token expired")
        return None

    def _body(self) -> dict | None:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _send(self) -> Response:
        bad = self._check_token()
        if bad:
            return bad
        body = self._body()
        if body is None:
            return _err(47001, "data format error, Warning: wrong json format.")
        try:
            if int(body.get("agentid", -1)) != self.agent_id:
                return _err(40056, "invalid agentid")
        except (TypeError, ValueError):
            return _err(40056, "invalid agentid")
        msgtype = body.get("msgtype")
        if msgtype not in MSGTYPES:
            return _err(40008, "invalid message type")
        if not isinstance(body.get(msgtype), dict):
            return _err(40035, f"missing {msgtype} body")
        touser = str(body.get("touser") or "")
        toparty, totag = str(body.get("toparty") or ""), str(body.get("totag") or "")
        if not (touser or toparty or totag):
            return _err(40035, "no recipient (touser/toparty/totag)")
        users = [u for u in touser.split("|") if u] if touser != "@all" else []
        if len(users) > 1000:
            return _err(40058, "touser exceeds 1000 users")
        content = body[msgtype]
        if msgtype in ("text", "markdown"):
            text = content.get("content")
            if not isinstance(text, str) or not text.strip():
                return _err(44004, "empty content")
            if len(text.encode("utf-8")) > 2048:
                # The docs disagree between truncation and 45002; this fake rejects.
                return _err(45002, "content size out of limit")
        elif msgtype in ("file", "image", "voice", "video"):
            if not self._media_ok(content.get("media_id")):
                return _err(40007, "invalid media_id")
        elif msgtype == "template_card":
            bad = self._check_card(content)
            if bad:
                return bad
        if touser == "@all":
            users = sorted(self.users) if self.users is not None else ["@all"]
        valid = users if self.users is None or touser == "@all" else [u for u in users if u in self.users]
        invalid = [u.lower() for u in users if u not in valid]
        if not valid and not toparty and not totag:
            return _err(81013, "user & party & tag all invalid", invaliduser="|".join(invalid))

        now = self.clock()
        with self.lock:
            self._msg_n += 1
            msgid = f"msg{self._msg_n}-{secrets.token_hex(6)}"
            self.sent.append(body)
            duplicate = False
            if body.get("enable_duplicate_check"):
                interval = float(body.get("duplicate_check_interval") or 1800)
                fp = json.dumps(body, sort_keys=True, ensure_ascii=False)
                duplicate = now - self._dupe_seen.get(fp, -1e18) < interval
                if not duplicate:
                    self._dupe_seen[fp] = now
            over_limit = False
            for u in valid:
                key = (self.agent_id, u)
                # Only delivered messages count toward the windows (the real accounting is unknown).
                if not duplicate and self.minute_window.check(key, now) and self.hour_window.check(key, now):
                    self.minute_window.add(key, now)
                    self.hour_window.add(key, now)
                    self.delivered.append((u, body))
                else:
                    over_limit = over_limit or not duplicate
                    self.dropped.append((u, body))
            if msgtype == "template_card" and content.get("task_id"):
                self.task_ids.add(content["task_id"])
        if over_limit and not self.drop_over_limit:
            # Real WeCom drops silently (no error documented); this mode is for tests that want a signal.
            return _err(45009, "api freq out of limit (per user 30/min, 1000/h)", msgid=msgid)
        extra: dict[str, Any] = {"invaliduser": "|".join(invalid), "invalidparty": "",
                                 "invalidtag": "", "unlicenseduser": "", "msgid": msgid}
        if msgtype == "template_card" and (content.get("card_type") in UPDATABLE_CARDS
                                           or content.get("action_menu")):
            extra["response_code"] = self.issue_response_code(content.get("task_id"), valid)
        return _err(0, "ok", **extra)

    def _check_card(self, card: dict) -> Response | None:
        # WeCom documents 42014-42020 as card/task_id/button errors without a precise mapping; the
        # numbers below are this fake's choice. Bots should treat them all as "bug, give up".
        ctype = card.get("card_type")
        if ctype not in {"text_notice", "news_notice", "button_interaction", "vote_interaction",
                         "multiple_interaction"}:
            return _err(42014, "invalid card_type")
        if ctype in UPDATABLE_CARDS or card.get("action_menu"):
            task_id = card.get("task_id")
            if not isinstance(task_id, str) or not task_id or len(task_id.encode()) > 128:
                return _err(42014, "task_id missing or invalid")
            if task_id in self.task_ids:
                return _err(42016, "task_id already used")
        if ctype == "button_interaction":
            buttons = card.get("button_list")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= 6:
                return _err(42015, "button_list must have 1..6 buttons")
            keys = [b.get("key") for b in buttons if int(b.get("type", 0) or 0) == 0]
            if any(not k for k in keys) or len(set(keys)) != len(keys):
                return _err(42017, "button key missing or not unique")
        return None

    def _update_card(self) -> Response:
        bad = self._check_token()
        if bad:
            return bad
        body = self._body()
        if body is None:
            return _err(47001, "data format error, Warning: wrong json format.")
        try:
            if int(body.get("agentid", -1)) != self.agent_id:
                return _err(40056, "invalid agentid")
        except (TypeError, ValueError):
            return _err(40056, "invalid agentid")
        code = body.get("response_code")
        now = self.clock()
        with self.lock:
            entry = self.response_codes.get(code)
            # The errcode for a reused/expired/unknown response_code is NOT documented (wecom.md §7.3,
            # §11). 40078 is this fake's choice; bots must treat any non-zero as final.
            if entry is None or entry["used_at"] is not None or now - entry["issued_at"] > RESPONSE_CODE_TTL:
                return _err(40078, "invalid response_code")
            entry["used_at"] = now
            self.card_updates.append(body)
        userids = body.get("userids") or []
        invalid = [u for u in userids if self.users is not None and u not in self.users]
        return _err(0, "ok", invaliduser=invalid)

    # ---- media ------------------------------------------------------------------------------
    def _store_media(self, data: bytes, filename: str, content_type: str, media_type: str,
                     robot_key: str | None = None) -> str:
        media_id = "MEDIA" + secrets.token_hex(20)
        with self.lock:
            self.media[media_id] = {"data": bytes(data), "filename": filename, "type": media_type,
                                    "content_type": content_type, "created_at": self.clock(),
                                    "robot_key": robot_key}
        return media_id

    def _media_ok(self, media_id: Any, robot_key: str | None = None) -> bool:
        m = self.media.get(media_id) if isinstance(media_id, str) else None
        if m is None or self.clock() - m["created_at"] > MEDIA_TTL:
            return False
        return robot_key is None or m["robot_key"] == robot_key

    def _upload(self, robot_key: str | None) -> Response:
        mtype = request.args.get("type", "")
        allowed = {"file", "voice"} if robot_key else {"image", "voice", "video", "file"}
        if mtype not in allowed:
            return _err(40004, "invalid media type")
        f = request.files.get("media")
        if f is None:
            return _err(41005, "media data missing (multipart field 'media')")
        data = f.read()
        limit = {"image": 10, "voice": 2, "video": 10, "file": 20}[mtype] * 1024 * 1024
        if len(data) <= 5 or len(data) > limit:
            return _err(40006, "invalid file size")
        media_id = self._store_media(data, f.filename or "file", f.mimetype or "application/octet-stream",
                                     mtype, robot_key)
        return _err(0, "", type=mtype, media_id=media_id, created_at=str(int(self.clock())))

    def _media_upload(self) -> Response:
        return self._check_token() or self._upload(None)

    def _media_get(self) -> Response:
        bad = self._check_token()
        if bad:
            return bad
        media_id = request.args.get("media_id")
        if not self._media_ok(media_id):
            return _err(40007, "invalid media_id")
        m = self.media[media_id]
        resp = Response(m["data"], content_type=m["content_type"])
        # Raw UTF-8 bytes in the header (a latin-1 str for WSGI): what real WeCom sends for
        # non-ASCII names is unconfirmed; this is the harder case for a client to decode.
        fname = m["filename"].replace('"', "")
        resp.headers["Content-Disposition"] = (
            'attachment; filename="%s"' % fname.encode("utf-8").decode("latin-1"))
        resp.make_conditional(request.environ, accept_ranges=True, complete_length=len(m["data"]))
        return resp

    # ---- group robots -----------------------------------------------------------------------
    def _robot_key(self) -> tuple[str | None, Response | None]:
        key = request.args.get("key")
        if not key or key not in self.robots:
            return None, _err(93000, "invalid webhook url")
        return key, None

    def _robot_upload(self) -> Response:
        key, bad = self._robot_key()
        return bad or self._upload(key)

    def _robot_send(self) -> Response:
        key, bad = self._robot_key()
        if bad:
            return bad
        body = self._body()
        if body is None:
            return _err(40035, "invalid json, Warning: wrong json format.")
        msgtype = body.get("msgtype")
        if msgtype not in ROBOT_MSGTYPES or not isinstance(body.get(msgtype), dict):
            return _err(40008, "invalid message type")
        content = body[msgtype]
        if msgtype in ("text", "markdown", "markdown_v2"):
            text = content.get("content")
            if not isinstance(text, str) or not text.strip():
                return _err(93017, "content is empty")
            limit = 2048 if msgtype == "text" else 4096
            if len(text.encode("utf-8")) > limit:
                return _err(45002, "content size out of limit")
            if msgtype == "text":
                for lst in ("mentioned_list", "mentioned_mobile_list"):
                    if lst in content and not isinstance(content[lst], list):
                        return _err(40035, f"{lst} must be a list")
        elif msgtype in ("file", "voice") and not self._media_ok(content.get("media_id"), key):
            return _err(40007, "invalid media_id")
        # 45009 for over-limit robot sends is reported by third parties only (wecom.md §8).
        if not self.robot_window.allow(key, self.clock()):
            return _err(45009, "api freq out of limit")
        with self.lock:
            self.robots[key].append(body)
        return _err(0, "ok")


def _text_of(m: dict) -> str:
    """Readable text of a message/send body: text/markdown content, or card title + desc."""
    t = m.get("msgtype")
    c = m.get(t) or {}
    if t in ("text", "markdown"):
        return c.get("content", "")
    if t == "template_card":
        mt = c.get("main_title") or {}
        return "\n".join(x for x in (mt.get("title"), mt.get("desc")) if x)
    if t == "textcard":
        return "\n".join(x for x in (c.get("title"), c.get("description")) if x)
    if t == "news":
        return "\n".join(a.get("title", "") for a in c.get("articles", []))
    if t in ("file", "image", "voice", "video"):
        return f"[{t}:{c.get('media_id')}]"
    return json.dumps(c, ensure_ascii=False)
