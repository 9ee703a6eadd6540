"""Messages inside a form that are not answers: questions about the field, and command words.

``我是谁``, ``怎么填``, ``这一项填什么？`` typed while a field is asked are answered (the command's
normal answer, or help for the field), and the field is asked again; they are never parsed as
the field's value.
"""
import re

from bot.forms.parsers import to_halfwidth

HELP_WORDS = ("怎么填", "怎么写", "如何填", "如何填写", "填什么", "写什么", "什么意思", "啥意思", "不会填",
              "不懂", "看不懂", "不知道怎么填", "不知道填什么", "这是什么", "是什么", "说明", "填表说明",
              "举个例子", "例子", "示例", "怎么弄", "咋填", "?", "？")
_QUESTION_END = re.compile(r"[?？]\s*$")
_LONG_QUESTION = 60         # a narrative paragraph may end with a question mark; a question is short
_FREE_TEXT = ("text", "longtext")
_CHOOSING = ("choice", "gender")


def _is_option(text, field):
    said = re.sub(r"\s+", "", to_halfwidth(text))
    return said in tuple(field.options) + tuple(field.synonyms) + ("男", "女")


def is_question(text, cursor=None):
    """A question about the form rather than an answer: a help word, or a short line ending in ？."""
    s = re.sub(r"\s+", "", to_halfwidth(text or "")).rstrip("。.!！~")
    if not s:
        return False
    if s in HELP_WORDS or s.rstrip("?？") in HELP_WORDS:
        return True
    if cursor is not None and getattr(cursor, "kind", "") == "longtext":
        return False        # a long text is prose: only the help words above are questions there
    return bool(_QUESTION_END.search(text)) and len(s) <= _LONG_QUESTION


def command(turn, text, cursor=None):
    """(Command, args) when ``text`` is a command word of the bot, else None.

    The whole message must be the command, or the field being asked must not be free text (a
    社会效益 answer may well begin with a word that is also a command)."""
    router = getattr(turn.bot, "router", None)
    if router is None:
        return None
    cmd, args = router.match(text)
    if cmd is None:
        return None
    kind = getattr(cursor, "kind", "")
    if kind in _CHOOSING and _is_option(text, cursor):
        return None         # 成果 is a command word, and may also be an option being chosen
    if args and (kind in _FREE_TEXT or kind == "group"):
        return None
    return cmd, args
