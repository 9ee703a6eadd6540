"""The DingTalk (钉钉) HTTP API client: access token, one call path deciding on errors, robot sends, files.

Every call goes through ``DingTalkClient.call``. It adds the access token (new API: header
``x-acs-dingtalk-access-token``; old oapi host: query ``access_token``), refreshes it once when
DingTalk refuses it (HTTP 400 ``InvalidAuthentication``, errcode 40014 / 42001 / 40001 / 33001)
and retries that call once; every other failure becomes a ``ChannelError`` the delivery worker
understands (retry later, wait, or give up). See shared/protocols/dingtalk.md §3, §4 and §7.

Decisions are made on HTTP status, ``code`` and ``errcode``, never on message texts.
Configuration errors (wrong secret, missing permission, a custom robot's sign or keyword check)
are ``fatal_config``: logged as errors and retried only after ``CONFIG_RETRY_SECONDS``, so the
messages survive until an administrator fixes the setting.
"""
import json as jsonlib
import logging
import mimetypes
from urllib.parse import quote_plus, urlsplit

from bot.channels.http import Transport
from bot.crypto import dingtalk_sign
from bot.errors import ChannelError

log = logging.getLogger("bot.channels.dingtalk.channel")

TIMEOUT = (5, 20)                  # (connect, read) seconds for worker calls
DOWNLOAD_TIMEOUT = (2, 5)          # files users send: fetched while DingTalk waits for our answer
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
TOKEN_HEADER = "x-acs-dingtalk-access-token"
TOKEN_MARGIN = 300                 # refresh 5 minutes before the token expires
CONFIG_RETRY_SECONDS = 300

TOKEN_ERRORS = {40014, 42001, 40001, 33001}
RETRY_ERRORS = {-1: 0, 90002: 2, 143103: 60, 143104: 60}   # errcode -> least seconds before retry
ROBOT_THROTTLED = 130101           # custom robot: > 20 messages a minute, throttled for 10 minutes
ROBOT_THROTTLE_SECONDS = 600
CONFIG_ERRORS = {
    310000: "自定义机器人安全校验失败（加签、关键词或 IP 白名单），请检查群机器人的安全设置",
    300001: "自定义机器人的 access_token 不存在，机器人可能已被移除",
    60011: "应用没有调用此接口的权限，请在钉钉开发者后台开通",
    90020: "本月接口调用量已用完",
}


