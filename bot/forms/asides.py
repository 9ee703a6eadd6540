"""Messages inside a form that are not answers: questions, 「没有」 at an optional field, remarks about a long text.

``怎么填``, ``这一项填什么？`` typed while a field is asked are answered with help for the field, and the
field is asked again; they are never parsed as the field's value. A question that names another
field (「经费投入是填单位拨的钱还是我们自己花的？」) is answered about that field (``mentioned``).
``没有`` / ``无`` / ``暂无`` / ``不适用`` at an optional field is a skip (``is_none``), never a value. At a long
text (a narrative), a question about it (「业绩简介要写哪些内容？」) or a remark (「我先发一部分」) is
no part of the text (``about_longtext``). (Command words such as ``我是谁`` never reach the form: the
router answers them and the form asks again.)
"""
import re

from bot.forms.parsers import to_halfwidth

HELP_WORDS = ("怎么填", "怎么写", "如何填", "如何填写", "填什么", "写什么", "什么意思", "啥意思", "不会填",
              "不懂", "看不懂", "不知道怎么填", "不知道填什么", "这是什么", "是什么", "说明", "填表说明",
              "举个例子", "例子", "示例", "怎么弄", "咋填", "?", "？")
_QUESTION_END = re.compile(r"[?？]\s*$")
_LONG_QUESTION = 60         # a narrative paragraph may end with a question mark; a question is short
_TRAILING = "。.!！~～,，、 "

# 没有 / 无 / 暂无 / 还没有 / 不适用 … (optionally 被命名, 这项, 过): nothing to state for an optional field
_NONE = re.compile(r"(?:暂时|暂|还|目前|尚|都|也|本工作室|我们)?(?:没有|没|无|未|不曾)(?:被)?"
                   r"(?:命名|填写?|此项|这项|这个|这一项|相关的?)?(?:过)?(?:的)?|不适用|不涉及|无此项|空着?|空白|不填")

# at a long text: a question or a remark about writing it, not a sentence of it
_WRITING_QUESTION = re.compile(r"写(?:哪些|什么|多少)|怎么写|如何写|有没有(?:模板|范文|例子|样本)|模板|范文|提纲|"
                               r"要求是|多少字|几个字|能不能|可不可以|可以吗|行不行|要不要|是否|需要写")
_REMARK = re.compile(r"先发|发一部分|分(?:几|[二两三四五]|多)次|一部分|接着发|继续发|还没写完|还没发完|马上发|"
                     r"稍等|等一下|等等|发完了|写完了|这是第[一二三四五\d]段|下一段|上一段|"
                     r"^(?:下面|接下来|以下|后面|剩下的?)(?:是|发|还有)")
_REMARK_LONGEST = 30        # a remark is short; a paragraph of the text is not
_UNSURE_BELOW = 12          # a line this short in a long text may be a remark …
_LONG_FIELD = 200           # … when the text must be long (a narrative of 1000 characters)


def _folded(text):
    return re.sub(r"\s+", "", to_halfwidth(text or "")).strip(_TRAILING)


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


def is_none(text):
    """没有 / 无 / 暂无 / 还没有 / 不适用 …: the user has nothing to state."""
    return bool(_NONE.fullmatch(_folded(text)))


def about_longtext(text, item):
    """What a message at a long text is, besides its text: "question" (about what to write), "remark"
    (about sending it: 「业绩简介我先发一部分」), "unsure" (a short line that may be either), or ""."""
    s = _folded(text)
    if not s:
        return ""
    names = [n for n in (item.label, *item.aliases) if n]
    named = any(n in s for n in names)
    asks = bool(_QUESTION_END.search(text.strip())) or bool(_WRITING_QUESTION.search(s))
    if asks and len(s) <= _LONG_QUESTION:
        return "question"
    if len(s) <= _REMARK_LONGEST and (_REMARK.search(s) or named):
        return "remark"
    if len(s) < _UNSURE_BELOW and item.min_chars >= _LONG_FIELD and not re.search(r"[。！；;]$", (text or "").strip()):
        return "unsure"         # 「谢谢」 in a narrative of 1000 characters: asked, not stored
    return ""


def mentioned(form, text):
    """The field or block a question names (the longest name in ``text``): ("field", item),
    ("block", name) for a block with a note (经费投入), or None."""
    s = _folded(text)
    best = None
    for item in form.asked:
        names = {item.qualified, *item.aliases}
        shared = len(form.lookup(item.label)) > 1
        if not shared:
            names.add(item.label)
        elif len(item.label) >= 2 and item.label in s and (best is None or len(item.label) > best[0]):
            # 创收金额 of each year: the block's note (经济效益) when it has one, else the first one's help
            base = item.block.partition("（")[0]
            best = (len(item.label), ("block", base) if base in form.notes else ("field", item))
        for name in names:
            if len(name) >= 2 and name in s and (best is None or len(name) > best[0]):
                best = (len(name), ("field", item))
    for name in form.notes:
        if name in s and (best is None or len(name) > best[0]):
            best = (len(name), ("block", name))
    return best[1] if best else None
