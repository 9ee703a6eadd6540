"""The one piece of code that moves through any form: takes each message or button and hands it to its concern.

A *host* (bot/forms/host.py) supplies the Form, a Store and a few hooks; the walker does the
rest, the same way for every form. Its position is the data of the form's frame on the flow stack
(handlers/form_flow.py; the keys: bot/forms/position.py). The concerns are mixins, each in its module:

    answers.py     parse, check, store or re-ask; 「字段：值」 out of order; 「X改成Y」 and questions about a field
    keeping.py     an answer a cross-field rule refuses is held; the other field is offered; the walk comes back
    navigation.py  the next field, 上一步, 跳过 (and 没有 at an optional field), 修改, 取消, re-asking after an aside
    reports.py     进度, what is missing, 预览, 帮助, 提交
    groups.py      repeating rows (one field at a time, a row in a line, a pasted table)
    longtext.py    long text sent in parts (a narrative): parts edited one by one, asides kept out, a draft

This module keeps what they share (the answers, the cursor) and the dispatch of a message.
"""
import re

from bot.conversation import words as W
from bot.errors import InvalidInput
from bot.forms import asides, corrections, longtext
from bot.forms.answers import AnswerMixin
from bot.forms.groups import GroupMixin
from bot.forms.keeping import KeepMixin
from bot.forms.longtext import LongTextMixin
from bot.forms.navigation import NavigationMixin
from bot.forms.position import HostState
from bot.forms.reports import COMMANDS_HINT, ReportMixin
from bot.forms.schema import Group

LABEL_VALUE = re.compile(r"^\s*(?P<label>[^:：\n\t]{1,24}?)\s*[:：]\s*(?P<value>.+)$", re.S)
LABEL_ONLY = re.compile(r"^\s*(?P<label>[^:：\n\t]{1,24}?)\s*[:：]\s*$")
CONTINUE = W.CONTINUE
SHORT = 40          # a correction is short: a longer line in prose is the field's text


