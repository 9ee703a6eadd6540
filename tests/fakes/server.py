"""Base for the loopback fake messenger APIs: threaded HTTP server, request log, fake clock, faults.

A ``FakeServer`` runs a Flask app with ``werkzeug.serving.make_server("127.0.0.1", 0, ...)`` in a
daemon thread. Subclasses register their routes in ``_routes()``. Every request passes through one
``before_request`` hook (outage switch, scripted faults) and one ``after_request`` hook (records).

Fault kinds for ``fail_next(path_suffix, kind, times=1)``:

* ``"busy"``           platform "system busy" (WeCom/DingTalk oapi: errcode -1)
* ``"http500"``        HTTP 500 (any ``"http<code>"`` works, e.g. ``"http502"``)
* ``"slow:<seconds>"`` sleep that many real seconds, then answer normally
* ``"drop"``           close the TCP connection without any response (client sees a connection error)
* ``"lost_reply"``     handle the request normally (it takes effect), then close the connection
                       without the response: the ambiguous failure a client cannot tell from "drop"
* ``"ratelimit"``      the platform's rate-limit answer (WeCom 45009, ...)
* ``"token_invalid"``  the platform's invalid-token answer (WeCom 40014, ...); the token is NOT revoked
* a ``dict`` / JSON string  returned as-is with HTTP 200; ``(status, dict)`` sets the status too
"""
from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections import defaultdict, deque
from typing import Any, Callable

from flask import Flask, Response, request
from werkzeug.serving import WSGIRequestHandler, make_server

_HEADER_SUBSET = ("Content-Type", "Content-Length", "User-Agent", "Accept", "Range",
                  "x-acs-dingtalk-access-token")


def _size(stream: Any) -> int | None:
    try:
        pos = stream.tell()
        stream.seek(0, 2)
        size = stream.tell()
        stream.seek(pos)
        return size
    except (OSError, AttributeError, ValueError):
        return None


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not print an access-log line per request."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:  # noqa: D401
        pass


def json_response(body: Any, status: int = 200) -> Response:
    """A JSON response with UTF-8 (non-escaped) text, like the real platforms send."""
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


class TokenStore:
    """Access tokens with expiry by the fake clock. Statuses: ok, missing, unknown, expired."""

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._lock = threading.Lock()
        self._expires: dict[str, float] = {}
        self._n = 0

    def issue(self, ttl: float, prefix: str = "tok") -> str:
        with self._lock:
            self._n += 1
            token = f"{prefix}-{self._n}-{secrets.token_hex(12)}"
            self._expires[token] = self._clock() + ttl
            return token

    def live(self) -> str | None:
        """Most recently issued token that is still valid, or None."""
        now = self._clock()
        with self._lock:
            for tok, exp in reversed(list(self._expires.items())):
                if exp > now:
                    return tok
        return None

    def extend(self, token: str, ttl: float) -> None:
        with self._lock:
            if token in self._expires:
                self._expires[token] = self._clock() + ttl

    def remaining(self, token: str) -> int:
        return max(0, int(self._expires.get(token, 0) - self._clock()))

    def status(self, token: str | None) -> str:
        if not token:
            return "missing"
        with self._lock:
            exp = self._expires.get(token)
        if exp is None:
            return "unknown"
        return "ok" if exp > self._clock() else "expired"

    def expire_all(self) -> None:
        """Every current token now answers 'expired'."""
        now = self._clock()
        with self._lock:
            for tok in self._expires:
                self._expires[tok] = min(self._expires[tok], now - 1)

    def revoke_all(self) -> None:
        """Forget every token: they now answer 'unknown' (invalid token)."""
        with self._lock:
            self._expires.clear()


