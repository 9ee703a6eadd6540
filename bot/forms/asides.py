"""Messages inside a form that are not answers: questions about the field, and options that look like words.

``怎么填``, ``这一项填什么？`` typed while a field is asked are answered with help for the field, and the
field is asked again; they are never parsed as the field's value. (Command words such as
``我是谁`` never reach the form: the router answers them and the form asks again.)
"""
import re

from bot.forms.parsers import to_halfwidth

HELP_WORDS = ("怎么填", "怎么写", "如何填", "如何填写", "填什么", "写什么", "什么意思", "啥意思", "不会填",
              "不懂", "看不懂", "不知道怎么填", "不知道填什么", "这是什么", "是什么", "说明", "填表说明",
              "举个例子", "例子", "示例", "怎么弄", "咋填", "?", "？")
_QUESTION_END = re.compile(r"[?？]\s*$")
_LONG_QUESTION = 60         # a narrative paragraph may end with a question mark; a question is short


def is_option(text, field):
    """Is ``text`` one of a choice field's options (or a synonym of one)?"""
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
