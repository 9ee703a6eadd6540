"""The DingTalk (钉钉) channel: HTTP-mode robot callbacks, robot messages → Incoming, pushes out.

Receiving (shared/protocols/dingtalk.md §1): DingTalk POSTs one JSON robot message to
``/dingtalk/callback`` with ``timestamp`` + ``sign`` headers (HMAC over the timestamp only, so a
captured signature would fit any body for an hour): a message needs a ``msgId`` (the inbox guard
drops replays); a (timestamp, sign) pair may carry several msgIds for a few seconds after it was
first seen (two genuine messages of one millisecond share it), then only those (the channel's
store, storage/signatures.py). Stream mode (bot/channels/dingtalk/stream.py) parses the same
payloads with ``parse_robot_message`` and hands them to the turn.

Buttons (§5): robot messages have no button callback. A button is a markdown link
``dtmd://dingtalkclient/sendMessage?content=#act <action>``; tapping it makes the user's client
send that text, which arrives here as a normal message from the tapping user (authorised like
any message: on ``senderStaffId``, never on the text).

Sending (§1, §3, §4): a reply goes through the user's latest 1:1 sessionWebhook while it is
valid (remembered through the channel's store by ``after_turn``), otherwise through
``oToMessages/batchSend`` (≤ 20 users a call); ``group:<name>`` recipients are custom group
robots (``RobotGroup``, signed webhooks, 20 messages a minute, 130101 pauses the robot 10 min).
"""
import json
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

from bot.channels.dingtalk import chats as dingtalk_chats
from bot.channels.base import GROUP_PREFIX, Channel
from bot.channels.dingtalk.api import DingTalkClient
from bot.crypto import verify_dingtalk
from bot.errors import ChannelError, GiveUp, Refused, SignatureError
from bot.markup import escape_markdown, safe_filename
from bot.message import MESSAGE_ID_CHARS, USER_ID_CHARS, Attachment, Incoming

log = logging.getLogger("bot.channels.dingtalk.channel")

ACTION_MARKER = "#act "             # the text a button link makes the client send, before the action
PENDING_PREFIX = "dingtalk:"        # Attachment.ref until the file is downloaded: dingtalk:<downloadCode>
SESSION_KEY = "dtsession:"          # cache key prefix of a user's latest 1:1 sessionWebhook
SESSION_MARGIN = timedelta(seconds=60)
ROBOT_PER_MINUTE = 20
MAX_TEXT = 20000                    # characters of an incoming text we keep
MAX_OUT_CHARS = 4000                # characters of an outgoing text (msgParam ≤ 15 000 bytes)
FILE_TYPES = {"doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip", "pdf", "rar"}   # sampleFile types
MAX_FILE_BYTES = 20 * 1024 * 1024
KINDS = {"text": "text", "picture": "image", "richText": "image", "file": "file", "audio": "voice",
         "video": "video"}
_ACTION_RE = re.compile(r"#act\s+(.+)", re.DOTALL)
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\S+)+\s*")
_MARKUP = re.compile(r"[*`#>]|\[|\]\([^)]*\)")


class UnknownSender(Exception):
    """A robot message without ``senderStaffId`` (not a member of the organisation)."""


# -- receiving ----------------------------------------------------------------------------------

