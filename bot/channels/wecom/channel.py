"""The WeCom (企业微信) channel: app callbacks in, message/send and template cards out, group robots.

Inbound (``/wecom/callback``): GET answers the URL check with the decrypted echostr; POST
verifies and decrypts the envelope (bot/crypto.py) and turns the inner XML into an ``Incoming``
(``parse_fields``, a pure function); bot/webhook.py runs the turn (replies go to the outbox) and
acknowledges with an empty 200. Media the user sent is fetched by a worker task (media ids live 3
days) into a file reserved in the turn. A pressed card button greys out through
``update_template_card``, also a task, best effort: a button's key carries the label it greys out
to. What the channel keeps (tokens, reserved files) goes through the store it is given (bot/channel_store.py).

Outbound (``push``, called by the delivery worker): Outgoing dicts become text / markdown
messages (split at WeCom's 2048 bytes), ``button_interaction`` template cards, or an uploaded
file; recipients ``group:<name>`` go to that RobotGroup's webhook. See shared/protocols/wecom.md.
"""
import hashlib
import json
import logging
import mimetypes
import uuid
from pathlib import Path

from bot.channels.base import GROUP_PREFIX, Channel
from bot.channels.wecom.api import WeComClient
from bot.crypto import Envelope, parse_xml_fields, wecom_encrypted_field
from bot.errors import ChannelError, DecryptError, GiveUp, Refused, SignatureError
from bot.markup import escape_markdown, escape_text, safe_filename
from bot.message import USER_ID_CHARS, Attachment, Incoming

log = logging.getLogger("bot.channels.wecom.channel")

TEXT_LIMIT = 2048                 # bytes of text / markdown in message/send and robot text
ROBOT_MARKDOWN_LIMIT = 4096       # bytes of robot markdown
TITLE_CHARS = 36                  # template_card main_title.title
DESC_CHARS = 44                   # template_card main_title.desc
SUB_TITLE_CHARS = 160             # template_card sub_title_text
BUTTON_CHARS = 10                 # a card button's text
MAX_BUTTONS = 6
KEY_BYTES = 1024                  # a card button's key
REPLACE_NAME_CHARS = 20           # the greyed label after a click
TEXT_CHARS_IN = 20000             # longest text a turn is given (as the try-out channel)
UPLOAD_MIN, UPLOAD_MAX = 6, 20 * 1024 * 1024
MEDIA_TIMEOUT = (2, 3)            # callbacks must be answered within WeCom's 5 seconds
CARD_UPDATE_TIMEOUT = (1, 2)
CARD_KEY = "wecom:card:"             # cache key prefix of the button labels of cards sent before LABEL_MARK
LABEL_MARK = "\u241f"                # a button's key: its action, this mark, the label it greys out to
DUPLICATE_SECONDS = 4 * 3600      # message/send duplicate check: WeCom's longest window (wecom.md §7.2)
TASK_ID_USED = 42016              # template_card task_id already used

MESSAGE_KINDS = {"text": "text", "image": "image", "voice": "voice", "video": "video",
                 "file": "file", "location": "location", "link": "link"}
MEDIA_KINDS = {"image", "voice", "video", "file"}
MEDIA_SUFFIX = {"image": ".jpg", "voice": ".amr", "video": ".mp4", "file": ""}
MEDIA_NAMES = {"image": "图片", "voice": "语音", "video": "视频", "file": "文件"}