class TokenRefused(Exception):
    """DingTalk refused the access token; ``call`` refreshes it and retries once."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class DingTalkClient:
    """One internal app (``config.dingtalk_*``): its robot, its token, its custom group robots."""

    def __init__(self, config, store):
        """``store``: the channel's store, which keeps the access token every process shares."""
        self.app_key = config.dingtalk_app_key
        self.app_secret = config.dingtalk_app_secret
        self.robot_code = config.dingtalk_robot_code or config.dingtalk_app_key
        self.api = config.dingtalk_api_base.rstrip("/")
        self.oapi = config.dingtalk_oapi_base.rstrip("/")
        self.tokens = store.tokens(f"dingtalk:{self.app_key}", margin=TOKEN_MARGIN)
        self.transport = Transport("钉钉")

    # -- transport -------------------------------------------------------------------------
    def _http(self, method, url, *, params=None, headers=None, json=None, data=None, files=None,
              timeout=None):
        return self.transport.request(method, url, params=params, headers=headers, json=json, data=data,
                                      files=files, timeout=timeout or TIMEOUT)

    def call(self, method, url, *, auth=None, timeout=None, params=None, json=None, data=None,
             files=None):
        """One API call; returns the decoded JSON object or raises ChannelError.

        ``auth``: None (webhooks), ``"header"`` (api.dingtalk.com) or ``"query"`` (oapi). A refused
        token is dropped, fetched anew and the call retried exactly once.
        """
        for attempt in (1, 2):
            token = self.access_token() if auth else None
            headers = {TOKEN_HEADER: token} if auth == "header" else None
            query = dict(params or {})
            if auth == "query":
                query["access_token"] = token
            response = self._http(method, url, params=query or None, headers=headers, json=json,
                                  data=data, files=files, timeout=timeout)
            try:
                return decode(response)
            except TokenRefused as exc:
                if not auth:
                    raise ChannelError(exc.code, exc.message) from None
                self.tokens.invalidate(token)
                if attempt == 2:
                    log.error("DingTalk refused a freshly fetched access token (%s) on %s",
                              exc.code, _where(url))
                    raise ChannelError(exc.code, f"刷新后的 access_token 仍被拒绝：{exc.message}",
                                       retry=True, delay=CONFIG_RETRY_SECONDS, fatal_config=True) from None
                log.info("DingTalk refused the access token (%s); refreshing and retrying once", exc.code)

    # -- token -----------------------------------------------------------------------------
    def access_token(self):
        """The new-API token (also accepted by oapi), shared by every process through the cache."""
        return self.tokens.get(self._fetch_token)

    def _fetch_token(self):
        response = self._http("POST", f"{self.api}/v1.0/oauth2/accessToken",
                              json={"appKey": self.app_key, "appSecret": self.app_secret})
        if 400 <= response.status_code < 500:     # wrong appKey / appSecret: an administrator's fix
            try:
                code = str(response.json().get("code") or f"http{response.status_code}")
            except (ValueError, AttributeError, RecursionError):
                code = f"http{response.status_code}"
            log.error("cannot get a DingTalk access token: HTTP %s %s", response.status_code, code)
            raise ChannelError(code, "无法获取钉钉 access_token，请检查 DINGTALK_APP_KEY / DINGTALK_APP_SECRET",
                               retry=True, delay=CONFIG_RETRY_SECONDS, fatal_config=True)
        try:
            data = decode(response)
        except TokenRefused as exc:
            raise ChannelError(exc.code, exc.message, retry=True, delay=60) from None
        if not data.get("accessToken"):
            raise ChannelError("token", "钉钉没有返回 accessToken", retry=True, delay=60)
        return data["accessToken"], int(data.get("expireIn") or 7200)

    # -- robot messages (OpenAPI) ------------------------------------------------------------
    def batch_send(self, user_ids, msg_key, msg_param):
        """1:1 robot messages to at most 20 userIds; returns (invalid ids, flow-controlled ids)."""
        if not 0 < len(user_ids) <= 20:
            raise ValueError("batchSend takes 1 to 20 userIds")
        data = self.call("POST", f"{self.api}/v1.0/robot/oToMessages/batchSend", auth="header",
                         json={"robotCode": self.robot_code, "userIds": list(user_ids),
                               "msgKey": msg_key, "msgParam": _param(msg_param)})
        return (list(data.get("invalidStaffIdList") or []),
                list(data.get("flowControlledStaffIdList") or []))

    def group_send(self, open_conversation_id, msg_key, msg_param):
        """A robot message to a group the robot is in; returns the processQueryKey."""
        data = self.call("POST", f"{self.api}/v1.0/robot/groupMessages/send", auth="header",
                         json={"robotCode": self.robot_code, "openConversationId": open_conversation_id,
                               "msgKey": msg_key, "msgParam": _param(msg_param)})
        return data.get("processQueryKey", "")

    # -- webhooks ------------------------------------------------------------------------------
    def session_send(self, webhook_url, body):
        """Reply through a callback's sessionWebhook (custom-robot schema, no token)."""
        self.call("POST", webhook_url, json=body)

    def robot_webhook_send(self, webhook, secret, body, now_ms):
        """Post to a custom group robot; with a secret (加签) the URL gets ``timestamp`` and ``sign``."""
        url = signed_webhook(webhook, secret, now_ms) if secret else webhook
        self.call("POST", url, json=body)

    # -- files ---------------------------------------------------------------------------------
    def download(self, download_code, name=""):
        """Fetch a file a user sent to the robot; returns (bytes, file name)."""
        data = self.call("POST", f"{self.api}/v1.0/robot/messageFiles/download", auth="header",
                         timeout=DOWNLOAD_TIMEOUT,
                         json={"robotCode": self.robot_code, "downloadCode": download_code})
        url = data.get("downloadUrl")
        if not url:
            raise ChannelError("download", "钉钉没有返回文件下载地址")
        response = self._http("GET", url, timeout=DOWNLOAD_TIMEOUT)
        if response.status_code != 200:
            raise ChannelError(f"http{response.status_code}", "钉钉文件下载失败",
                               retry=response.status_code >= 500)
        content = response.content
        if len(content) > MAX_DOWNLOAD_BYTES:
            raise ChannelError("too_large", "文件超过 20 MB")
        if not name:
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip()
            name = "file" + (mimetypes.guess_extension(ctype) or "")
        return content, name

    def upload_media(self, data, filename, media_type="file"):
        """Upload bytes as robot media (``sampleFile`` etc.); returns the media_id."""
        ctype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        result = self.call("POST", f"{self.oapi}/media/upload", auth="query",
                           data={"type": media_type}, files={"media": (filename, data, ctype)})
        if not result.get("media_id"):
            raise ChannelError("upload", "钉钉没有返回 media_id", retry=True)
        return result["media_id"]


