"""Signing in with DingTalk (钉钉): inside the client the page asks the JSAPI ``requestAuthCode`` for a
code that ``topapi/v2/user/getuserinfo`` turns into the userid; in a browser the OAuth2 login page
gives an ``authCode`` → ``/v1.0/oauth2/userAccessToken`` (with the organisation's corpId, refused
unless it is DINGTALK_CORP_ID) → ``/v1.0/contact/users/me`` (unionId) → ``topapi/user/getbyunionid``
(userid). shared/protocols/dingtalk.md, "Sign-in for a web page".

App-token calls go through the channel's client (bot/channels/dingtalk/api.py): its token cache,
its refresh, its error decisions and the one HTTP stack."""
from urllib.parse import quote, urlencode

from bot.channels.dingtalk.api import TOKEN_HEADER, TokenRefused, decode
from bot.errors import ChannelError

CALLBACK = "/console/login/dingtalk/callback"
EXCHANGE_TIMEOUT = (3, 5)


def in_client(user_agent):
    """DingTalk's built-in browser names itself in the User-Agent ("… AliApp(DingTalk/7.6.0) …")."""
    return "dingtalk" in (user_agent or "").lower()


def login_url(config, redirect_uri, state):
    """The browser's login page; ``redirect_uri`` encoded exactly once; the organisation preselected."""
    values = {"redirect_uri": redirect_uri, "response_type": "code", "client_id": config.dingtalk_app_key,
              "scope": "openid corpid", "state": state, "prompt": "consent"}
    if config.dingtalk_corp_id:
        values["corpId"] = config.dingtalk_corp_id
    return f"{config.dingtalk_login_base.rstrip('/')}/oauth2/auth?{urlencode(values, quote_via=quote)}"


class CodeRefused(Exception):
    """DingTalk did not accept the code, or named no member of our organisation."""


class ForeignCorp(Exception):
    """The user signed in with an organisation that is not DINGTALK_CORP_ID."""

    def __init__(self, corp_id):
        super().__init__(corp_id)
        self.corp_id = corp_id


def _client(bot):
    return bot.channels["dingtalk"].api


def _refused(exc):
    if isinstance(exc, ChannelError) and (exc.retry or exc.fatal_config):
        raise exc
    return CodeRefused(f"钉钉拒绝了授权码（{getattr(exc, 'code', '')}）")


def userid_of_code(bot, code):
    """Inside the client: the JSAPI's code → the userid (the app's token only finds our members)."""
    if not code or len(code) > 512:
        raise CodeRefused("缺少授权码")
    api = _client(bot)
    try:
        data = api.call("POST", f"{api.oapi}/topapi/v2/user/getuserinfo", auth="query",
                        json={"code": code}, timeout=EXCHANGE_TIMEOUT)
    except ChannelError as exc:
        raise _refused(exc) from None
    userid = (data.get("result") or {}).get("userid")
    if not userid:
        raise CodeRefused("钉钉未返回 userid")
    return str(userid)


def userid_of_auth_code(bot, auth_code):
    """In a browser: the login page's authCode → the userid; ForeignCorp for another organisation."""
    if not auth_code or len(auth_code) > 512:
        raise CodeRefused("缺少授权码")
    config = bot.config
    api = _client(bot)
    try:
        grant = api.call("POST", f"{api.api}/v1.0/oauth2/userAccessToken", timeout=EXCHANGE_TIMEOUT,
                         json={"clientId": config.dingtalk_app_key, "clientSecret": config.dingtalk_app_secret,
                               "code": auth_code, "grantType": "authorization_code"})
    except ChannelError as exc:
        raise _refused(exc) from None
    corp_id = str(grant.get("corpId") or "")
    if not config.dingtalk_corp_id or corp_id != config.dingtalk_corp_id:
        raise ForeignCorp(corp_id)
    user_token = grant.get("accessToken")
    if not user_token:
        raise CodeRefused("钉钉未返回 accessToken")
    response = api.transport.request("GET", f"{api.api}/v1.0/contact/users/me",
                                     headers={TOKEN_HEADER: user_token}, timeout=EXCHANGE_TIMEOUT)
    try:
        me = decode(response)
    except (ChannelError, TokenRefused) as exc:
        raise _refused(exc) from None
    union_id = me.get("unionId")
    if not union_id:
        raise CodeRefused("钉钉未返回 unionId（应用需开通 Contact.User.Read 权限）")
    try:
        found = api.call("POST", f"{api.oapi}/topapi/user/getbyunionid", auth="query",
                         json={"unionid": union_id}, timeout=EXCHANGE_TIMEOUT)
    except ChannelError as exc:
        raise _refused(exc) from None
    userid = (found.get("result") or {}).get("userid")
    if not userid:
        raise CodeRefused("不是本组织的成员（钉钉未返回 userid）")
    return str(userid)