class Walker(AnswerMixin, KeepMixin, NavigationMixin, ReportMixin, GroupMixin, LongTextMixin):
    """One form, one turn. What hosts may use of it is listed in bot/forms/host.py."""

    def __init__(self, host, turn, frame):
        self.host, self.turn, self.frame = host, turn, frame
        self.position = frame.data              # the walker's own; hosts use host_state
        self.host_state = HostState(self.position)
        self.cache = {}                         # for this turn only (hosts memoise costly lookups here)
        self.form = host.form(turn, self.host_state)
        self.store = host.store(turn, self.host_state)
        self._answers = None
        self._missing = None

    @property
    def today(self):
        """The decision clock's date (relative dates, the not-in-the-future checks)."""
        return self.turn.clock.today()

    def reload_form(self):
        """Ask the host for the form again (an answer changed which fields are asked)."""
        self.form = self.host.form(self.turn, self.host_state)
        self._missing = None

    # -- answers -------------------------------------------------------------------
    @property
    def answers(self):
        if self._answers is None:
            self._answers = self.store.load()
        return self._answers

    def _save(self, key, value):
        old = self.store.set(key, value)
        self._answers = None
        return old

    @property
    def skipped(self):
        return self.store.skipped()

    def missing(self):
        """The items still to fill, computed once per state of the answers and skips."""
        answers, skipped = self.answers, self.skipped
        cached = self._missing
        if cached is not None and cached[0] is answers and cached[1] == skipped:
            return list(cached[2])
        missing = self.form.missing(answers, skipped)
        self._missing = (answers, skipped, missing)
        return list(missing)

    def item(self, key):
        return self.form.by_key.get(key) if key else None

    @property
    def cursor(self):
        return self.item(self.position.get("cursor"))

    # -- entry points --------------------------------------------------------------
    def start(self, header):
        """Show the header, then ask the next missing field (or say all is done)."""
        missing = self.missing()
        done = len(self.form.asked) - len(missing)
        self.turn.reply(f"{header}（共 {len(self.form.asked)} 项，已填 {done} 项）。\n{COMMANDS_HINT}")
        self.ask_next()

    def end(self):
        """Close this form: its frame leaves the stack (the answers stay stored)."""
        self.turn.stack.end(self.frame)

    def on_action(self, verb, arg):
        """A button of the form (``form:verb:arg``)."""
        return self._action(f"{verb}:{arg}" if arg else verb)

    def is_scoped(self, text):
        """A word of this form's own (its host's 保存, a long text's 完成 …), whatever else it means."""
        word = text.partition(" ")[0]
        if text in self.host.commands() or word in self.host.commands():
            return True
        cursor = self.cursor
        if cursor is not None and not isinstance(cursor, Group) and cursor.kind == "longtext":
            return text in longtext.words(cursor)
        return bool(LABEL_VALUE.match(text)) and self._resolve(LABEL_VALUE.match(text).group("label").strip()) is not None

    def asked_field(self):
        """The Field being asked (a group's row field while a row is added), or the Group, or None."""
        cursor = self.cursor
        row = self.position.get("row")
        if row and isinstance(cursor, Group):
            return cursor.field(row["field"])
        return cursor

    def is_option(self, text, field):
        return asides.is_option(text, field)

    def reask(self, prefix=""):
        """Ask again what the form was asking (after an aside, or when coming back to it)."""
        if self.cursor is None:
            if prefix:
                self.turn.reply(prefix.rstrip("："))
            self.ask_next()
        else:
            self._reask(prefix)

    def on_message(self):
        """Take one message in the form; always replies."""
        turn = self.turn
        text = (turn.incoming.action or turn.incoming.text).strip()
        if turn.incoming.attachments and not text:
            key = self.position.get("cursor") or ""
            self.host.on_attachment(turn, self, key, turn.incoming.attachments)
            return True
        self.position.pop("pending", None)
        self.position.pop("aside", None)        # a short line asked about and not answered: not the text
        self.position.pop("draft", None)        # a draft shown and not accepted: not stored
        if self.position.get("paste"):
            handled = self._paste_reply(text)
            if handled is not None:
                return handled
        return self._text(text)

    # -- text ------------------------------------------------------------------------
    def _text(self, text):
        word, _, args = text.partition(" ")
        args = args.strip()
        cursor = self.cursor
        row = self.position.get("row")
        if isinstance(cursor, Group) and not row:
            if self._group_command(cursor, text):
                return True
        if cursor is not None and cursor.kind == "longtext" and text in longtext.words(cursor):
            return self._longtext_command(cursor, text)
        extra = self.host.commands()
        if text in extra or word in extra:
            fn = extra.get(text) or extra[word]
            fn(self.turn, self, args if text not in extra else "")
            self._reask()
            return True
        simple = {"上一步": self.back, "跳过": self.skip, "进度": self.progress, "预览": self.preview,
                  "取消": self.cancel, "帮助": self.help, "提交": self.submit}
        if text in simple:
            simple[text]()
            if text == "进度":
                self._reask()
            return True
        if text in CONTINUE:
            if row:
                return self._row_keep()
            return self._keep_going()
        asked_now = cursor.field(row["field"]) if row and isinstance(cursor, Group) else cursor
        if text in W.YES and asked_now is not None and not isinstance(asked_now, Group) \
                and asked_now.kind not in ("choice", "choices", "gender"):
            # 「确认」 where nothing was asked with a button is no value for the field
            self.turn.reply(f"这里需要填写「{asked_now.qualified if not row else asked_now.label}」，请直接输入内容。")
            self._reask()
            return True
        if word in ("修改", "改") and args:
            self.edit(args)
            return True
        asked = cursor.field(row["field"]) if row and isinstance(cursor, Group) else cursor
        prose = getattr(asked, "free_text", False)
        if asides.is_question(text, asked) or (prose and asides.is_question(text) and len(text) <= SHORT):
            if self._about(text):
                return True
            if getattr(asked, "kind", "") != "longtext":     # a long text answers its own questions
                self.help()
                return True
        said = corrections.read(text) if not prose or len(text) <= SHORT else None
        if said is not None and said[0] != "pair" and self._plain(said):
            return True
        bare = LABEL_ONLY.match(text)
        if bare and self._resolve(bare.group("label").strip()) is not None:
            label = bare.group("label").strip()     # 「所在单位：」 with nothing after: no answer to anything
            self.turn.reply(f"「{label}」后面还没有内容，没有记录。请写成「{label}：内容」。")
            self._reask()
            return True
        if not row and self._reads_as(asked, text):
            return self._answer(asked, text)     # 「其他：智能建造」 at 工作室类型 is its answer, not a label
        match = LABEL_VALUE.match(text)
        if match:
            label = match.group("label").strip()
            targets = self._resolve(label)
            if targets is not None:
                return self._labelled(targets, label, match.group("value").strip())
            near = [i for i in self.form.asked if len(i.label) >= 2 and i.label in label]
            if near and not self._reads_as(asked, text):
                # looks like a field's label, but not one of this form (e.g. another year)
                names = "、".join(i.qualified for i in near[:6])
                self.turn.reply(f"没有「{label}」这一项。您是指：{names}？请用完整的名称再发一次。")
                return True
        if said is not None and said[0] == "pair" and not prose and self._plain(said):
            return True         # 「创建日期 2020年3月28日」: a field's label and a value that reads as its
        if cursor is None:
            if self.missing():
                self.ask_next()
                return True
            return False        # nothing is being asked: let the router take it (a command, a hint)
        if row:
            return self._row_text(cursor, row, text)
        if isinstance(cursor, Group):
            return self._group_text(cursor, text)
        if cursor.kind == "longtext":
            return self._longtext_text(cursor, text)
        return self._answer(cursor, text)

    def _reads_as(self, field, text):
        """Does ``text`` read as a value of ``field`` (「1、其他：智能建造」 at 工作室类型)? Choices only."""
        if field is None or isinstance(field, Group) or field.kind != "choices":
            return False
        try:
            field.parse(text, self.answers, self.today)
        except InvalidInput:
            return False
        return True

    # -- actions (buttons) -------------------------------------------------------------
    def _action(self, action):
        name, _, arg = action.partition(":")
        if name == "answer":
            item = self.cursor
            if self.position.get("row"):
                return self._row_answer(item, self.position["row"], arg)
            if item is None or isinstance(item, Group):
                self.ask_next()
                return True
            return self._answer(item, arg)
        if name == "set":
            key, _, value = arg.partition("=")
            item = self.item(key)
            if item is None or isinstance(item, Group):
                self.ask_next()
                return True
            if item is self.cursor and not self.position.get("row"):
                return self._answer(item, value)
            return self._apply_target(item, value)
        if name == "continue":
            if self.position.get("row"):
                return self._row_keep()
            return self._keep_going()
        if name == "accept_offer":
            return self._accept_offer()
        if name == "pick":
            return self._pick(arg)
        if name == "confirm_cancel":
            return self._confirm_cancel()
        if name == "confirm_submit":
            return self._confirm_submit()
        if name == "fix":
            return self._fix(arg)
        if name in ("draft_use", "draft_add", "draft_drop"):
            return self._draft_answer(name.removeprefix("draft_"))
        if name in ("aside_keep", "aside_drop"):
            return self._aside_answer(name == "aside_keep")
        handled = self._group_action(name, arg)
        if handled is not None:
            return handled
        self.turn.reply("这个按钮已失效。")
        self.ask_next()
        return True