class WeComChannel(Channel):
    name = "wecom"
    max_batch = 1000                  # message/send takes up to 1000 users
    per_recipient_per_minute = 30     # per app and member; WeCom silently drops the 31st
    per_group_per_minute = 20         # per group robot
    # message/send: 10,000 a minute per company, then 45009 and a block of 60 s; kept below it
    per_app_per_minute = 9000
    merges_texts = True
    pausing_codes = frozenset({45009})
    accepts_once = True

    def __init__(self, bot, store):
        super().__init__(bot, store)
        config = self.config
        self.envelope = Envelope(config.wecom_token, config.wecom_aes_key, config.wecom_corp_id)
        self.client = WeComClient(config, store)
        bot.tasks.add("wecom.media", self.fetch_media_task, self.media_failed)
        bot.tasks.add("wecom.card", self.grey_out_card)

    def limit_per_minute(self, recipient):
        if recipient.startswith(GROUP_PREFIX):
            return self.per_group_per_minute
        return self.per_recipient_per_minute

    def api_messages(self, recipient, payload):
        """The messages ``push`` sends: each text part, the card, the file (WeCom counts each)."""
        text, media = self._with_file(payload, lambda path, name: "counted")   # nothing is uploaded
        if recipient.startswith(GROUP_PREFIX):
            bodies = render_robot(dict(payload, text=text))
        else:
            bodies, _ = render_app(dict(payload, text=text))
        return len(bodies) + (1 if media else 0)

    # ======================================================================== inbound
    callback_path = "/wecom/callback"
    has_handshake = True

    def handshake(self, inbound):
        """The URL check: the decrypted echostr, in plain text."""
        args = inbound.args
        try:
            return self.envelope.open(args.get("msg_signature", ""), args.get("timestamp", ""),
                                      args.get("nonce", ""), args.get("echostr", ""))
        except SignatureError as exc:
            raise Refused(403, "签名校验失败", str(exc)) from None
        except DecryptError as exc:
            raise Refused(400, "回调内容无法解密", str(exc)) from None

    def parse_callback(self, inbound):
        """One POSTed callback: signature, AES envelope, defusedxml, freshness; then its message."""
        args = inbound.args
        try:
            encrypted = wecom_encrypted_field(inbound.body)
            inner = self.envelope.open(args.get("msg_signature", ""), args.get("timestamp", ""),
                                       args.get("nonce", ""), encrypted)
            fields = parse_xml_fields(inner)
        except SignatureError as exc:
            raise Refused(403, "签名校验失败", str(exc)) from None
        except DecryptError as exc:
            raise Refused(400, "回调内容无法解密或解析", str(exc)) from None
        if not self.store.fresh(args.get("timestamp", "")):
            # its duplicate guard may be pruned already (storage/inbox.py): an old callback is a replay
            raise Refused(403, "回调时间戳已过期，请求已拒绝", "stale timestamp")
        incoming = parse_fields(fields)
        return [incoming] if incoming is not None else []

    def ack(self, results):
        """WeCom's "received, no passive reply": HTTP 200 with an empty body (replies go through the outbox)."""
        return 200, "text/plain; charset=utf-8", b""

    def prepare(self, session, incoming):
        """In the turn: reserve a file for the media the user sent and queue its download."""
        media_id = incoming.meta.get("media_id")
        if incoming.kind not in MEDIA_KINDS or not media_id:
            return
        name = incoming.meta.get("file_name") or _default_name(incoming, "", self.store.local_now())
        token, _ = self.store.reserve_download(session, incoming, name, "wecom.media", {
            "media_id": media_id, "kind": incoming.kind, "named": bool(incoming.meta.get("file_name"))})
        incoming.attachments.append(Attachment(kind=incoming.kind, ref=token, name=name))

    def after_turn(self, session, incoming, replies):
        """A pressed card greys out (a task: the API is not called inside the turn)."""
        if incoming.meta.get("response_code"):
            self.store.add_task(session, "wecom.card", {
                "user": incoming.user, "response_code": incoming.meta["response_code"],
                "task_id": incoming.meta.get("task_id"), "action": incoming.action,
                "label": incoming.meta.get("label", "")},
                dedupe_key=f"wecom.card:{incoming.message_id}"[:255])

    def fetch_media_task(self, bot, payload):
        """The worker's download of a user's media into its reserved file."""
        try:
            data, name, content_type = self.client.get_media(payload["media_id"], timeout=MEDIA_TIMEOUT)
        except ChannelError as exc:
            if not exc.retry:       # e.g. 40007 invalid media_id: trying again would fail the same way
                raise GiveUp(str(exc)) from exc
            raise
        better = name if name and not payload.get("named") else None
        return self.store.fill_reserved(payload["token"], data, name=better, content_type=content_type)

    def media_failed(self, session, payload):
        """Given up: the sender hears that the file did not arrive."""
        self.store.tell_not_received(session, payload, MEDIA_NAMES.get(payload.get("kind"), "文件"))

    def grey_out_card(self, bot, payload):
        """Replace the clicked card's buttons by the pressed label (best effort: one try)."""
        label = payload.get("label") or self._card_labels(payload.get("task_id")).get(payload["action"]) or "已处理"
        try:
            self.client.update_template_card([payload["user"]], payload["response_code"],
                                             _clip(label, REPLACE_NAME_CHARS), timeout=CARD_UPDATE_TIMEOUT)
        except ChannelError as exc:     # cosmetic: a failed update is not retried
            log.warning("wecom: card update for %s failed: %s", payload["user"], exc)
        return None

    # ======================================================================== outbound
    # -- app messages to users ----------------------------------------------------------
    def push_users(self, users, payload, once=False):
        """Send every message of ``payload``; returns (the users WeCom called invalid, none to retry).

        ``once`` (a key stable across retries, or None): WeCom drops an identical message within
        DUPLICATE_SECONDS, so a notice resent after an ambiguous failure (a timeout after WeCom
        took it) reaches the member once; a card's task id comes from the key, so the copy is
        identical. (A re-uploaded file gets a new media id: only the file itself may repeat.)
        """
        text, media_id = self._with_file(payload, self.client.upload_media)
        bodies, labels = render_app(dict(payload, text=text))
        if media_id:
            bodies.append({"msgtype": "file", "file": {"media_id": media_id}})
        if once:
            for n, body in enumerate(bodies):
                body.update(enable_duplicate_check=1, duplicate_check_interval=DUPLICATE_SECONDS)
                if body["msgtype"] == "template_card":
                    body["template_card"]["task_id"] = f"bot-{once[:40]}-{n}"
        live, invalid = list(users), []
        for body in bodies:
            try:
                refused = set(self.client.send_message(live, body))
            except ChannelError as exc:
                if once and exc.code == TASK_ID_USED and body["msgtype"] == "template_card":
                    continue        # this card's key-derived task id was taken by our own earlier try
                raise
            if refused:
                invalid += [u for u in live if u.lower() in refused]
                live = [u for u in live if u.lower() not in refused]
                log.warning("wecom: invalid recipients %s", sorted(refused))
            if not live:
                break
        return invalid, []

    def _with_file(self, payload, upload):
        """The text to send (with the file's name) and the uploaded media id, if any."""
        text = payload.get("text", "") or ""
        file = payload.get("file")
        if not file:
            return text, None
        name = safe_filename(file.get("name"))
        path = Path(file["path"]) if file.get("path") else None
        media_id = None
        if path is not None and path.is_file() and UPLOAD_MIN <= path.stat().st_size <= UPLOAD_MAX:
            media_id = upload(path, name)
        line = f"附件：{name}"
        if media_id is None and file.get("url"):
            line += f"\n下载：{file['url']}"
        return (f"{text}\n{line}" if text.strip() else line), media_id

    def _card_labels(self, task_id):
        """The labels kept for a card sent before buttons carried theirs in the key (until they expire)."""
        if not task_id:
            return {}
        value = self.store.get(CARD_KEY + task_id)
        return json.loads(value) if value is not None else {}

    # -- group robots -------------------------------------------------------------------
    def push_robot(self, webhook, secret, payload):
        """Post to a group robot (its key is in the webhook; WeCom robots have no secret)."""
        text, media_id = self._with_file(
            payload, lambda path, fname: self.client.robot_upload_media(webhook, path, fname))
        for body in render_robot(dict(payload, text=text)):
            self.client.robot_send(webhook, body)
        if media_id:
            self.client.robot_send(webhook, {"msgtype": "file", "file": {"media_id": media_id}})


