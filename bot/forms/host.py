"""What a form needs from its owner (Host), where the answers live (Store), and what a host may use of a walker.

A *host* (the application, a ledger mini-form) supplies the Form, a Store for the answers, the
words that are its own (what resumes it, what submitting is called) and a few hooks; the walker
(bot/forms/walker.py) does everything else, the same way for every form.

Hooks receive the walker; of it a host uses only this:

    walker.form          the Form being walked (read); walker.reload_form() after an answer
                         that changes which fields are asked (a ledger entry's kind)
    walker.answers       the answers as stored (read; a fresh dict per change)
    walker.skipped       the keys skipped
    walker.store         the Store the host gave (its own type, e.g. ApplicationStore.app)
    walker.host_state    the host's own keys of the position (a dict, saved with it): ref, year, files …
    walker.cache         a dict for this turn only: memoise what is costly to compute (ledger statistics)
    walker.cursor        the Field or Group being asked, or None
    walker.submit()      the 提交 command (a host's 保存 word); walker.edit(label) the 修改 command
    walker.estimates()   the keys whose stored answer was an estimate (约20万)
"""


class Store:
    """Where a form's answers live. ``set`` returns the old value."""

    def load(self):
        raise NotImplementedError

    def set(self, key, value):
        raise NotImplementedError

    def skipped(self):
        return set()

    def set_skipped(self, key, skipped):
        raise NotImplementedError

    def estimates(self):
        """The keys whose answer was an estimate (约20万): marked in the preview, listed at 提交."""
        return set()

    def set_estimate(self, key, estimate):
        """Keep (or clear) the fact that ``key``'s answer was an estimate; a store may not keep it."""


class StateStore(Store):
    """Answers kept in the host's state (ledger mini-forms before they are confirmed)."""

    def __init__(self, state):
        self.state = state
        state.setdefault("answers", {})
        state.setdefault("skipped", [])

    def load(self):
        return dict(self.state["answers"])

    def set(self, key, value):
        answers = dict(self.state["answers"])
        old = answers.get(key)
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
        self.state["answers"] = answers
        return old

    def skipped(self):
        return set(self.state["skipped"])

    def set_skipped(self, key, skipped):
        keys = set(self.state["skipped"])
        keys = keys | {key} if skipped else keys - {key}
        self.state["skipped"] = sorted(keys)

    def estimates(self):
        return set(self.state.get("estimates", []))

    def set_estimate(self, key, estimate):
        keys = self.estimates()
        keys = keys | {key} if estimate else keys - {key}
        self.state["estimates"] = sorted(keys)


class Host:
    """What a form needs from its owner; override the hooks that apply.

    ``state`` in ``form`` and ``store`` is the host's own keys of the position (HostState)."""
    name = ""
    title = "填写"          # what the form is called when the user comes back to it (「继续填写申报表」)
    resume_command = ""     # the command that takes the user back into the form after 取消, e.g. 申报

    def form(self, turn, state):
        raise NotImplementedError

    def store(self, turn, state):
        raise NotImplementedError

    def key(self, state):
        """What makes one form of this host another (the application's id): the frame's key."""
        return ""

    def describe(self, data):
        """One line for 进度 and for the list of open tasks."""
        return self.title

    def is_stale(self, turn, state):
        """True when the form can no longer be filled (its application was submitted meanwhile, in
        the console or on another messenger): its frame then ends quietly instead of asking again."""
        return False

    def commands(self):
        """The form's own words (a ledger entry's 保存): {word: fn(turn, walker, args)}. Other
        commands are the router's: they answer, and the form asks again."""
        return {}

    def help_words(self):
        """Words 帮助 mentions besides the walker's own."""
        return list(self.commands())

    def preview_extra(self, turn, walker):
        return ""

    def on_answer(self, turn, walker, item, value):
        """Called after a value is stored; may return a note to add to the confirmation."""
        return ""

    def lead(self, turn, walker):
        """A field to take the user to before the missing ones (e.g. flagged by a reviewer), or None."""
        return None

    def offer(self, turn, walker, item):
        """A suggested value for ``item`` (e.g. computed from ledgers): (value, reason) or None."""
        return None

    def draft(self, turn, walker, item):
        """A draft of the long text ``item`` assembled from what is recorded (生成草稿), or None when
        the host has none; it is shown to the user and stored only when accepted."""
        return None

    def submit(self, turn, walker):
        """The confirmed submission; the host decides what happens and replies."""
        raise NotImplementedError

    def submit_label(self):
        return "提交"

    def submit_check(self, turn, walker):
        """Before the confirmation is asked: (a refusal to reply instead, or None; a note for the
        confirmation question, e.g. what still lacks proof)."""
        return None, ""

    def on_attachment(self, turn, walker, key, attachments):
        turn.reply("这里暂不能接收文件。")
