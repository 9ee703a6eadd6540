"""Signing in with WeCom (企业微信): inside the client the silent OAuth2 ``snsapi_base``, in a PC
browser the web login (QR code, or one click with the PC client signed in); both come back with a
code that ``auth/getuserinfo`` turns into the member's UserId (shared/protocols/wecom.md, sign-in).

The exchange goes through the channel's own client (bot/channels/wecom/api.py): its access token,
its refresh on 40014/42001, its configuration errors (60020 企业可信IP …) and the one HTTP stack."""
from urllib.parse import quote, urlencode

from bot.errors import ChannelError

CALLBACK = "/console/login/wecom/callback"
EXCHANGE_TIMEOUT = (3, 5)


def in_client(user_agent):
    """The WeCom client's browser says ``wxwork`` in its User-Agent (mobile and PC alike)."""
    return "wxwork" in (user_agent or "").lower()


def start_url(config, redirect_uri, state, client):
    """Where to send the browser: the OAuth2 page inside the client, the web login outside.
    ``redirect_uri`` is encoded exactly once (urlencode with quote, nothing else touches it)."""
    if client:
        query = urlencode({"appid": config.wecom_corp_id, "redirect_uri": redirect_uri, "response_type": "code",
                           "scope": "snsapi_base", "state": state, "agentid": config.wecom_agent_id},
                          quote_via=quote)
        return f"{config.wecom_oauth_base.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"
    query = urlencode({"login_type": "CorpApp", "appid": config.wecom_corp_id, "agentid": config.wecom_agent_id,
                       "redirect_uri": redirect_uri, "state": state}, quote_via=quote)
    return f"{config.wecom_login_base.rstrip('/')}/wwlogin/sso/login?{query}"


class CodeRefused(Exception):
    """WeCom did not accept the code (40029: unknown, expired or used), or gave no member's UserId."""


def userid_of(bot, code):
    """The member's UserId for ``code``; CodeRefused for a bad code or a user outside the corp,
    ChannelError for WeCom being unreachable or misconfigured."""
    if not code or len(code) > 512:
        raise CodeRefused("缺少授权码")
    client = bot.channels["wecom"].client
    try:
        data = client.call("GET", "auth/getuserinfo", params={"code": code}, timeout=EXCHANGE_TIMEOUT)
    except ChannelError as exc:
        if exc.retry or exc.fatal_config:
            raise
        raise CodeRefused(f"企业微信拒绝了授权码（{exc.code}）") from None
    userid = data.get("userid") or data.get("UserId")
    if not userid:
        raise CodeRefused("不是本企业的成员（企业微信未返回 UserId）")
    return str(userid)
