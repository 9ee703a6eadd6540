"""The WeCom (企业微信) HTTP API client: access token, one call path deciding on errcode, media, group robots.

Every app API call goes through ``WeComClient.call``: it adds the access token, refreshes it
once when WeCom says it is invalid or expired (40014 / 42001 / 40001), and turns every other
failure into a ``ChannelError`` the delivery worker understands (retry with backoff, wait,
or give up). Decisions are made on ``errcode`` only, never on ``errmsg`` (its text changes).
See shared/protocols/wecom.md §7–§9.

A configuration error (wrong secret, wrong corp id, server IP not trusted …) is logged once
as an ERROR and remembered through the channel's store (shared by every process) for
``CONFIG_BLOCK_SECONDS``, so neither the worker nor the web processes hammer WeCom (repeated
wrong-secret gettoken calls can get the server's IP blocked for an hour).
"""
import json as jsonlib
import logging
import mimetypes
import re
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

from bot.channels.http import Transport
from bot.errors import ChannelError

log = logging.getLogger("bot.channels.wecom.channel")

TIMEOUT = (5, 20)                 # (connect, read) seconds for worker calls
TOKEN_TIMEOUT = (3, 5)            # gettoken runs while the token row is locked: keep it short
TOKEN_ERRORS = {40014, 42001, 40001}
RETRY_ERRORS = {-1: 0, 45009: 60, 45033: 10}     # errcode -> least seconds before the retry
# errcode -> what the administrator has to fix; these are not bugs of a single message
CONFIG_ERRORS = {
    40001: "企业微信 Secret 无效，请检查 WECOM_SECRET（应用的 Secret）",
    40013: "企业 ID 无效，请检查 WECOM_CORP_ID",
    40056: "应用 AgentId 无效，请检查 WECOM_AGENT_ID",
    48002: "该应用没有调用此接口的权限，请在企业微信管理后台开启",
    60020: "服务器 IP 不在应用的「企业可信IP」中，请在企业微信管理后台添加",
    43012: "应用没有配置「接收消息」回调地址，无法发送可交互的模板卡片",
    93000: "群机器人 Webhook 地址无效，或机器人已被移出群聊",
    93004: "群机器人已被停用",
}
# config errors that stop every call of the app (not 43012: plain text still works)
BLOCKING_ERRORS = {40001, 40013, 40056, 48002, 60020}
ROBOT_GONE = {93000, 93004}
CONFIG_BLOCK_SECONDS = 300
BLOCK_READ_SECONDS = 1.0          # how stale this process's view of another's configuration block may be
INVALID_RECIPIENTS = 81013


