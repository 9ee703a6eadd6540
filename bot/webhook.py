"""The inbound path of every messenger, one blueprint: read the body, let the channel verify and
parse it into ``Incoming`` messages, run each as a turn, acknowledge as the channel's platform wants.

A channel says where its callbacks arrive (``callback_path``) and implements ``handshake`` (a GET
that proves the URL, when its platform has one), ``parse_callback`` and ``ack``; it runs no turns.
"""
import logging
from dataclasses import dataclass

from flask import Blueprint, Response, abort, jsonify, request

from bot.errors import Refused

log = logging.getLogger("bot.webhook")


@dataclass(frozen=True)
class Inbound:
    """One HTTP request as a channel sees it: no Flask in the channels."""
    args: dict
    headers: dict
    body: bytes
    remote_addr: str | None = None


def blueprint(bot):
    bp = Blueprint("webhook", __name__)
    for channel in bot.channels.values():
        if not channel.callback_path:
            continue
        bp.add_url_rule(channel.callback_path, f"{channel.name}_callback",
                        _callback(bot, channel), methods=["POST"])
        if channel.has_handshake:
            bp.add_url_rule(channel.callback_path, f"{channel.name}_handshake", _handshake(channel), methods=["GET"])
    return bp


def _inbound():
    # read no more than the limit, even without a Content-Length: one more byte is a 413
    limit = request.max_content_length
    body = request.stream.read(limit) if limit else request.stream.read()
    if limit and request.stream.read(1):
        abort(413)
    return Inbound(args=request.args, headers=request.headers, body=body, remote_addr=request.remote_addr)


def _refused(channel, refused):
    log.warning("%s callback refused (%s) from %s: %s", channel.name, refused.status, request.remote_addr,
                refused.reason or refused.message)
    return jsonify(error=refused.message), refused.status


def _callback(bot, channel):
    def callback():
        try:
            messages = channel.parse_callback(_inbound())
        except Refused as refused:
            return _refused(channel, refused)
        results = [bot.handle(incoming) for incoming in messages]
        status, content_type, body = channel.ack(results)
        return Response(body, status, content_type=content_type)
    return callback


def _handshake(channel):
    def handshake():
        try:
            echo = channel.handshake(_inbound())
        except Refused as refused:
            return _refused(channel, refused)
        return Response(echo, 200, content_type="text/plain; charset=utf-8")
    return handshake