# ============================================================================ parsing

def parse_fields(fields):
    """The ``Incoming`` of one decrypted callback (its XML fields), or None for what the bot
    ignores: a pure function. A sender id longer than the assistant keeps is refused (400), never
    clipped (two ids must not become one)."""
    user = _text(fields, "FromUserName")
    msg_type = _text(fields, "MsgType")
    if not user or not msg_type:
        log.warning("wecom callback without FromUserName or MsgType: %s", sorted(fields))
        return None
    if len(user) > USER_ID_CHARS:
        raise Refused(400, "发送人标识过长，请求已拒绝", f"FromUserName of {len(user)} characters")
    if msg_type == "event":
        return _parse_event(fields, user)
    kind = MESSAGE_KINDS.get(msg_type)
    if kind is None:
        log.info("wecom: unsupported MsgType %r from %s, ignored", msg_type, user)
        return None
    message_id = _text(fields, "MsgId") or f"{user}:{_text(fields, 'CreateTime')}:{msg_type}"
    incoming = Incoming(channel=WeComChannel.name, user=user, kind=kind, message_id=_short(message_id))
    if kind == "text":
        incoming.text = _text(fields, "Content")[:TEXT_CHARS_IN]
    elif kind in MEDIA_KINDS:
        incoming.meta["media_id"] = _text(fields, "MediaId")
        incoming.meta["file_name"] = _text(fields, "FileName") or _text(fields, "Title")
        if kind == "voice":
            incoming.text = _text(fields, "Recognition")   # speech-to-text, when enabled
    elif kind == "location":
        incoming.meta.update(latitude=_text(fields, "Location_X"), longitude=_text(fields, "Location_Y"),
                             scale=_text(fields, "Scale"), label=_text(fields, "Label"))
    elif kind == "link":
        incoming.meta.update(title=_text(fields, "Title"), description=_text(fields, "Description"),
                             url=_text(fields, "Url"), pic_url=_text(fields, "PicUrl"))
    return incoming


