"""Incoming and Outgoing messages: the platform-free shapes every channel translates to and from."""
from dataclasses import dataclass, field

USER_ID_CHARS = 128         # a messenger user id at most (accounts, conversations): longer ones are refused
MESSAGE_ID_CHARS = 255      # a message id at most (the inbox's duplicate guard)


@dataclass(frozen=True)
class Button:
    label: str
    action: str


@dataclass
class Attachment:
    """A file or picture the user sent; ``ref`` is the channel's handle to fetch it."""
    kind: str            # image | file | voice | video
    ref: str             # media id / download code / stored path
    name: str = ""


@dataclass
class Incoming:
    """One message or button press from a user, already verified and parsed by a channel."""
    channel: str
    user: str                       # the channel's user id (WeCom UserId, DingTalk staffId, web id)
    text: str = ""
    action: str = ""                # a button's payload, when a button was pressed
    message_id: str = ""            # for the duplicate-delivery guard; empty = no guard
    attachments: list = field(default_factory=list)
    kind: str = "text"              # text | action | image | file | voice | location | link | event
    meta: dict = field(default_factory=dict)   # channel extras (group id, session webhook, card code)


@dataclass
class Outgoing:
    """One reply or push. Channels render buttons as cards / ActionCards / web buttons."""
    text: str = ""
    buttons: list = field(default_factory=list)   # list[Button]
    file: dict | None = None        # {"name": ..., "path": ..., "url": ...}
    markdown: bool = False
    title: str = ""                 # card title when rendered as a card
    mentions: list = field(default_factory=list)   # user ids / mobiles to @ in group broadcasts
    # a time-bound notice (a countdown): {"late_at", "drop_at"} (ISO, naive UTC, the real clock) and
    # "planned" (when it was meant to go out): after late_at it goes out marked 延迟送达, after drop_at not at all
    timely: dict | None = None

    def to_dict(self):
        data = {"text": self.text, "buttons": [{"label": b.label, "action": b.action} for b in self.buttons]}
        if self.file:
            data["file"] = dict(self.file)
        if self.markdown:
            data["markdown"] = True
        if self.title:
            data["title"] = self.title
        if self.mentions:
            data["mentions"] = list(self.mentions)
        if self.timely:
            data["timely"] = dict(self.timely)
        return data

    @classmethod
    def from_dict(cls, data):
        return cls(text=data.get("text", ""),
                   buttons=[Button(b["label"], b["action"]) for b in data.get("buttons", [])],
                   file=data.get("file"), markdown=bool(data.get("markdown")), title=data.get("title", ""),
                   mentions=list(data.get("mentions", [])), timely=data.get("timely"))


MERGED_CHARS = 600      # consecutive texts are joined up to this length (one message on the phone)


def coalesce(replies):
    """A turn's replies as the messenger shows them: a plain text followed by more text (with or
    without buttons) becomes one message, as in "✓ 成员总数：15" + the next question. Fewer
    messages mean fewer notifications and fewer sends against the per-user rate limit."""
    merged = []
    for reply in replies:
        last = merged[-1] if merged else None
        if (last is not None and not last.buttons and not last.file and not last.markdown
                and not last.title and not last.mentions and not reply.file and not reply.markdown
                and not reply.title and not reply.mentions and last.text and reply.text
                and len(last.text) + len(reply.text) < MERGED_CHARS):
            merged[-1] = Outgoing(text=f"{last.text}\n{reply.text}", buttons=list(reply.buttons))
        else:
            merged.append(reply)
    return merged