class WeComClient:
    """One self-built app's API (``config.wecom_*``) plus its group robots."""

    def __init__(self, config, store):
        """``store``: the channel's store, which keeps the access token and a configuration block
        every process shares."""
        self.store = store
        self.corp_id = config.wecom_corp_id
        self.secret = config.wecom_secret
        self.agent_id = int(config.wecom_agent_id or 0)
        self.base = _api_root(config.wecom_api_base)
        key = f"wecom:{self.corp_id}:{self.agent_id}"
        self.tokens = store.tokens(key)
        self._block_key = f"blocked:{key}"
        self._block_seen = None         # (monotonic time read, the block or None): read at most once a second
        self.transport = Transport("企业微信")

    # -- transport -------------------------------------------------------------------------
    def url(self, path):
        return f"{self.base}/{path.lstrip('/')}"

    def _http(self, method, url, *, params=None, json=None, files=None, timeout=None):
        response = self.transport.request(method, url, params=params, json=json, files=files,
                                          timeout=timeout or TIMEOUT)
        if response.status_code >= 500 or response.status_code == 429:
            raise ChannelError(f"http{response.status_code}", f"企业微信接口返回 HTTP {response.status_code}",
                               retry=True)
        if response.status_code >= 400:
            raise ChannelError(f"http{response.status_code}", f"企业微信接口返回 HTTP {response.status_code}")
        return response

    @staticmethod
    def _json(response):
        try:
            data = response.json()
        except (ValueError, RecursionError):
            raise ChannelError("bad_response", "企业微信接口返回的不是 JSON", retry=True) from None
        if not isinstance(data, dict):
            raise ChannelError("bad_response", "企业微信接口返回的 JSON 不是对象", retry=True)
        return data

    # -- configuration failures, shared by every process -------------------------------------
    def _blocked(self):
        """The block another process (or this one) recorded, if it still holds; the database is read
        at most once a second per client, not on every API call."""
        seen = self._block_seen
        if seen is None or time.monotonic() - seen[0] >= BLOCK_READ_SECONDS:
            value = self.store.get(self._block_key)
            seen = self._block_seen = (time.monotonic(), jsonlib.loads(value) if value is not None else None)
        data = seen[1]
        if data is None or datetime.fromisoformat(data["until"]) <= self.store.now():
            return None
        return data

    def _block(self, code, message):
        until = self.store.now() + timedelta(seconds=CONFIG_BLOCK_SECONDS)
        data = {"code": code, "message": message, "until": until.isoformat()}
        self.store.put(self._block_key, jsonlib.dumps(data, ensure_ascii=False), until)
        self._block_seen = (time.monotonic(), data)

    def _raise_if_blocked(self):
        data = self._blocked()
        if data is None:
            return
        until = datetime.fromisoformat(data["until"])
        wait = max(1.0, (until - self.store.now()).total_seconds())
        raise ChannelError(data["code"], data["message"], retry=True, delay=wait, fatal_config=True)

    @staticmethod
    def _config_error(code, errmsg, where):
        message = f"{CONFIG_ERRORS[code]}（errcode {code}，{where}）"
        log.error("企业微信配置错误：%s; errmsg=%r", message, errmsg)
        return ChannelError(code, message, retry=True, delay=CONFIG_BLOCK_SECONDS, fatal_config=True)

    def _remember(self, exc):
        """Block the app's calls for a while after a configuration error (outside any transaction)."""
        if exc.fatal_config and exc.code in BLOCKING_ERRORS:
            self._block(exc.code, exc.message)

    # -- token -----------------------------------------------------------------------------
    def token(self, timeout=None):
        """A live access token, shared through the database by every process."""
        self._raise_if_blocked()
        try:
            return self.tokens.get(lambda: self._fetch_token(timeout))
        except ChannelError as exc:
            self._remember(exc)
            raise

    def _fetch_token(self, timeout=None):
        response = self._http("GET", self.url("gettoken"),
                              params={"corpid": self.corp_id, "corpsecret": self.secret},
                              timeout=timeout or TOKEN_TIMEOUT)
        data = self._json(response)
        code = _errcode(data)
        if code == 0 and data.get("access_token"):
            log.info("wecom access token refreshed (expires_in=%s)", data.get("expires_in"))
            return data["access_token"], int(data.get("expires_in") or 7200)
        if code in CONFIG_ERRORS:
            raise self._config_error(code, data.get("errmsg"), "gettoken")
        raise self._error(code, data.get("errmsg"), "gettoken")

    # -- the one call path -------------------------------------------------------------------
    def call(self, method, path, *, json=None, params=None, files=None, raw=False, timeout=None):
        """Call ``/cgi-bin/<path>`` with the access token; returns the JSON dict (errcode 0).

        With ``raw=True`` the ``requests.Response`` is returned unless it is a JSON error
        (media/get answers bytes on success and JSON on failure).
        """
        token = self.token(timeout)
        for attempt in (1, 2):
            query = dict(params or {}, access_token=token)
            response = self._http(method, self.url(path), params=query, json=json, files=files,
                                  timeout=timeout)
            if raw and not _is_json(response):
                return response
            data = self._json(response)
            code = _errcode(data)
            if code == 0:
                return response if raw else data
            if code in TOKEN_ERRORS and attempt == 1:
                log.info("wecom token refused (errcode %s) on %s; refreshing once", code, path)
                self.tokens.invalidate(token)
                token = self.token(timeout)
                continue
            if code in TOKEN_ERRORS:
                raise ChannelError(code, "企业微信连续两次拒绝了新的 access_token", retry=True)
            if code in CONFIG_ERRORS:
                error = self._config_error(code, data.get("errmsg"), path)
                self._remember(error)
                raise error
            raise self._error(code, data.get("errmsg"), path, data)

    @staticmethod
    def _error(code, errmsg, where, data=None):
        if code in RETRY_ERRORS:
            return ChannelError(code, f"{where}: {errmsg}", retry=True, delay=RETRY_ERRORS[code])
        error = ChannelError(code, f"{where}: {errmsg}")
        error.data = data or {}
        return error

    # -- app messages ------------------------------------------------------------------------
    def send_message(self, touser, body, *, timeout=None):
        """message/send to up to 1000 users; returns the user ids WeCom called invalid (lower-cased)."""
        users = list(touser)
        if not users or len(users) > 1000:
            raise ValueError("message/send takes 1..1000 users")
        payload = {"touser": "|".join(users), "agentid": self.agent_id, **body}
        try:
            data = self.call("POST", "message/send", json=payload, timeout=timeout)
        except ChannelError as exc:
            if exc.code == INVALID_RECIPIENTS:
                log.warning("wecom: every recipient is invalid or outside the app's range: %s", users)
                return [u.lower() for u in users]
            raise
        return [u for u in str(data.get("invaliduser") or "").split("|") if u]

    def update_template_card(self, userids, response_code, replace_name, *, timeout=None):
        """Grey out the buttons of a clicked card for ``userids`` (the response code is single-use)."""
        body = {"userids": list(userids), "agentid": self.agent_id, "response_code": response_code,
                "button": {"replace_name": replace_name}}
        return self.call("POST", "message/update_template_card", json=body, timeout=timeout)

    # -- media -------------------------------------------------------------------------------
    def upload_media(self, path_or_bytes, filename, type="file", *, timeout=None):
        """media/upload (multipart field ``media``); returns the media_id (valid 3 days)."""
        data = _read(path_or_bytes)
        files = {"media": (filename, data, _content_type(filename))}
        result = self.call("POST", "media/upload", params={"type": type}, files=files, timeout=timeout)
        return result["media_id"]

    def get_media(self, media_id, *, timeout=None):
        """media/get; returns ``(bytes, filename, content_type)``."""
        response = self.call("GET", "media/get", params={"media_id": media_id}, raw=True,
                             timeout=timeout)
        content_type = response.headers.get("Content-Type", "application/octet-stream")
        name = filename_from_disposition(response.headers.get("Content-Disposition", ""))
        return response.content, name, content_type.split(";")[0].strip()

    # -- group robots (no access token; the webhook key is the credential) -------------------
    def robot_send(self, webhook_url, body, *, timeout=None):
        data = self._json(self._http("POST", self.robot_url(webhook_url), json=body, timeout=timeout))
        self._robot_check(data, "webhook/send")
        return data

    def robot_upload_media(self, webhook_url, path_or_bytes, filename, type="file", *, timeout=None):
        """webhook/upload_media next to the robot's send URL; the media_id works for this robot only."""
        send_url = self.robot_url(webhook_url)
        key = _robot_key(send_url)
        upload_url = send_url.split("?", 1)[0].replace("/webhook/send", "/webhook/upload_media")
        files = {"media": (filename, _read(path_or_bytes), _content_type(filename))}
        data = self._json(self._http("POST", upload_url, params={"key": key, "type": type}, files=files,
                                     timeout=timeout))
        self._robot_check(data, "webhook/upload_media")
        return data["media_id"]

    def robot_url(self, webhook):
        """A stored webhook: the full URL, or only its key."""
        if webhook.startswith(("http://", "https://")):
            return webhook
        return f"{self.url('webhook/send')}?key={webhook}"

    def _robot_check(self, data, where):
        code = _errcode(data)
        if code == 0:
            return
        if code in ROBOT_GONE:
            message = f"{CONFIG_ERRORS[code]}（errcode {code}）"
            log.error("企业微信群机器人配置错误：%s; errmsg=%r", message, data.get("errmsg"))
            raise ChannelError(code, message, fatal_config=True)
        raise self._error(code, data.get("errmsg"), where, data)


