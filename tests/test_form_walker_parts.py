"""The walker is generic: a form that is not the application walks with its own names and limits,
hosts reach only their own state, and the application's words come from its host and schema."""
from datetime import datetime
from types import SimpleNamespace

import pytest

from bot.conversation.stack import Stack
from storage.clock import Clock
from bot.forms.host import Host, StateStore
from bot.forms.position import HostState
from bot.forms.schema import Field, Form
from bot.forms.walker import Walker
from bot.message import Incoming
from handlers import form_flow


class NoteHost(Host):
    """A form of two fields that knows nothing of applications."""
    name = "note-test"

    def form(self, turn, state):
        return Form("note", "记事", [
            Field("title", "标题"),
            Field("body", "记事正文", "longtext", aliases=("日常记事", "正文"), opts={"min_chars": 5, "max_chars": 30}),
        ])

    def store(self, turn, state):
        return StateStore(state)


class FakeTurn:
    """Just what the walker reads of a turn: the message, the stack, replies, no router."""

    def __init__(self, state=None):
        self.state = state if state is not None else {}
        self.stack = Stack(self.state, {}, datetime(2025, 5, 20))
        self.clock = Clock()
        self.bot = SimpleNamespace(router=None)
        self.replies = []
        self.incoming = Incoming(channel="test", user="u")

    def form(self):
        return self.stack.find("form")

    def reply(self, text, buttons=()):
        self.replies.append((text, list(buttons)))

    def said(self):
        return "\n".join(text for text, _ in self.replies)


def say(turn, text="", action=""):
    """One message (or a form button) to the walker of the form on ``turn.stack``, as handlers/form_flow.py runs it."""
    turn.replies = []
    turn.incoming = Incoming(channel="test", user="u", text=text)
    walker = Walker(NoteHost(), turn, turn.form())
    if action:
        verb, _, arg = action.removeprefix("form:").partition(":")
        walker.on_action(verb, arg)
    else:
        walker.on_message()
    return turn.said()


@pytest.fixture
def note():
    turn = FakeTurn()
    form_flow.begin(turn, NoteHost(), {"topic": "t"}, "记一条")
    return turn


def test_a_long_text_is_limited_by_its_declaration_and_named_by_the_schema(note):
    assert "第 1 项 标题" in note.said()
    say(note, "周会")
    assert "第 2 项 日常记事" in note.said()
    assert "还差 2 字" in say(note, "一二三")
    assert "已达到要求" in say(note, "四五六")
    assert ("预览正文", "预览正文") in note.replies[-1][1]
    assert "日常记事（6 字）：\n一二三\n四五六" in say(note, "预览正文")
    assert "正文已超过 30 字，请精简后用「重写」重新发送。" in say(note, "七" * 30)
    assert note.form().data["answers"]["body"] == "一二三\n四五六"


def test_cancel_names_no_command_when_the_host_has_none(note):
    say(note, "取消")
    said = say(note, action="form:confirm_cancel")
    assert said == "已退出填写，内容已保存为草稿。"
    assert note.form() is None


def test_hosts_reach_only_their_own_keys(note):
    position = note.form().data
    state = HostState(position)
    assert dict(state) == {"topic": "t", "answers": {}, "skipped": []}
    state["files"] = [1]
    assert position["files"] == [1]
    for key in ("cursor", "row", "back", "host"):
        with pytest.raises(KeyError):
            state[key] = None
    with pytest.raises(ValueError):
        form_flow.begin(FakeTurn(), NoteHost(), {"cursor": "body"}, "记一条")


def test_a_long_text_must_declare_its_upper_limit():
    with pytest.raises(ValueError, match="max_chars"):
        Form("x", "x", [Field("body", "正文", "longtext", opts={"min_chars": 10})])
    with pytest.raises(ValueError, match="max_chars"):
        Form("x", "x", [Field("body", "正文", "longtext", opts={"min_chars": 10, "max_chars": 5})])


def test_the_application_keeps_its_own_words(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 业绩简介")
    assert "已达到要求" in leader.send("甲" * 1000)
    assert "业绩简介（1000 字）" in leader.press("预览简介")
    assert "简介已超过 20000 字，请精简后用「重写」重新发送。" in leader.send("乙" * 19500)
    leader.send("取消")
    assert "已退出填写，内容已保存为草稿。发送「申报」可随时继续。" in leader.press("确认退出")
