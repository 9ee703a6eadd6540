"""Plain WSGI for the messenger callbacks' POSTs: the busiest route skips Flask's request machinery.

A WeCom callback needs its query string and body and answers with a status and a short body;
Flask's request and app contexts, session cookie, response object and hooks cost about as much
CPU as the rest of a form step. This middleware answers ``POST /wecom/callback`` itself, with
the same rules the Flask app applies to every request (the body-size limit, a Chinese JSON
error, never a traceback), and hands every other request to Flask unchanged.
"""
import json
import logging
from http import HTTPStatus
from urllib.parse import parse_qsl

log = logging.getLogger("bot.fastpath")


def json_error(status, message):
    """(status, content type, body) of an error as the Flask app words it."""
    return status, "application/json", json.dumps({"error": message}).encode("ascii")


# how the whole app words its HTTP errors (the Flask app's error handlers use these too)
HTTP_ERRORS = {400: "请求格式不正确", 403: "签名校验失败", 404: "页面不存在", 405: "不支持的请求方法",
               413: "请求内容过大", 500: "服务器内部错误"}


class FastPath:
    """WSGI middleware: ``routes`` maps (method, path) to ``handler(args, body, remote_addr)``
    returning (status, content type, body)."""

    def __init__(self, wsgi_app, routes, max_body_bytes):
        self.wsgi_app, self.routes, self.max_body = wsgi_app, routes, max_body_bytes

    def __call__(self, environ, start_response):
        handler = self.routes.get((environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
        if handler is None:
            return self.wsgi_app(environ, start_response)
        try:
            status, content_type, body = self._answer(handler, environ)
        except Exception:
            log.exception("unhandled error")
            status, content_type, body = json_error(500, HTTP_ERRORS[500])
        start_response(f"{status} {HTTPStatus(status).phrase.upper()}",
                       [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    def _answer(self, handler, environ):
        length = environ.get("CONTENT_LENGTH")
        stream = environ["wsgi.input"]
        if length:
            try:
                length = int(length)
            except ValueError:
                return json_error(400, HTTP_ERRORS[400])
            if length < 0:
                return json_error(400, HTTP_ERRORS[400])
            if length > self.max_body:
                return json_error(413, HTTP_ERRORS[413])
            body = stream.read(length)
        else:                                   # chunked, or no length given: read up to the limit
            body = stream.read(self.max_body + 1)
            if len(body) > self.max_body:
                return json_error(413, HTTP_ERRORS[413])
        args = {}
        for key, value in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True):
            args.setdefault(key, value)         # the first of repeated keys, as Flask's args.get

        return handler(args, body, environ.get("REMOTE_ADDR"))
