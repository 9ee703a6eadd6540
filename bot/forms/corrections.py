"""Corrections and labelled answers in plain words: 「X改成Y」, 「X写错了，应该是Y」, 「修改X」, 「X Y」.

``read(text)`` says what a message may be, without knowing the form: ("set", label, value) for a
correction that names the field and the new value, ("edit", label) for 修改X typed without a space,
("pair", label, value) for a label and a value separated by a space (no colon). The walker takes it
only when the label names a field and, for a pair, the value reads as that field's (bot/forms/walker.py).
"""
import re

_BEFORE = r"(?:请|麻烦)?(?:把|将)?(?:刚才|之前|前面|上面|刚刚|我)?(?:的|填的|写的|填写的)?"
_LABEL = r"(?P<label>[^\s:：，,。]{2,24}?)(?:的值|这一?项|一栏|一项|那一?项)?"
_SET = (
    re.compile(rf"^{_BEFORE}{_LABEL}\s*(?:改成|改为|更正为|更改为|修改为|换成|应改为|改一下，?改成)\s*[:：]?\s*(?P<value>.+)$", re.S),
    re.compile(rf"^{_BEFORE}{_LABEL}\s*(?:写错了|填错了|搞错了|弄错了|错了|不对|有误)[了，,。！!\s]*"
               rf"(?:应该是|应该为|应为|应是|正确的?是|是|改成|改为|更正为)\s*[:：]?\s*(?P<value>.+)$", re.S),
)
_EDIT = re.compile(r"^(?:修改|更改|更正|重填)(?P<label>[^\s:：]{2,24})$")
_PAIR = re.compile(r"^(?P<label>[^\s:：，,。]{2,24})\s+(?P<value>\S.*)$", re.S)


def _clean(label):
    return label.strip().removesuffix("的").strip()


def read(text):
    """("set", label, value) / ("edit", label) / ("pair", label, value), or None."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in _SET:
        m = pattern.match(text)
        if m and m.group("value").strip():
            return ("set", _clean(m.group("label")), m.group("value").strip().rstrip("。"))
    m = _EDIT.match(text)
    if m:
        return ("edit", _clean(m.group("label")))
    m = _PAIR.match(text)
    if m:
        return ("pair", _clean(m.group("label")), m.group("value").strip())
    return None