def parse_robot_message(data):
    """Translate one robot message (HTTP body or Stream ``data``) into an Incoming: a pure function.

    Files are listed as attachments whose ``ref`` is ``dingtalk:<downloadCode>``; in the turn,
    ``DingTalkChannel.prepare`` reserves a file for each and queues its download. Raises
    UnknownSender without ``senderStaffId``, and ``Refused`` (400) for a sender or message id
    longer than the assistant keeps (never clipped: two ids must not become one).
    """
    user = data.get("senderStaffId")
    if not isinstance(user, str) or not user.strip():
        raise UnknownSender("robot message without senderStaffId")
    user = user.strip()
    message_id = str(data.get("msgId") or "")
    if len(user) > USER_ID_CHARS or len(message_id) > MESSAGE_ID_CHARS:
        raise Refused(400, "发送人或消息标识过长，请求已拒绝",
                      f"senderStaffId of {len(user)} / msgId of {len(message_id)} characters")
    msgtype = str(data.get("msgtype") or "text")
    content = data.get("content") if isinstance(data.get("content"), dict) else {}
    conversation_type = str(data.get("conversationType") or "1")
    texts, attachments = [], []
    if msgtype == "text":
        texts.append(str(_dict(data.get("text")).get("content") or ""))
    elif msgtype == "richText":
        for part in content.get("richText") or []:
            if not isinstance(part, dict):
                continue
            if part.get("text"):
                texts.append(str(part["text"]))
            code = part.get("downloadCode") or part.get("pictureDownloadCode")
            if code and part.get("type", "picture") == "picture":
                attachments.append(Attachment("image", PENDING_PREFIX + str(code)))
    elif msgtype in KINDS:
        code = content.get("downloadCode") or content.get("pictureDownloadCode")
        if code:
            attachments.append(Attachment(KINDS[msgtype], PENDING_PREFIX + str(code),
                                          str(content.get("fileName") or "")))
        if msgtype == "audio" and content.get("recognition"):
            texts.append(str(content["recognition"]))     # DingTalk's speech-to-text
    text = "\n".join(t.strip() for t in texts if t.strip())
    if conversation_type == "2":
        text = _LEADING_MENTIONS.sub("", text)     # "@助手 帮助" when the mention was left in
    text = text.strip()[:MAX_TEXT]
    action = ""
    match = _ACTION_RE.fullmatch(text)
    if match:
        action, text = match.group(1).strip()[:1024], ""
    if action:
        kind = "action"
    elif msgtype == "richText" and text:
        kind = "text"
    else:
        kind = KINDS.get(msgtype, "text")
    expires = data.get("sessionWebhookExpiredTime")
    meta = {"conversation_type": conversation_type,
            "conversation_id": str(data.get("conversationId") or ""),
            "conversation_title": str(data.get("conversationTitle") or ""),
            "session_webhook": str(data.get("sessionWebhook") or ""),
            "session_webhook_expires": _epoch_ms(expires),
            "sender_nick": str(data.get("senderNick") or ""),
            "msgtype": msgtype}
    return Incoming(channel=DingTalkChannel.name, user=user, text=text, action=action,
                    message_id=message_id, attachments=attachments, kind=kind, meta=meta)


def _dict(value):
    return value if isinstance(value, dict) else {}


def _epoch_ms(value):
    """A plausible epoch-milliseconds value (int or digit string), else 0."""
    text = str(value or "")
    return int(text) if text.isdigit() and 0 < int(text) < 4_102_444_800_000 else 0


def _utc_from_ms(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).replace(tzinfo=None)


# -- rendering ----------------------------------------------------------------------------------

def action_link(button):
    """A markdown link that makes the tapping user's client send ``#act <action>``."""
    label = escape_markdown(button["label"])
    content = quote(ACTION_MARKER + button["action"], safe="")
    return f"[{label}](dtmd://dingtalkclient/sendMessage?content={content})"


def needs_markdown(payload, *, buttons=True):
    return bool(payload.get("markdown") or payload.get("file") or (buttons and payload.get("buttons")))


def markdown_text(payload, *, buttons=True, file_link=True):
    """The payload as DingTalk markdown: its text, a link to its file, one line per button."""
    text = _clip(payload.get("text", ""))
    if not payload.get("markdown"):
        # plain text from a handler: what users typed must not become markup (links, tags)
        text = escape_markdown(text).replace("\n", "  \n")   # a hard break per line
    parts = [text] if text.strip() else []
    file = payload.get("file")
    if file_link and file and file.get("url"):
        name = escape_markdown(file.get("name") or "文件")
        parts.append(f"附件：[{name}]({file['url']})")
    if buttons and payload.get("buttons"):
        parts.append("  \n".join(action_link(b) for b in payload["buttons"]))
    return "\n\n".join(parts) or "（空消息）"


def title_of(payload):
    """The title shown in the notification and the chat list."""
    if payload.get("title"):
        return payload["title"][:40]
    for line in payload.get("text", "").splitlines():
        line = _MARKUP.sub("", line).strip(" -")
        if line:
            return line[:40]
    return (payload.get("file") or {}).get("name") or "创新工作室助手"


def robot_body(payload, *, buttons=True):
    """A message in the custom-robot schema (sessionWebhook and custom group robots)."""
    if not needs_markdown(payload, buttons=buttons):
        return {"msgtype": "text", "text": {"content": _clip(payload.get("text", "")) or "（空消息）"}}
    return {"msgtype": "markdown",
            "markdown": {"title": title_of(payload), "text": markdown_text(payload, buttons=buttons)}}


def openapi_message(payload, *, file_link=True):
    """(msgKey, msgParam) for the robot OpenAPI: sampleText, or sampleMarkdown with links."""
    if not (payload.get("markdown") or payload.get("buttons") or (file_link and payload.get("file"))):
        return "sampleText", {"content": _clip(payload.get("text", "")) or "（空消息）"}
    return "sampleMarkdown", {"title": title_of(payload),
                              "text": markdown_text(payload, file_link=file_link)}