def _parse_event(fields, user):
    event = _text(fields, "Event")
    key, task_id = _text(fields, "EventKey"), _text(fields, "TaskId")
    message_id = _short(f"{user}:{_text(fields, 'CreateTime')}:{event}:{key}:{task_id}")
    base = dict(channel=WeComChannel.name, user=user, message_id=message_id)
    if event == "enter_agent":
        return Incoming(text="帮助", kind="event", meta={"event": event}, **base)
    if event == "click" and key:
        return Incoming(action=key, kind="action", meta={"event": event}, **base)
    if event == "template_card_event" and key:
        action, _, label = key.partition(LABEL_MARK)
        meta = {"event": event, "task_id": task_id, "response_code": _text(fields, "ResponseCode"),
                "card_type": _text(fields, "CardType"), "label": label}
        if isinstance(fields.get("SelectedItems"), list):
            meta["selected_items"] = fields["SelectedItems"]
        return Incoming(action=action, kind="action", meta=meta, **base)
    log.info("wecom: event %r from %s acknowledged and ignored", event, user)
    return None


# ============================================================================ rendering

def render_app(payload):
    """message/send bodies for one Outgoing dict, and the card's key → label map."""
    text = (payload.get("text") or "").strip()
    if not payload.get("markdown"):
        text = escape_text(text)        # WeCom text renders <a href>: typed tags stay text
    if payload.get("buttons"):
        return _render_card(payload, text)
    if not text:
        return [], {}
    msgtype = "markdown" if payload.get("markdown") else "text"
    title = escape_text((payload.get("title") or "").strip())
    if title and msgtype == "markdown":
        text = f"**{escape_markdown(title)}**\n{text}"
    elif title:
        text = f"{title}\n{text}"
    return [{"msgtype": msgtype, msgtype: {"content": chunk}} for chunk in split_bytes(text, TEXT_LIMIT)], {}


