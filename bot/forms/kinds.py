"""Field kinds: which parser reads an answer of each kind and how the value is shown back.

``read(field, text, answers, today=None)`` gives a ``parsers.Reading``: the value to store, whether
it was an estimate (约20万: the caller keeps that fact and lists it at 提交) and how a short form
was read (12月3号 → 2026年12月3日); ``note(field, text, reading)`` is the line said back about it.
``parse`` is ``read(...).value``.
"""
import re
from decimal import Decimal

from bot.errors import InvalidInput
from bot.forms import parsers as p


def char_count(text):
    """Characters of a narrative, not counting whitespace."""
    return len(re.sub(r"\s", "", text or ""))


def _unit(field):
    return field.opts.get("unit", "")


def _parse_sources(field, text, answers):
    """经费来源: one unit, or several with each unit's amount (填表说明 3)."""
    parts = [s.strip() for s in re.split(r"[;；\n]+|[,，、](?=[^\d.])", text) if s.strip()]
    if not parts:
        raise InvalidInput("请填写经费来源单位，例如 中交示范工程局 3万元；中交隧道局 2万元。")
    sources = []
    for part in parts:
        m = re.match(r"^(?P<unit>.+?)[\s:：]*(?P<amount>[\d０-９.．]+\s*(万元|万|元)?|[零〇一二两三四五六七八九十百千]+(万元|万|元))$", part)
        if m and not re.fullmatch(r"[\d０-９.．]+\s*(万元|万|元)?", part):
            sources.append({"unit": m.group("unit").strip(), "amount": p.format_wan(p.parse_money_wan(m.group("amount")))})
        else:
            sources.append({"unit": part, "amount": None})
    if len(sources) > 1 and any(s["amount"] is None for s in sources):
        raise InvalidInput("有两个以上投入单位时，需分别注明每个单位的投入金额，"
                           "例如 中交示范工程局 3万元；中交隧道局 2万元。")
    total_key = field.opts.get("amount_key")
    total = answers.get(total_key) if total_key else None
    if len(sources) > 1 and total not in (None, ""):
        parts_sum = sum(Decimal(s["amount"]) for s in sources)
        if parts_sum != Decimal(total):
            raise InvalidInput(f"各单位金额合计 {p.format_wan(parts_sum)} 万元，与投入金额 {total} 万元不一致，请核对。")
    return sources


def _show_sources(sources):
    return "；".join(s["unit"] + (f" {s['amount']} 万元" if s.get("amount") else "") for s in sources or [])




def _parse_longtext(field, text, answers):
    text = text.strip()
    if not text:
        raise InvalidInput("内容不能为空。")
    return text


_OTHER = re.compile(r"(其他|其它)\s*[:：（(]?\s*(?P<words>[^）)]*?)\s*[）)]?\s*$")
_CHOICE_SEPARATORS = re.compile(r"[、,，;；/+\s]+|和|及|与|以及")


def _parse_choices(field, text):
    """One or more of the options (技术攻关、技能传授 / 1 2 / 攻关和传授), in the options' order; the last
    option 其他 may carry its words (其他：智能建造 → 其他（智能建造）)."""
    options = list(field.options)
    other = options[-1] if options and options[-1] in ("其他", "其它") else None
    raw = p.to_halfwidth(text or "").strip().rstrip("。")
    chosen, words = [], ""
    found = _OTHER.search(raw) if other else None
    if found:
        raw, words = raw[:found.start()], found.group("words").strip(" ：:")
        chosen.append(other)
    tokens = [t for t in _CHOICE_SEPARATORS.split(raw) if t.strip()]
    if not tokens and not chosen:
        raise InvalidInput("请选择一项或多项，例如「技术攻关」或「技术攻关、技能传授」。")
    for token in tokens:
        try:
            chosen.append(p.parse_choice(token, options, field.synonyms))
        except p.NearMiss:
            if len(tokens) == 1 and not found:
                raise
            raise InvalidInput(f"没能识别“{token}”。" + "请从以下选项中选择一项或多项（回复名称或序号）："
                               + " ".join(f"{i}. {o}" for i, o in enumerate(options, 1)))
    value = [o for o in options if o in chosen]
    if other in value:
        if not words:
            raise InvalidInput(f"选「{other}」请写明是什么类型，例如「{other}：智能建造」"
                               f"（也可以同时选其他几项，例如「{options[0]}、{other}：智能建造」）。")
        value[value.index(other)] = f"{other}（{words}）"
    return value


