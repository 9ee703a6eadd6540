"""Signed, expiring download links: ``/files/<token>?exp=…&sig=…`` under BOT_SECRET_KEY.

The signature is an HMAC-SHA256 over the file token and the expiry (epoch seconds), so a link
names one file until one moment; without the key nobody can make or extend one. Expiry uses the
wall clock (``Clock.wall_now``), never a moment fixed by ``notices run --now``.
"""
import base64
import hashlib
import hmac
from datetime import timedelta



class LinkRefused(Exception):
    """A download link that does not open a file: ``status`` and a Chinese message for the user."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def signature(secret, token, expires):
    mac = hmac.new(secret.encode("utf-8"), f"files:{token}:{expires}".encode("utf-8"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def signed_path(config, clock, token):
    """The path and query of a download link for ``token``, valid for BOT_LINK_TTL_HOURS."""
    expires = int((clock.wall_now() + timedelta(hours=config.link_ttl_hours)).timestamp())
    return f"/files/{token}?exp={expires}&sig={signature(config.secret_key, token, expires)}"


def check(config, clock, token, args):
    """Raise LinkRefused unless ``args`` (the query) carry a valid, unexpired signature for ``token``."""
    expires, sig = str(args.get("exp") or ""), str(args.get("sig") or "")
    if not expires or not sig:
        raise LinkRefused(403, "下载链接缺少签名，请在聊天中重新获取文件")
    if not (expires.isascii() and expires.isdigit()) or len(expires) > 12 or not sig.isascii():
        raise LinkRefused(403, "下载链接无效，请在聊天中重新获取文件")
    if not hmac.compare_digest(signature(config.secret_key, token, expires), sig):
        raise LinkRefused(403, "下载链接无效，请在聊天中重新获取文件")
    if int(expires) < clock.wall_now().timestamp():
        raise LinkRefused(410, "下载链接已过期，请在聊天中重新获取文件")