def _render_card(payload, text):
    title = escape_text((payload.get("title") or "").strip())
    if title:
        rest = text
    else:
        first, _, rest = text.partition("\n")
        title = first.strip()
        if len(title) > TITLE_CHARS:
            title, rest = "", text
    buttons, labels, extra = [], {}, []
    for button in payload["buttons"]:
        label, key = button.get("label", ""), button.get("action", "")
        # the key carries the label the card greys out to, so nothing is stored per card
        keyed = f"{key}{LABEL_MARK}{_clip(label, REPLACE_NAME_CHARS)}"
        if len(buttons) < MAX_BUTTONS and key and key not in labels and len(keyed.encode()) <= KEY_BYTES:
            buttons.append({"text": _clip(label, BUTTON_CHARS), "style": 1, "key": keyed})
            labels[key] = label
        else:
            extra.append(f"回复「{label}」")
    rest = "\n".join(x for x in (rest.strip(), "\n".join(extra)) if x)
    before = []
    card = {"card_type": "button_interaction",
            "main_title": {"title": _clip(title or _first_words(rest) or "请选择", TITLE_CHARS)},
            "task_id": f"bot-{uuid.uuid4().hex}", "button_list": buttons}
    if rest and "\n" not in rest and len(rest) <= DESC_CHARS:
        card["main_title"]["desc"] = rest
    elif rest and len(rest) <= SUB_TITLE_CHARS:
        card["sub_title_text"] = rest
    elif rest:
        # too long for a card: the whole text first, then the card with the buttons
        before = [{"msgtype": "text", "text": {"content": chunk}} for chunk in split_bytes(rest, TEXT_LIMIT)]
        card["sub_title_text"] = "请点击下方按钮"
    return before + [{"msgtype": "template_card", "template_card": card}], labels


def render_robot(payload):
    """Group robot bodies: text (with mentions) or markdown; buttons become text lines."""
    text = (payload.get("text") or "").strip()
    lines = [f"· {b.get('label', '')}" for b in payload.get("buttons") or []]
    title = (payload.get("title") or "").strip()
    mentions = [str(m) for m in payload.get("mentions") or [] if m]
    if payload.get("markdown"):
        lines = [escape_markdown(line) for line in lines]    # labels are plain text
        parts = [f"**{escape_markdown(title)}**" if title else "", text, "\n".join(lines),
                 " ".join("@所有人" if m == "@all" else f"<@{m}>" for m in mentions)]
        content = "\n".join(p for p in parts if p)
        return [{"msgtype": "markdown", "markdown": {"content": chunk}}
                for chunk in split_bytes(content, ROBOT_MARKDOWN_LIMIT)] if content else []
    content = "\n".join(p for p in (title, text, "\n".join(lines)) if p)
    if not content:
        return []
    bodies = [{"msgtype": "text", "text": {"content": chunk}} for chunk in split_bytes(content, TEXT_LIMIT)]
    mobiles = [m for m in mentions if m.isdigit() and len(m) == 11]
    userids = [m for m in mentions if m not in mobiles]
    if userids:
        bodies[0]["text"]["mentioned_list"] = userids
    if mobiles:
        bodies[0]["text"]["mentioned_mobile_list"] = mobiles
    return bodies


def split_bytes(text, limit):
    """Split text into pieces of at most ``limit`` UTF-8 bytes, at line ends where possible."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        if len((current + line).encode("utf-8")) <= limit:
            current += line
            continue
        if current:
            pieces.append(current)
            current = ""
        while len(line.encode("utf-8")) > limit:
            cut = _fit(line, limit)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return [p.strip("\n") for p in pieces if p.strip()]


def _fit(text, limit):
    """The most characters of ``text`` whose UTF-8 form fits in ``limit`` bytes."""
    size, n = 0, 0
    for n, char in enumerate(text):
        size += len(char.encode("utf-8"))
        if size > limit:
            return max(1, n)
    return len(text)


# ============================================================================ helpers

def _text(fields, name):
    value = fields.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _short(message_id):
    """Inbox ids are at most 255 characters: long event keys are hashed."""
    if len(message_id) <= 200:
        return message_id
    return message_id[:150] + "#" + hashlib.sha1(message_id.encode("utf-8")).hexdigest()


def _clip(text, chars):
    return text if len(text) <= chars else text[:chars - 1] + "…"


def _first_words(text):
    return text.strip().split("\n", 1)[0]


def _default_name(incoming, content_type, now):
    suffix = mimetypes.guess_extension(content_type or "") or MEDIA_SUFFIX.get(incoming.kind, "")
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return f"{MEDIA_NAMES.get(incoming.kind, '文件')}-{stamp}{suffix}"