def _show_choices(value):
    """A stored list (or a single option stored before several could be chosen) as text."""
    return "、".join(value) if isinstance(value, (list, tuple)) else str(value)


def chosen(value):
    """The options of a multiple-choice value, without 其他's words (a single old value as a list)."""
    values = value if isinstance(value, (list, tuple)) else [value] if value not in (None, "") else []
    return [str(v).partition("（")[0] for v in values]


def _shown(reading, format_):
    """A Reading whose value is kept as text (万元, 平方米), its estimate mark unchanged."""
    return p.Reading(format_(reading.value), estimate=reading.estimate, said=reading.said)


# kind -> (read(field, text, answers, today) -> value or Reading, display(field, value) -> text)
KINDS = {
    "text": (lambda f, t, a, d: p.parse_text(t, min_len=f.opts.get("min_len", 1), max_len=f.opts.get("max_len", 500)),
             lambda f, v: v),
    "longtext": (lambda f, t, a, d: _parse_longtext(f, t, a), lambda f, v: f"{char_count(v)} 字"),
    "date": (lambda f, t, a, d: p.read_date(t, today=d, allow_future=f.opts.get("allow_future", False)),
             lambda f, v: v),
    "month": (lambda f, t, a, d: p.read_month(t, today=d, min_age=f.opts.get("min_age")), lambda f, v: v),
    "year": (lambda f, t, a, d: p.read_year(t, today=d), lambda f, v: f"{v}"),
    "count": (lambda f, t, a, d: p.read_count(t, minimum=f.opts.get("minimum", 0),
                                              maximum=f.opts.get("maximum"), unit=_unit(f)),
              lambda f, v: f"{v}{(' ' + _unit(f)) if _unit(f) else ''}"),
    "area": (lambda f, t, a, d: _shown(p.read_area(t), p.format_area), lambda f, v: f"{v} 平方米"),
    "money": (lambda f, t, a, d: _shown(p.read_money_wan(t), p.format_wan), lambda f, v: f"{v} 万元"),
    "phone": (lambda f, t, a, d: p.parse_phone(t), lambda f, v: v),
    "choice": (lambda f, t, a, d: p.parse_choice(t, list(f.options), f.synonyms), lambda f, v: v),
    "choices": (lambda f, t, a, d: _parse_choices(f, t), lambda f, v: _show_choices(v)),
    "gender": (lambda f, t, a, d: p.parse_gender(t, f.synonyms), lambda f, v: v),
    "sources": (lambda f, t, a, d: _parse_sources(f, t, a), lambda f, v: _show_sources(v)),
}


def _reading(field, text, answers, today):
    result = KINDS[field.kind][0](field, text, answers, p.today_or_now(today))
    return result if isinstance(result, p.Reading) else p.Reading(result)


def read(field, text, answers, *, today=None):
    """The answer read by its field's parser and checked (``opts["check"]``), as a ``parsers.Reading``."""
    reading = _reading(field, text, answers, today)
    check = field.opts.get("check")
    if check:
        check(reading.value, answers)
    return reading


def parse(field, text, answers, *, today=None):
    """The value to store for an answer (``read(...).value``)."""
    return read(field, text, answers, today=today).value


def display(field, value):
    if value is None or value == "":
        return "（未填）"
    return KINDS[field.kind][1](field, value)


def note(field, text, reading, today=None):
    """The line said back with a stored answer about how it was read, or "".

    An estimate (约20万, 约 15 人) is stored as its number and said to be one; a short or relative
    form (12月3号, 昨天, 88年12月, 2023.5 for a year) is said back in full. ``reading`` is the
    answer's ``Reading``; given a plain value instead, the text is read again (without the check).
    """
    if not isinstance(reading, p.Reading):
        try:
            reading = _reading(field, text, {}, today)
        except InvalidInput:
            return ""
    said = text.strip()
    if reading.estimate:
        return f"您写的是“{said}”，表中按 {display(field, reading.value)} 记录（估计数）；有准确数字可以再改。"
    if reading.said:
        return f"您写的是“{said}”，按 {reading.said} 记录；不对可以再改。"
    return ""
