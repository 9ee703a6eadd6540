"""The try-out channel (`web`): the /try chat page and its JSON API, and pushes to web identities."""
import base64
import binascii
import json
import mimetypes
import uuid

from flask import Blueprint, jsonify, render_template, request

from bot.channels.base import Channel
from bot.errors import Refused
from bot.message import MESSAGE_ID_CHARS, USER_ID_CHARS, Attachment, Incoming


ID_CHARS = MESSAGE_ID_CHARS - USER_ID_CHARS - 1     # the page's own message id: "<user>:<id>" fits the inbox


class WebChannel(Channel):
    name = "web"
    replies_via_outbox = False     # replies come back in the HTTP response
    max_batch = 1000
    accepts_keys = True

    def prepare(self, session, incoming):
        """In the turn: a file uploaded with the message is stored and becomes its attachment."""
        upload = incoming.meta.pop("upload", None)
        if not upload:
            return
        token, name = self.store.save_upload(session, incoming, upload["name"], upload["data"])
        incoming.attachments.append(Attachment(kind=incoming.kind, ref=token, name=name))

    def push(self, recipients, payload, keys=None):
        """Pushed messages wait in web_messages until the page (or `chat`) reads them.

        ``keys`` (the outbox row ids) make a redelivery after a crash write nothing twice.
        """
        self.store.deliver(recipients, payload, keys or [None] * len(recipients))

    # -- reading what was pushed ------------------------------------------------------
    def take_inbox(self, user):
        return self.store.take(user)

    def identities(self):
        return self.store.identities()

    # -- the try-out API's messages (bot/webhook.py runs the turn) --------------------------
    @property
    def callback_path(self):
        return "/try/api/messages" if self.bot.config.try_enabled else None

    def parse_callback(self, inbound):
        """{"user", "text" | "action" | "file", "id"?} from the page (or any HTTP client)."""
        try:
            data = json.loads(inbound.body or b"null")
        except (ValueError, RecursionError):     # RecursionError: JSON nested deeper than Python recurses
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("user"), str) or not data["user"]:
            raise Refused(400, "请求需要 user，以及 text 或 action")
        user = data["user"]
        if len(user) > USER_ID_CHARS:
            raise Refused(400, f"user 过长（最多 {USER_ID_CHARS} 个字符）", f"a user id of {len(user)} characters")
        message_id = data.get("id")
        if message_id is None or message_id == "":
            message_id = uuid.uuid4().hex
        elif not isinstance(message_id, (str, int)) or isinstance(message_id, bool) \
                or len(str(message_id)) > ID_CHARS:
            raise Refused(400, f"id 应为不超过 {ID_CHARS} 个字符的字符串或整数", "a bad message id")
        text, action = data.get("text", ""), data.get("action", "")
        upload = None
        if data.get("file") is not None:
            upload, problem = self._upload(data["file"])
            if problem:
                raise Refused(400, problem)
        if not isinstance(text, str) or not isinstance(action, str) or not (text.strip() or action or upload):
            raise Refused(400, "请求需要 text、action（字符串）或 file")
        kind = "action" if action else "text"
        if upload:
            kind = "image" if (mimetypes.guess_type(upload["name"])[0] or "").startswith("image/") else "file"
        return [Incoming(channel=self.name, user=user, text=text[:20000], action=action[:1024],
                         message_id=f"{user}:{message_id}", kind=kind, meta={"upload": upload} if upload else {})]

    def ack(self, results):
        """The turn's replies in the response; ``duplicate`` when this id was seen before."""
        replies = results[0] if results else None
        body = {"replies": [public(r.to_dict()) for r in (replies or [])], "duplicate": replies is None}
        return 200, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8")

    def blueprint(self):
        if not self.bot.config.try_enabled:
            return None
        bp = Blueprint("try", __name__, template_folder="templates")

        @bp.get("/try")
        def page():
            return render_template("try.html", org=self.bot.config.org_name)

        @bp.get("/try/api/identities")
        def identities():
            return jsonify(identities=self.identities())

        @bp.get("/try/api/inbox")
        def inbox():
            user = request.args.get("user", "")
            if not user:
                return jsonify(error="请求需要 user"), 400
            return jsonify(messages=[public(m) for m in self.take_inbox(user)])

        return bp

    def _upload(self, value):
        """({"name", "data"}, None) of a try-out upload, or (None, the Chinese reason to refuse it)."""
        if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip() \
                or not isinstance(value.get("content_base64"), str):
            return None, "file 需要 name（文件名）和 content_base64（base64 编码的内容）"
        limit = self.bot.config.try_upload_bytes
        encoded = value["content_base64"].strip()
        if "," in encoded[:100] and encoded.startswith("data:"):
            encoded = encoded.split(",", 1)[1]          # a data: URL as the page's FileReader gives it
        if len(encoded) > (limit * 4) // 3 + 8:
            return None, f"文件太大，最大 {limit / 1024 / 1024:g} MB。"
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None, "文件内容不是有效的 base64 编码，请重新选择文件上传。"
        if not data:
            return None, "文件是空的，请重新选择文件。"
        if len(data) > limit:
            return None, f"文件太大，最大 {limit / 1024 / 1024:g} MB。"
        return {"name": value["name"].strip()[:200], "data": data}, None


def public(payload):
    """A message as the page may see it: a file by its name and signed link, never a server path."""
    if payload.get("file"):
        payload = dict(payload, file={k: v for k, v in payload["file"].items() if k != "path"})
    return payload