# -- decisions ---------------------------------------------------------------------------------

def decode(response):
    """The JSON object of a successful answer, or TokenRefused / ChannelError (dingtalk.md §7)."""
    status = response.status_code
    try:
        data = response.json()
    except (ValueError, RecursionError):
        data = None
    if status >= 500:
        raise ChannelError(f"http{status}", f"钉钉接口返回 HTTP {status}", retry=True)
    if not isinstance(data, dict):
        raise ChannelError("bad_response", f"钉钉接口返回的不是 JSON（HTTP {status}）", retry=True, delay=60)
    if data.get("punish"):          # per-IP limit: banned for about five minutes
        raise ChannelError("punished", "钉钉因调用过于频繁暂时拒绝本服务器", retry=True, delay=300)
    if status >= 400:
        code = str(data.get("code") or f"http{status}")
        message = str(data.get("message") or "")
        if status == 400 and code == "InvalidAuthentication":
            raise TokenRefused(code, message)
        if status == 429 or "QpsLimit" in code or "Throttling" in code:
            raise ChannelError(code, message, retry=True, delay=2)
        if status in (401, 403):       # authFailed, missing permission, IP allow-list, quota
            log.error("DingTalk configuration error: HTTP %s %s %s", status, code, message)
            raise ChannelError(code, f"钉钉拒绝访问（{code}）：{message}，请检查应用凭证和接口权限",
                               retry=True, delay=CONFIG_RETRY_SECONDS, fatal_config=True)
        raise ChannelError(code, message)       # invalidParameter.* and the like: do not retry
    errcode = data.get("errcode", 0)
    try:
        errcode = int(errcode)
    except (TypeError, ValueError):
        raise ChannelError("bad_response", f"无法识别的 errcode {errcode!r}", retry=True, delay=60) from None
    if errcode == 0:
        return data
    errmsg = str(data.get("errmsg") or "")
    if errcode in TOKEN_ERRORS or (errcode == 88 and str(data.get("sub_code")) in {"40014", "42001"}):
        raise TokenRefused(errcode, errmsg)
    if errcode in RETRY_ERRORS:
        raise ChannelError(errcode, errmsg, retry=True, delay=RETRY_ERRORS[errcode])
    if errcode == ROBOT_THROTTLED:
        raise ChannelError(errcode, "群机器人发送过快，已被钉钉限流 10 分钟", retry=True,
                           delay=ROBOT_THROTTLE_SECONDS)
    if errcode in CONFIG_ERRORS or (errcode == 88 and str(data.get("sub_code")) == "60011"):
        text = CONFIG_ERRORS.get(errcode, CONFIG_ERRORS[60011])
        log.error("DingTalk configuration error: %s (%s %s)", text, errcode, errmsg)
        raise ChannelError(errcode, f"{text}（errcode {errcode}）", retry=True,
                           delay=CONFIG_RETRY_SECONDS, fatal_config=True)
    raise ChannelError(errcode, errmsg)


def signed_webhook(webhook, secret, now_ms):
    """The custom robot URL with ``timestamp`` and the URL-encoded HMAC ``sign`` appended (§4)."""
    timestamp = str(int(now_ms))
    sign = quote_plus(dingtalk_sign(secret, timestamp))
    joiner = "&" if urlsplit(webhook).query else "?"
    return f"{webhook}{joiner}timestamp={timestamp}&sign={sign}"


def _param(msg_param):
    """msgParam is a string holding JSON (double-encoded in the outer body)."""
    return jsonlib.dumps(msg_param, ensure_ascii=False)


def _where(url):
    """The path of a URL, without query strings that may hold tokens or session ids."""
    return urlsplit(url).path
