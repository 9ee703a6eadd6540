"""HTTP to a messenger API: one requests.Session per thread, UTF-8 JSON, transport errors typed."""
import json as jsonlib
import os
import threading
from urllib.parse import urlsplit

import requests

from bot.errors import ChannelError

TIMEOUT = (5, 20)                  # (connect, read) seconds


class Transport:
    """Shared by web threads, the worker and the stream loop; ``platform`` names it in errors."""

    def __init__(self, platform):
        self.platform = platform
        self._local = threading.local()
        # What requests would read from the environment on every call (and a ~/.netrc lookup,
        # which no messenger API uses), read once: the CA bundle here, each host's proxies
        # (HTTPS_PROXY / NO_PROXY) on its first call.
        self._verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self._proxies = {}

    @property
    def session(self):
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.trust_env = False
            session.verify = self._verify
        return session

    def proxies(self, url):
        """The environment's proxies for ``url``'s host (none when NO_PROXY names it), kept per host."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        found = self._proxies.get(origin)
        if found is None:
            found = self._proxies[origin] = requests.utils.get_environ_proxies(origin)
        return found

    def request(self, method, url, *, params=None, headers=None, json=None, data=None, files=None,
                timeout=None):
        """The response, or ChannelError(retry=True) for a timeout or a connection failure."""
        headers = dict(headers or {})
        if json is not None:
            # UTF-8 as is: both platforms count bytes, and \\uXXXX escapes would triple them
            data = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        where = urlsplit(url).path           # never the query: it may hold tokens or session ids
        try:
            return self.session.request(method, url, params=params, headers=headers, data=data,
                                        files=files, timeout=timeout or TIMEOUT, proxies=self.proxies(url))
        except requests.Timeout as exc:
            raise ChannelError("timeout", f"{self.platform}接口超时：{where}", retry=True) from exc
        except requests.RequestException as exc:
            raise ChannelError("network", f"无法连接{self.platform}：{exc.__class__.__name__}（{where}）",
                               retry=True) from exc
