"""The form flow: a frame per form being filled (the application, a ledger entry's mini-form), walked by the form walker.

A frame's data is the walker's position (bot/forms/position.py) with its host's name; its key
names the form (``application:12``), so 「申报」 typed inside a ledger entry brings the application
back to the top instead of opening it twice. Buttons are the ``form`` namespace (the walker's
actions); they go to the topmost form.
"""
from bot.actions import INT, REST, TEXT
from bot.conversation import words as W
from bot.conversation.flow import Flow
from bot.forms.position import check_host_keys
from bot.forms.schema import Group
from bot.forms.walker import Walker
from bot.router import LINE

NAME = "form"
ASIDE_ARGS = 20         # in prose, a command word followed by more than this is the field's text


class FormFlow(Flow):
    name = NAME
    actions = {"answer": (REST,), "set": (REST,), "continue": (), "accept_offer": (), "pick": (REST,),
               "confirm_cancel": (), "confirm_submit": (), "add": (), "list": (), "finish": (),
               "edit_row": (INT,), "del_row": (INT,), "row_field": (REST,), "paste_all": (), "paste_cancel": (),
               "fix": (TEXT,), "draft_use": (), "draft_add": (), "draft_drop": (), "aside_keep": (), "aside_drop": ()}

    def __init__(self):
        self.hosts = {}

    def add_host(self, host):
        if host.name in self.hosts:
            raise ValueError(f"form host {host.name!r} registered twice")
        self.hosts[host.name] = host

    def walker(self, turn, frame):
        host = self.hosts.get(frame.data.get("host"))
        return Walker(host, turn, frame) if host is not None else None

    # -- the flow ----------------------------------------------------------------------------------
    def claims(self, turn, frame, text, command):
        walker = self.walker(turn, frame)
        if walker is None:
            return False
        cmd, args = command
        if text in W.FORM_WORDS or text in W.CONTINUE or walker.is_scoped(text):
            return True
        head, _, rest = text.partition(" ")
        if head in W.EDIT_WORDS and rest.strip():
            return True
        asked = walker.asked_field()
        if asked is None:
            return False
        if getattr(asked, "kind", "") in ("choice", "choices", "gender") and walker.is_option(text, asked):
            return True
        if getattr(asked, "free_text", False):
            # prose: a line starting with a ledger word, or any long line, is the field's text
            return bool(args) and (cmd.kind == LINE or len(args) > ASIDE_ARGS)
        if getattr(asked, "kind", "") == "text" or isinstance(asked, Group):
            # 「成果」 alone, or 「成果 转化中心」 (no kind of achievement), at a text field is the answer
            return cmd.kind == LINE and not cmd.looks_like_entry(args)
        return False

    def on_message(self, turn, frame):
        walker = self.walker(turn, frame)
        if walker is None:
            turn.stack.end(frame)
            return False
        return walker.on_message()

    def on_action(self, turn, frame, action):
        walker = self.walker(turn, frame)
        if walker is None:
            turn.stack.end(frame)
            turn.reply("这个按钮已失效，没有做任何改动。")
            return
        walker.on_action(action.verb, ":".join(str(a) for a in action.args))

    def _live_walker(self, turn, frame):
        """The walker, or None after ending a frame whose form can no longer be filled."""
        walker = self.walker(turn, frame)
        if walker is None or walker.host.is_stale(turn, walker.host_state):
            turn.stack.end(frame)
            return None
        return walker

    def on_aside(self, turn, frame):
        walker = self._live_walker(turn, frame)
        if walker is not None:
            walker.reask()

    def on_resume(self, turn, frame, ended):
        walker = self._live_walker(turn, frame)
        if walker is not None:
            walker.reask(f"继续{walker.host.title}：")

    def describe(self, frame):
        host = self.hosts.get(frame.data.get("host"))
        return host.describe(frame.data) if host is not None else ""



def key_of(host, state):
    return f"{host.name}:{host.key(state)}"


def begin(turn, host, state, header):
    """Open a form (or bring it back to the top when it is open already) and ask what is next.
    The walker is returned; what a host does with it afterwards in this turn changes the frame."""
    check_host_keys(state)
    frame = turn.stack.begin(NAME, dict(state, host=host.name, cursor=None), key_of(host, state))
    walker = Walker(host, turn, frame)
    walker.start(header)
    return walker
