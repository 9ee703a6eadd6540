"""A long text as parts (段): the paragraphs a narrative was sent in, listed, replaced, deleted and moved one by one.

The stored value stays one string (the documents print it paragraph by paragraph); its parts are its
non-empty lines, so every message appended is at least one part and a pasted text of several
paragraphs is several. ``command(text, item)`` reads the words for them at a long text field:

    简介 列表 / 列表 / 分段 / 查看分段          ("list",)
    删除第2段                                  ("delete", 2)
    替换第1段 新的内容 / 第1段改成 新的内容       ("replace", 1, "新的内容")
    第3段移到第1段 / 把第3段移到第1段前 / …后     ("move", 3, 1 or 2)
    第3段移到最前 / 最后; 上移第3段 / 下移第3段   ("move", 3, 1 / n / 2 / 4)
"""
import re

from bot.forms.parsers import _cn_numerals, to_halfwidth

_N = r"第\s*(\d+)\s*[段部条]"
_LIST = ("列表", "分段", "查看分段", "段落", "查看段落", "分段列表")
_DELETE = re.compile(rf"^(?:删除|删掉|去掉|删){_N}$")
_REPLACE = re.compile(rf"^(?:替换|换掉|改){_N}\s*[:：]?\s*(?P<text>.+)$|^{_N}\s*(?:改成|改为|换成|替换为)\s*[:：]?\s*(?P<text2>.+)$",
                      re.S)
_MOVE = re.compile(rf"^(?:把|将)?{_N}\s*(?:移到|移动到|挪到|放到|调到|移至)\s*(?:第\s*(?P<to>\d+)\s*[段部条]\s*(?P<side>前面?|后面?|之前|之后)?|"
                   rf"(?P<end>最前面?|最后面?|开头|末尾|最后))$")
_STEP = re.compile(rf"^(?P<dir>上移|下移){_N}$|^{_N}(?P<dir2>上移|下移)$")


def split(text):
    """The parts of a stored long text: its non-empty lines, stripped."""
    return [line.strip() for line in (text or "").replace("\r", "\n").split("\n") if line.strip()]


def join(parts):
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _numbers(text):
    """第二段 → 第2段 (only the parts' numbers: the new text of 替换 keeps its numerals as typed)."""
    return re.sub(r"第\s*([〇零一二两三四五六七八九十]+)\s*(?=[段部条])", lambda m: f"第{_cn_numerals(m.group(1))}",
                  to_halfwidth(text))


def command(text, item):
    """The parts command ``text`` is at ``item`` (a long text field), or None."""
    raw = (text or "").strip()
    s = _numbers(raw)
    names = sorted({item.short, item.label, *item.aliases}, key=len, reverse=True)
    bare = s
    for name in names:
        if bare.startswith(name):
            bare = bare[len(name):].strip()
            break
    if bare in _LIST and (bare != s or s in _LIST):
        return ("list",)
    m = _DELETE.match(re.sub(r"\s+", "", bare))
    if m:
        return ("delete", int(m.group(1)))
    m = _REPLACE.match(bare)
    if m:
        n = int(m.group(1) or m.group(3))
        typed = m.group("text") or m.group("text2")
        # the new text as typed (full-width punctuation kept): the same number of characters from the end
        return ("replace", n, raw[len(raw) - len(typed):].strip())
    compact = re.sub(r"\s+", "", bare)
    m = _STEP.match(compact)
    if m:
        n = int(m.group(2) or m.group(3))
        up = (m.group("dir") or m.group("dir2")) == "上移"
        return ("move", n, n - 1 if up else n + 1)
    m = _MOVE.match(compact)
    if m:
        n = int(m.group(1))
        if m.group("end"):
            return ("move", n, 1 if m.group("end").startswith(("最前", "开头")) else 10 ** 6)
        to = int(m.group("to"))
        side = m.group("side") or ""
        if side.startswith(("后", "之后")):
            to = to + 1 if to < n else to
        elif to > n:
            to = to - 1 if side else to
        return ("move", n, to)
    return None


def move(parts, n, to):
    """Part ``n`` (1-based) put at position ``to`` (clamped); the others keep their order."""
    parts = list(parts)
    piece = parts.pop(n - 1)
    to = max(1, min(to, len(parts) + 1))
    parts.insert(to - 1, piece)
    return parts


def listing(parts, width=24):
    """第1段（312字）开头…, one line each."""
    lines = []
    for n, part in enumerate(parts, 1):
        count = len(re.sub(r"\s", "", part))
        head = part[:width] + ("…" if len(part) > width else "")
        lines.append(f"第{n}段（{count}字）{head}")
    return lines