# -- helpers -------------------------------------------------------------------------------

def _api_root(base):
    """``https://qyapi.weixin.qq.com`` or ``…/cgi-bin/`` → ``…/cgi-bin``."""
    base = (base or "https://qyapi.weixin.qq.com").rstrip("/")
    return base if base.endswith("/cgi-bin") else base + "/cgi-bin"


def _errcode(data):
    try:
        return int(data.get("errcode", 0))
    except (TypeError, ValueError):
        return data.get("errcode")


def _is_json(response):
    """A JSON answer where bytes were expected: an error of media/get."""
    ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype in ("application/json", "text/json"):
        return True
    if ctype == "text/plain" and response.content[:1] == b"{" and len(response.content) < 4096:
        try:
            return "errcode" in response.json()
        except (ValueError, RecursionError):
            return False
    return False


def _robot_key(url):
    match = re.search(r"[?&]key=([^&]+)", url)
    if not match:
        raise ChannelError(93000, "群机器人 Webhook 地址里没有 key", fatal_config=True)
    return unquote(match.group(1))


def _content_type(filename):
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _read(path_or_bytes):
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return bytes(path_or_bytes)
    return Path(path_or_bytes).read_bytes()


def filename_from_disposition(header):
    """The file name of a Content-Disposition header.

    Handles RFC 5987 ``filename*=UTF-8''…`` and a plain ``filename="…"`` whose raw UTF-8 bytes
    arrived as a latin-1 string (what http.client makes of non-ASCII header bytes).
    """
    if not header:
        return ""
    match = re.search(r"filename\*\s*=\s*([^']*)'[^']*'([^;]+)", header, re.I)
    if match:
        try:
            return unquote(match.group(2).strip().strip('"'), encoding=match.group(1) or "utf-8")
        except LookupError:
            pass
    match = re.search(r'filename\s*=\s*"([^"]*)"', header, re.I) or \
        re.search(r"filename\s*=\s*([^;]+)", header, re.I)
    if not match:
        return ""
    name = match.group(1).strip()
    try:
        name = name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return Path(name.replace("\\", "/")).name