def _clip(text):
    if len(text) <= MAX_OUT_CHARS:
        return text
    return text[:MAX_OUT_CHARS] + "\n……（内容过长，已截断）"


# -- the channel --------------------------------------------------------------------------------

class DingTalkChannel(Channel):
    name = "dingtalk"
    max_batch = 20                  # userIds per oToMessages/batchSend
    pausing_codes = frozenset({130101})

    def __init__(self, bot, store):
        super().__init__(bot, store)
        self.api = DingTalkClient(self.config, store)
        self.oapi = self.config.dingtalk_oapi_base.rstrip("/")
        bot.tasks.add("dingtalk.media", self.fetch_media_task, self.media_failed)

    def limit_per_minute(self, recipient):
        """Custom group robots take 20 messages a minute; users have no per-user limit here."""
        return ROBOT_PER_MINUTE if recipient.startswith((GROUP_PREFIX, dingtalk_chats.CHAT_PREFIX)) else None

    def api_messages(self, recipient, payload):
        """A user gets the text and a sampleFile when a file is uploaded; a robot one message."""
        if recipient.startswith(GROUP_PREFIX) or not self._file_to_upload(payload):
            return 1
        return 2 if (payload.get("text", "").strip() or payload.get("buttons")) else 1

    # -- receiving (HTTP mode; Stream mode: bot/channels/dingtalk/stream.py) ----------------------
    callback_path = "/dingtalk/callback"

    def parse_callback(self, inbound):
        """The robot's POST: the HMAC headers, a JSON body with a msgId, the signature's use."""
        timestamp, sign = inbound.headers.get("timestamp"), inbound.headers.get("sign")
        try:
            verify_dingtalk(timestamp, sign, self.config.dingtalk_app_secret, self.store.now_ms())
        except SignatureError as exc:
            raise Refused(403, "签名校验失败，请求已拒绝", str(exc)) from None
        try:
            data = json.loads(inbound.body)
        except (ValueError, RecursionError):    # RecursionError: JSON nested deeper than Python recurses
            data = None
        if not isinstance(data, dict):
            raise Refused(400, "请求内容不是有效的 JSON 对象")
        message_id = data.get("msgId")
        if not isinstance(message_id, str) or not message_id.strip():
            raise Refused(400, "消息缺少 msgId，无法识别重复投递，请求已拒绝")
        try:
            incoming = parse_robot_message(data)        # before the signature is spent on it
        except UnknownSender:
            raise Refused(403, "无法确认发送人是本组织成员，消息已忽略", "no senderStaffId (not an org member)") from None
        if not self.store.claim_signature(timestamp, sign, message_id, _utc_from_ms(int(timestamp)),
                                          self.config.dingtalk_sign_share_seconds):
            raise Refused(403, "该签名已用于另一条消息，请求已拒绝", "its signature was used for other messages")
        return [incoming]

    def ack(self, results):
        return 200, "application/json", b'{"msgtype": "empty"}'     # replies leave through the outbox

    def prepare(self, session, incoming):
        """In the turn: reserve a file for each file or picture sent and queue its download.

        ``ref`` becomes the reserved file's token at once, so the turn can attach it; the worker
        fetches the bytes (a file that never arrives is reported to the sender)."""
        for attachment in incoming.attachments:
            if not attachment.ref.startswith(PENDING_PREFIX):
                continue
            name = attachment.name or \
                f"{'图片' if attachment.kind == 'image' else '文件'}-{self.store.local_now():%Y%m%d-%H%M%S}"
            token, _ = self.store.reserve_download(session, incoming, name, "dingtalk.media", {
                "code": attachment.ref[len(PENDING_PREFIX):], "name": attachment.name})
            attachment.ref, attachment.name = token, name

    def fetch_media_task(self, bot, payload):
        """The worker's download of what the user sent into its reserved file; an error that
        trying again cannot mend (an invalid or expired downloadCode) gives up at once."""
        try:
            data, name = self.api.download(payload["code"], payload.get("name") or "")
        except ChannelError as exc:
            if not exc.retry:
                raise GiveUp(str(exc)) from exc
            raise
        return self.store.fill_reserved(payload["token"], data, name=None if payload.get("name") else name)

    def media_failed(self, session, payload):
        self.store.tell_not_received(session, payload)

    def reply_recipient(self, incoming, reply):
        """A group question is answered in the group (bot/channels/dingtalk/chats.py)."""
        return dingtalk_chats.recipient(incoming, reply)

    def after_turn(self, session, incoming, replies):
        """Remember the user's latest 1:1 (or the group's) sessionWebhook, in the turn's transaction.

        Group webhooks are not remembered: a later private notice to that user would otherwise be
        posted into the group. A webhook not on the configured oapi host is never used (the body is
        not covered by DingTalk's signature).
        """
        meta = incoming.meta or {}
        url, expires = meta.get("session_webhook"), meta.get("session_webhook_expires") or 0
        if meta.get("conversation_type") == "2":
            dingtalk_chats.remember(session, self, incoming)        # its plain replies are posted there
            return
        if meta.get("conversation_type") != "1" or not url or not expires:
            return
        if not url.startswith(f"{self.oapi}/robot/sendBySession?"):
            log.warning("ignored a sessionWebhook on an unexpected host for %s", incoming.user)
            return
        key = SESSION_KEY + incoming.user
        if not self.store.fits(key):
            return
        self.store.put_in(session, key, url, _utc_from_ms(expires))

    # -- sending -------------------------------------------------------------------------------
    def push(self, recipients, payload, **options):
        """Replies into a group chat first (bot/channels/dingtalk/chats.py), then people and group robots."""
        chats = [r for r in recipients if r.startswith(dingtalk_chats.CHAT_PREFIX)]
        for chat in chats:
            dingtalk_chats.push(self, chat, payload, robot_body, openapi_message)
        others = [r for r in recipients if r not in chats]
        return super().push(others, payload, **options) if others else None

    def push_users(self, users, payload):
        """One user: the remembered 1:1 sessionWebhook when it takes the message; else
        oToMessages/batchSend (nothing sent to anyone before it can fail)."""
        if len(users) == 1 and self._push_session(users[0], payload):
            return [], []
        bad, later = self._push_openapi(users, payload)
        return sorted(bad), sorted(later)

    def session_webhook(self, user):
        """The user's remembered 1:1 sessionWebhook, or None when there is none or it expired."""
        return self.store.get(SESSION_KEY + user, SESSION_MARGIN)

    def _forget_session(self, user):
        self.store.forget(SESSION_KEY + user)

    def _push_session(self, user, payload):
        """Reply through the sessionWebhook; False when there is none or DingTalk refused it."""
        if self._file_to_upload(payload):
            return False                # a real file only goes through the OpenAPI (sampleFile)
        url = self.session_webhook(user)
        if url is None:
            return False
        try:
            self.api.session_send(url, robot_body(payload))
        except ChannelError as exc:
            if exc.retry:
                raise
            log.info("sessionWebhook of %s refused (%s); falling back to batchSend", user, exc.code)
            self._forget_session(user)
            return False
        return True

    def _push_openapi(self, users, payload):
        """oToMessages/batchSend to ≤ 20 users; returns (invalid ids, ids to retry later)."""
        messages = []
        upload = self._file_to_upload(payload)
        if upload:
            path, name, ext = upload
            media_id = self.api.upload_media(path.read_bytes(), name)
            if payload.get("text", "").strip() or payload.get("buttons"):
                messages.append(openapi_message(payload, file_link=False))
            messages.append(("sampleFile", {"mediaId": media_id, "fileName": name, "fileType": ext}))
        else:
            messages.append(openapi_message(payload))
        # text, then the file: a failure between the two resends the text on retry (at least once)
        invalid, limited = set(), set()
        for msg_key, msg_param in messages:
            targets = [u for u in users if u not in invalid and u not in limited]
            if not targets:
                break
            bad, flow = self.api.batch_send(targets, msg_key, msg_param)
            invalid.update(bad)
            limited.update(flow)
        if invalid:
            log.warning("DingTalk does not know userIds %s", sorted(invalid))
        return invalid, limited

    def _file_to_upload(self, payload):
        """(path, name, type) of a file sendable as ``sampleFile``, else None (sent as a link)."""
        file = payload.get("file") or {}
        path = Path(file["path"]) if file.get("path") else None
        name = safe_filename(file.get("name") or (path.name if path else ""))
        ext = Path(name).suffix.lstrip(".").lower()
        if not path or ext not in FILE_TYPES or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path, name, ext

    def push_robot(self, webhook, secret, payload):
        """Post to a custom group robot, signed with its secret; buttons could not be answered there."""
        self.api.robot_webhook_send(webhook, secret, robot_body(payload, buttons=False), self.store.now_ms())