class SlidingWindow:
    """Per-key sliding-window counter: ``allow(key, now)`` counts the hit only if it is allowed."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._hits: dict[Any, deque] = defaultdict(deque)
        self._lock = threading.RLock()

    def check(self, key: Any, now: float) -> bool:
        """True if one more hit fits in the window (does not count it)."""
        with self._lock:
            q = self._hits[key]
            while q and q[0] <= now - self.window:
                q.popleft()
            return len(q) < self.limit

    def add(self, key: Any, now: float) -> None:
        with self._lock:
            self._hits[key].append(now)

    def allow(self, key: Any, now: float) -> bool:
        with self._lock:
            ok = self.check(key, now)
            if ok:
                self.add(key, now)
            return ok


class FakeServer:
    """A real HTTP server on 127.0.0.1:<random port> serving a Flask app in a daemon thread."""

    name = "fake"

    def __init__(self) -> None:
        self.app = Flask(f"{self.name}-{id(self)}")
        self.app.config["PROPAGATE_EXCEPTIONS"] = False
        self.app.json.ensure_ascii = False  # type: ignore[attr-defined]
        self.lock = threading.RLock()
        self.records: list[dict] = []
        self.base_clock: Callable[[], float] = time.time
        self._offset = 0.0
        self._faults: list[list] = []   # [path_suffix, kind, remaining]
        self._down = False
        self._server = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.app.before_request(self._before)
        self.app.after_request(self._after)
        self._routes()

    # ---- subclass hooks ---------------------------------------------------------------------
    def _routes(self) -> None:
        """Register the platform's routes on ``self.app``."""

    def fault_response(self, kind: str, path: str) -> Response:
        """Platform-specific answer for the symbolic fault kinds (default: WeCom-style errcodes)."""
        body = {"busy": {"errcode": -1, "errmsg": "system busy"},
                "ratelimit": {"errcode": 45009, "errmsg": "api freq out of limit"},
                "token_invalid": {"errcode": 40014, "errmsg": "invalid access_token"}}[kind]
        return json_response(body)

    # ---- lifecycle --------------------------------------------------------------------------
    def start(self) -> "FakeServer":
        if self._server is not None:
            return self
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"{self.name}-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.server_port if self._server else 0

    # ---- clock ------------------------------------------------------------------------------
    def clock(self) -> float:
        """The fake server's 'now' in epoch seconds: ``base_clock() + offset``.

        Replace ``server.base_clock`` (or ``server.clock`` itself) to pin time; ``advance`` shifts it."""
        return self.base_clock() + self._offset

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def advance(self, seconds: float) -> None:
        with self.lock:
            self._offset += seconds

    # ---- controls ---------------------------------------------------------------------------
    def fail_next(self, path_suffix: str, kind: Any, times: int = 1) -> None:
        """Make the next ``times`` requests whose path ends with ``path_suffix`` fail with ``kind``."""
        with self.lock:
            self._faults.append([path_suffix, kind, times])

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()

    def down(self, is_down: bool = True) -> None:
        """While down, every endpoint answers HTTP 503 (an outage)."""
        self._down = bool(is_down)

    # ---- records ----------------------------------------------------------------------------
    def requests_to(self, path_suffix: str) -> list[dict]:
        with self.lock:
            return [r for r in self.records if r["path"].endswith(path_suffix)]

    def clear_records(self) -> None:
        with self.lock:
            self.records.clear()

    # ---- internals --------------------------------------------------------------------------
    def _wsgi(self, environ: dict, start_response: Callable) -> Any:
        result = self.app.wsgi_app(environ, start_response)
        if environ.get("fakes.drop"):
            if hasattr(result, "close"):
                result.close()
            sock = environ.get("werkzeug.socket")
            try:
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            # werkzeug treats ConnectionError as "client went away": nothing is written back.
            raise ConnectionAbortedError("fake server dropped the connection")
        return result

    def _take_fault(self, path: str) -> Any:
        with self.lock:
            for f in self._faults:
                if path.endswith(f[0]):
                    f[2] -= 1
                    if f[2] <= 0:
                        self._faults.remove(f)
                    return f[1]
        return None

    def _before(self) -> Response | None:
        request.environ["fakes.time"] = self.clock()
        if self._down:
            return json_response({"error": "service unavailable (fake outage)"}, 503)
        kind = self._take_fault(request.path)
        if kind is None:
            return None
        request.environ["fakes.fault"] = kind if isinstance(kind, str) else "raw"
        if isinstance(kind, tuple):
            return json_response(kind[1], kind[0])
        if isinstance(kind, dict):
            return json_response(kind)
        if kind.startswith("slow:"):
            time.sleep(float(kind.split(":", 1)[1]))
            return None
        if kind == "drop":
            request.environ["fakes.drop"] = True
            return Response(b"", 200)
        if kind == "lost_reply":
            request.environ["fakes.drop"] = True
            return None
        if kind.startswith("http") and kind[4:].isdigit():
            return json_response({"error": f"fake HTTP {kind[4:]}"}, int(kind[4:]))
        if kind in ("busy", "ratelimit", "token_invalid"):
            return self.fault_response(kind, request.path)
        if kind.lstrip().startswith("{"):
            return json_response(json.loads(kind))
        raise ValueError(f"unknown fault kind {kind!r}")

    def _after(self, response: Response) -> Response:
        ctype = request.content_type or ""
        is_form = ctype.startswith(("multipart/", "application/x-www-form-urlencoded"))
        files = {k: {"filename": f.filename, "content_type": f.content_type, "size": _size(f.stream)}
                 for k, f in request.files.items()} if is_form else {}
        req_json = None if is_form else request.get_json(silent=True, force=True)
        resp_json = None
        if response.mimetype == "application/json" and not response.direct_passthrough:
            resp_json = response.get_json(silent=True)
        rec = {
            "method": request.method,
            "path": request.path,
            "query": request.args.to_dict(),
            "json": req_json,
            "form": request.form.to_dict() if is_form else {},
            "files": files,
            "headers": {h: request.headers[h] for h in _HEADER_SUBSET if h in request.headers},
            "time": request.environ.get("fakes.time", self.clock()),
            "status": "dropped" if request.environ.get("fakes.drop") else response.status_code,
            "fault": request.environ.get("fakes.fault"),
            "response": resp_json,
        }
        with self.lock:
            self.records.append(rec)
        return response
