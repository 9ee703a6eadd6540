"""Pure parsers for answers typed in chat: dates, months, years, counts, areas, 万元, phones, choices.

Every parser takes the raw text a user typed and either returns a normalised value or
raises ``InvalidInput`` with a short Chinese message that says what is wrong and gives
an example. Full-width characters are folded to half-width first (except in
``parse_text``, which keeps the user's prose as written), and Chinese numerals
(二十五, 两, 二〇一八, 三万五千) are turned into Arabic digits with ``cn2an``.

Numbers, dates and years are read as people write them, never guessed: a vague answer
(18年春天吧, 2018年左右) is refused with the vague word named, a date without its day asks
for the day. What was read beyond the letter of the answer comes back in a ``Reading``
from the ``read_*`` functions (``parse_*`` return only its value):

- ``Reading.estimate``: the figure was an estimate (约20万, 15人左右, 二十多万, 约36平方米). It
  is stored as its number; the caller keeps the fact (to say it back and list it at 提交).
- ``Reading.said``: the full reading of a short or relative form, to be said back: 12月3号 →
  the nearest such day not after today, 昨天 / 前天 / 3天前 / 上周五 / 上个月3号, 26年12月3日 and
  七五年八月 (two-digit or Chinese years, in the century that is not in the future), 今年 /
  去年, a month or date given for a year (2023.5 → 2023年).

Whatever depends on the date takes ``today``; callers that pass none get
the real date in Asia/Shanghai; the chat passes its Bot clock's decision date.
"""
from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import cn2an

from storage.clock import Clock
from bot.errors import InvalidInput

__all__ = [
    "to_halfwidth", "Reading", "read_date", "read_month", "read_year", "read_count", "read_area",
    "read_money_wan", "parse_date", "parse_month", "parse_year", "parse_count",
    "parse_area", "parse_money_wan", "format_wan", "format_area", "parse_phone",
    "parse_choice", "parse_text", "parse_gender", "is_estimate", "NearMiss", "edit_distance",
]

# --- normalisation helpers -------------------------------------------------------------

# U+FF01..U+FF5E are the full-width twins of ASCII 0x21..0x7E; U+3000 is the full-width space.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH.update({0x3000: " ", 0xFFE5: "¥"})  # ￥ -> ¥


def to_halfwidth(text: str) -> str:
    """Fold full-width digits, letters, punctuation and spaces to their ASCII forms."""
    return (text or "").translate(_HALFWIDTH)


def _compact(text: str) -> str:
    """Half-width, no whitespace at all, no thousands separators, no final 。."""
    text = re.sub(r"\s+", "", to_halfwidth(text)).rstrip("。")
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_DIGIT.update({"〇": 0, "○": 0})
_CN_RUN = re.compile(r"[〇○零一二两三四五六七八九十百千]+(?:点[〇○零一二两三四五六七八九]+)?")


def _cn_numerals(text: str) -> str:
    """Replace every run of Chinese numerals with Arabic digits.

    Runs without 十/百/千/点 are read digit by digit (二〇一八 -> 2018, 一九八六 -> 1986);
    the rest go to cn2an (二十五 -> 25, 三点五 -> 3.5). 两 is read as 二.
    """
    def convert(match: re.Match) -> str:
        run = match.group().replace("两", "二").replace("○", "〇")
        if not re.search("[十百千点]", run):
            return "".join(str(_CN_DIGIT[c]) for c in run)
        try:
            value = cn2an.cn2an(run, "normal")
        except (ValueError, KeyError, IndexError):   # cn2an's errors on malformed numerals (十十二)
            return match.group()
        return str(value)

    return _CN_RUN.sub(convert, text)


def _plain(value: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (5E+1 -> 50)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def _numeric(text: str) -> str:
    """The text made ready for number matching: compact, Chinese numerals converted."""
    return _cn_numerals(_compact(text))


# --- readings --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """A value read from an answer, with what the user should hear about how it was read.

    ``estimate``: the number was given as an estimate (约20万, 15人左右, 20余项) and is kept as
    that number; the caller stores the fact, says it back and lists it before 提交.
    ``said``: the full reading of what the user wrote short or left out (12月3号 → 2026年12月3日,
    七五年八月 → 1975年8月, 昨天 → 2026年12月6日, 2023.5 as a year → 2023年), to be said back;
    empty when the answer was complete as written.
    """
    value: object
    estimate: bool = False
    said: str = ""


def today_or_now(today):
    """``today``, or the real date in the default zone when a caller passes none."""
    return _today(today)


def _today(today: datetime.date | None) -> datetime.date:
    """The ``today`` a caller passed (the Bot's decision clock in the chat); a caller that passes none
    (a script, a table test) gets the real date in the default zone."""
    return today or Clock().today()


# --- dates -----------------------------------------------------------------------------

_DATE_PATTERNS = [
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?"),
    re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
]
_MONTH_PATTERNS = [
    re.compile(r"(\d{4})年(\d{1,2})月?(?:份)?"),
    re.compile(r"(\d{4})[-./](\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})"),
]
_SHORT_DATE = re.compile(r"(\d{2})年(\d{1,2})月(\d{1,2})[日号]?")      # 26年12月3日
_SHORT_MONTH = re.compile(r"(\d{2})年(\d{1,2})月份?")                 # 88年12月, 七五年八月
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]?")               # 12月3号
_YEAR_ONLY = re.compile(r"(\d{4})(?:年度?)?|(\d{2})年度?")
_MONTH_ONLY = re.compile(r"(\d{1,2})月份?")
_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3,
              "明天": -1, "明日": -1, "后天": -2}
_DAYS_AGO = re.compile(r"(\d{1,3})天(?:以)?前")
_WEEKDAY = re.compile(r"(上上|上|本|这)?个?(?:周|星期|礼拜)([1-7日天])")
_MONTH_WORD_DAY = re.compile(r"(本月|这个月|这月|上个月|上月)(\d{1,2})[日号]")
_YEAR_WORDS = {"今年": 0, "去年": 1, "前年": 2, "明年": -1}
# Words that make a date a guess (18年春天吧): refused with the word named, never rounded to a day.
_VAGUE = re.compile(r"[春夏秋冬][天季]|[春夏秋冬]|年[初中底末]|[上下]半年|月[初中底末](?!旬)|[上中下]旬|左右|前后|"
                    r"大约|大概|约|差不多|好像|可能|估计|几|某")
_DATE_EXAMPLE = "例如 2018年4月20日 或 2018-04-20"
_MONTH_EXAMPLE = "例如 1986年3月 或 1986-03"
_YEAR_EXAMPLE = "例如 2024 或 2024年"


def _match(patterns, text):
    for pattern in patterns:
        m = pattern.fullmatch(text)
        if m:
            return [int(g) for g in m.groups()]
    return None


def _check_year_month(year: int, month: int, example: str) -> None:
    if year < 1900:
        raise InvalidInput(f"年份应在 1900 年以后，请核对，{example}。")
    if not 1 <= month <= 12:
        raise InvalidInput(f"月份应在 1 到 12 之间，请核对，{example}。")


def _century(yy: int, today: datetime.date, ahead: int) -> int:
    """A two-digit year in the century that does not put it more than ``ahead`` years after today."""
    year = 2000 + yy
    return year if year <= today.year + ahead else year - 100


def _year_words(s: str, today: datetime.date) -> tuple[str, bool]:
    """今年/去年/前年/明年 at the front replaced by the year (去年3月 → 2025年3月)."""
    m = re.match("今年|去年|前年|明年", s)
    if not m:
        return s, False
    return f"{today.year - _YEAR_WORDS[m.group()]}年{s[m.end():]}", True


def _calendar_day(year: int, month: int, day: int) -> datetime.date:
    _check_year_month(year, month, _DATE_EXAMPLE)
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise InvalidInput(f"{year}年{month}月只有 {last} 天，日应在 1 到 {last} 之间，"
                           f"请核对，例如 {year}年{month}月{min(day, last) or 1}日。")
    return datetime.date(year, month, day)


def _nearest(month: int, day: int, today: datetime.date, forward: bool) -> datetime.date:
    """The month and day in the nearest year: on or before today (on or after, ``forward``)."""
    _check_year_month(today.year, month, "例如 12月3日")
    most = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    if not 1 <= day <= most:
        raise InvalidInput(f"{month}月只有 {most} 天，日应在 1 到 {most} 之间，请核对，例如 {month}月{most}日。")
    year, step = today.year, (1 if forward else -1)
    while True:                 # 29 February comes back within eight years
        if day <= calendar.monthrange(year, month)[1]:
            value = datetime.date(year, month, day)
            if (value >= today) if forward else (value <= today):
                return value
        year += step


def _relative_day(s: str, today: datetime.date) -> datetime.date | None:
    """今天/昨天/前天, 3天前, 上周五/周五 (the nearest one not after today), 上个月3号; else None."""
    if s in _DAYS_BACK:
        return today - datetime.timedelta(days=_DAYS_BACK[s])
    m = _DAYS_AGO.fullmatch(s)
    if m:
        return today - datetime.timedelta(days=int(m.group(1)))
    m = _WEEKDAY.fullmatch(s)
    if m:
        monday = today - datetime.timedelta(days=today.weekday())
        value = monday + datetime.timedelta(days=6 if m.group(2) in "日天" else int(m.group(2)) - 1)
        weeks = {"上上": 2, "上": 1}.get(m.group(1) or "", 0)
        if not m.group(1) and value > today:
            weeks = 1
        return value - datetime.timedelta(weeks=weeks)
    m = _MONTH_WORD_DAY.fullmatch(s)
    if m:
        first = today.replace(day=1)
        if m.group(1).startswith("上"):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        return _calendar_day(first.year, first.month, int(m.group(2)))
    return None


def _unreadable(what: str, s: str, need: str, which: str, example: str) -> InvalidInput:
    """Not read: a vague word (春天, 左右, 年底) is named, anything else gets the example."""
    vague = _VAGUE.search(s)
    if vague:
        return InvalidInput(f"没能识别这个{what}：“{vague.group()}”说不准是哪{which}，"
                            f"请写出确切的{need}，{example}。")
    return InvalidInput(f"没能识别这个{what}。请写出{need}，{example}。")


def _partial_date(s: str, today: datetime.date, ahead: int) -> InvalidInput:
    """Why a date that is no whole date was refused: the day, or month and day, are missing."""
    parts = _match(_MONTH_PATTERNS, s)
    short = _SHORT_MONTH.fullmatch(s)
    if short:
        parts = [_century(int(short.group(1)), today, ahead), int(short.group(2))]
    if parts:
        year, month = parts
        _check_year_month(year, month, _DATE_EXAMPLE)
        return InvalidInput(f"日期还缺少“日”：是{year}年{month}月的哪一天？"
                            f"请写出年月日，例如 {year}年{month}月15日。")
    only = _YEAR_ONLY.fullmatch(s)
    if only:
        year = int(only.group(1)) if only.group(1) else _century(int(only.group(2)), today, ahead)
        return InvalidInput(f"日期还缺少月和日：请写出{year}年的哪月哪日，例如 {year}年4月20日。")
    month = _MONTH_ONLY.fullmatch(s)
    if month and 1 <= int(month.group(1)) <= 12:
        m = int(month.group(1))
        return InvalidInput(f"日期还缺少“日”：是{m}月的哪一天？请写出日期，例如 {m}月15日 或 "
                            f"{today.year}年{m}月15日。")
    return _unreadable("日期", s, "年月日", "一天", _DATE_EXAMPLE)


def _date_of(s: str, today: datetime.date, allow_future: bool) -> tuple[datetime.date, bool]:
    """The date ``s`` names, and whether part of it was inferred (to be said back)."""
    value = _relative_day(s, today)
    if value is not None:
        return value, True
    s, inferred = _year_words(s, today)
    parts = _match(_DATE_PATTERNS, s)
    if parts:
        return _calendar_day(*parts), inferred
    ahead = 10 if allow_future else 0
    short = _SHORT_DATE.fullmatch(s)
    if short:
        yy, month, day = (int(g) for g in short.groups())
        return _calendar_day(_century(yy, today, ahead), month, day), True
    month_day = _MONTH_DAY.fullmatch(s)
    if month_day:
        return _nearest(int(month_day.group(1)), int(month_day.group(2)), today, allow_future), True
    raise _partial_date(s, today, ahead)


def _cn_date(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def read_date(text: str, *, today: datetime.date | None = None, allow_future: bool = False) -> Reading:
    """A calendar date as ``YYYYMMDD``; not after ``today`` unless ``allow_future``.

    Besides whole dates: 今天/昨天/前天/3天前/上周五/上个月3号, 今年/去年 + month and day, a
    two-digit or Chinese year (26年12月3日, 二六年…: the century that is not in the future), and a
    month and day alone (12月3号: the nearest such day not after today, or not before it when
    ``allow_future``). Those are said back (``Reading.said``). A month without its day asks for the day.
    """
    today = _today(today)
    s = _numeric(text)
    if not s:
        raise InvalidInput(f"请填写日期，{_DATE_EXAMPLE}。")
    value, inferred = _date_of(s, today, allow_future)
    if value > today and not allow_future:
        raise InvalidInput(f"日期不能晚于今天（{today:%Y%m%d}），请核对。")
    return Reading(f"{value:%Y%m%d}", said=_cn_date(value) if inferred else "")


def parse_date(text: str, *, today: datetime.date | None = None, allow_future: bool = False) -> str:
    """A calendar date as ``YYYYMMDD`` (see ``read_date``)."""
    return read_date(text, today=today, allow_future=allow_future).value


def _partial_month(s: str, today: datetime.date, ahead: int) -> InvalidInput:
    only = _YEAR_ONLY.fullmatch(s)
    if only:
        year = int(only.group(1)) if only.group(1) else _century(int(only.group(2)), today, ahead)
        return InvalidInput(f"年月还缺少月份：是{year}年几月？请写出年份和月份，例如 {year}年3月。")
    month = _MONTH_ONLY.fullmatch(s)
    if month and 1 <= int(month.group(1)) <= 12:
        return InvalidInput(f"年月还缺少年份：是哪一年的{int(month.group(1))}月？"
                            f"请写出年份和月份，例如 1986年{int(month.group(1))}月。")
    return _unreadable("年月", s, "年份和月份", "个月", _MONTH_EXAMPLE)


def read_month(text: str, *, today: datetime.date | None = None, min_age: int | None = None,
               allow_future: bool = False) -> Reading:
    """A year and month as ``YYYYMM`` (a full date is accepted, its day ignored).

    A two-digit or Chinese year (88年12月, 七五年八月) is read in the century that is not in the
    future and said back. With ``min_age`` the month is a birth month: the person must be at least
    ``min_age`` and at most 100 full years old at ``today``.
    """
    today = _today(today)
    s = _numeric(text)
    if not s:
        raise InvalidInput(f"请填写年月，{_MONTH_EXAMPLE}。")
    ahead = 10 if allow_future else 0
    s, inferred = _year_words(s, today)
    parts = _match(_DATE_PATTERNS, s) or _match(_MONTH_PATTERNS, s)
    short = None if parts else (_SHORT_DATE.fullmatch(s) or _SHORT_MONTH.fullmatch(s))
    if short:
        parts, inferred = [_century(int(short.group(1)), today, ahead), int(short.group(2))], True
    if parts is None:
        raise _partial_month(s, today, ahead)
    year, month = parts[:2]
    _check_year_month(year, month, _MONTH_EXAMPLE)
    if (year, month) > (today.year, today.month) and not allow_future:
        raise InvalidInput(f"年月不能晚于本月（{today:%Y%m}），请核对。")
    if min_age is not None:
        age = today.year - year - (1 if today.month < month else 0)
        if age < min_age:
            raise InvalidInput(f"按出生年月，此人不满 {min_age} 周岁，请核对，{_MONTH_EXAMPLE}。")
        if age > 100:
            raise InvalidInput(f"按出生年月，此人已超过 100 周岁，请核对，{_MONTH_EXAMPLE}。")
    return Reading(f"{year:04d}{month:02d}", said=f"{year}年{month}月" if inferred else "")


def parse_month(text: str, *, today: datetime.date | None = None, min_age: int | None = None,
                allow_future: bool = False) -> str:
    """A year and month as ``YYYYMM`` (see ``read_month``)."""
    return read_month(text, today=today, min_age=min_age, allow_future=allow_future).value


def read_year(text: str, *, today: datetime.date | None = None) -> Reading:
    """A year between 1900 and next year: 2024, 2024年, 二〇二四年; said back when it was read from
    a two-digit year (24年), 今年/去年, or a month or date (2023.5, 2023年5月 → 2023)."""
    today = _today(today)
    s = _numeric(text)
    if not s:
        raise InvalidInput(f"请填写年份，{_YEAR_EXAMPLE}。")
    s, inferred = _year_words(s, today)
    m = re.fullmatch(r"(\d{4})(?:年度?)?", s)
    year = int(m.group(1)) if m else None
    if year is None:
        short = re.fullmatch(r"(\d{2})年度?", s) or _SHORT_DATE.fullmatch(s) or _SHORT_MONTH.fullmatch(s)
        parts = _match(_DATE_PATTERNS, s) or _match(_MONTH_PATTERNS, s)
        if short and (short.re.groups == 1 or 1 <= int(short.group(2)) <= 12):
            year, inferred = _century(int(short.group(1)), today, 1), True
        elif parts and 1 <= parts[1] <= 12:
            year, inferred = parts[0], True
    if year is None:
        raise _unreadable("年份", s, "四位数年份", "一年", _YEAR_EXAMPLE)
    latest = today.year + 1
    if not 1900 <= year <= latest:
        raise InvalidInput(f"年份应在 1900 到 {latest} 之间，请核对，例如 2024年。")
    return Reading(year, said=f"{year}年" if inferred else "")


def parse_year(text: str, *, today: datetime.date | None = None) -> int:
    """A year between 1900 and next year (see ``read_year``)."""
    return read_year(text, today=today).value


# --- numbers ---------------------------------------------------------------------------

_QUANTIFIERS = ["人次", "个人", "人", "项", "个", "名", "次", "场", "件", "位", "家", "期", "届",
                "篇", "本", "台", "套", "条", "种"]
# Words around a number that make it "about N" (约 15 人, 15人左右, 20余人, 十来个): the number is
# kept as given, and the Reading says it is an estimate. 共/一共 only total it up.
_TOTAL_PREFIX = r"(?:共计|总共|一共|合计|总计|共有|共|计|有)?"
_ESTIMATE_PREFIX = r"(?:大约|大概|约莫|约|近|将近)?"
_ESTIMATE_SUFFIX = r"(?:左右|上下|多|余|来)?"
_ESTIMATE_WORDS = re.compile(r"大约|大概|约莫|约|将近|近|左右|上下|(?<=\d)[多余来]")
_NONE_WORDS = ("无", "没有", "暂无", "没", "零", "无人", "没有人", "一个也没有", "尚无", "目前没有", "还没有")


def _lead_words(s: str) -> str:
    """共/一共/约 … removed from the front before numerals are read (一共 is not 1共)."""
    return re.sub(rf"^{_TOTAL_PREFIX}{_ESTIMATE_PREFIX}(?=.)", "", s)


def is_estimate(text: str) -> bool:
    """True when a number was said as an estimate (约 15 人, 15 人左右, 20 余项, 约20万)."""
    return bool(_ESTIMATE_WORDS.search(_numeric(text)))


def _strip_number_words(s: str, units: str) -> str:
    """共/约 before and 左右/余/多 after a number (around its unit) removed, for matching."""
    m = re.fullmatch(rf"{_TOTAL_PREFIX}{_ESTIMATE_PREFIX}(-?\d+(?:\.\d+)?){_ESTIMATE_SUFFIX}"
                     rf"((?:{units}))?{_ESTIMATE_SUFFIX}", s)
    return (m.group(1) + (m.group(2) or "")) if m else s


def read_count(text: str, *, minimum: int = 0, maximum: int | None = None, unit: str = "") -> Reading:
    """A whole number, optionally with a unit or quantifier (12人, 3个人, 两个, 共十五名, 约 15 人).

    无 / 没有 / 零 are 0; an estimate (约, 左右, 余) is read as its number, marked ``estimate``.
    """
    example = max(minimum, 12 if maximum is None else min(12, maximum))
    example = f"例如 {example} {unit}" if unit else f"例如 {example}"
    s = _cn_numerals(_lead_words(_compact(text)))
    if not s:
        raise InvalidInput(f"请填写数量，{example}。")
    if _compact(text) in _NONE_WORDS:
        s = "0"
    units = "|".join(re.escape(u) for u in ([unit] if unit else []) + _QUANTIFIERS)
    s = _strip_number_words(s, units)
    m = re.fullmatch(rf"(-?)(\d+(?:\.\d+)?)(?:{units})?", s)
    if not m:
        raise InvalidInput(f"没能识别这个数量。请填写一个整数，{example}。")
    if m.group(1) and Decimal(m.group(2)) != 0:
        raise InvalidInput(f"数量不能为负数，{example}。")
    number = Decimal(m.group(2))
    if number != number.to_integral_value():
        raise InvalidInput(f"请填写整数，{example}。")
    value = int(number)
    if value < minimum:
        raise InvalidInput(f"数量至少为 {minimum}，{example}。")
    if maximum is not None and value > maximum:
        raise InvalidInput(f"数量不能超过 {maximum}，请核对，{example}。")
    return Reading(value, estimate=is_estimate(text))


def parse_count(text: str, *, minimum: int = 0, maximum: int | None = None, unit: str = "") -> int:
    """A whole number (see ``read_count``)."""
    return read_count(text, minimum=minimum, maximum=maximum, unit=unit).value


_AREA_EXAMPLE = "例如 25平方米 或 25.5"
_AREA_UNITS = "平方米|平米|平方|平|㎡|m2|m²|sqm|M2"


def read_area(text: str) -> Reading:
    """An area in square metres (25平米, 25㎡, 25 m2, 二十五平方米, 约 25 平米), rounded to 0.01."""
    s = _cn_numerals(_lead_words(_compact(text)))
    if not s:
        raise InvalidInput(f"请填写面积（平方米），{_AREA_EXAMPLE}。")
    s = _strip_number_words(s, _AREA_UNITS)
    m = re.fullmatch(rf"(-?\d+(?:\.\d+)?)(?:{_AREA_UNITS})?", s, re.IGNORECASE)
    if not m:
        raise InvalidInput(f"没能识别这个面积。请填写平方米数，{_AREA_EXAMPLE}。")
    value = Decimal(m.group(1))
    if value >= 1_000_000:
        raise InvalidInput(f"面积数值过大（应小于 1000000 平方米），请核对，{_AREA_EXAMPLE}。")
    value = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if value <= 0:
        raise InvalidInput(f"面积应大于 0，{_AREA_EXAMPLE}。")
    if value >= 1_000_000:
        raise InvalidInput(f"面积数值过大（应小于 1000000 平方米），请核对，{_AREA_EXAMPLE}。")
    return Reading(_plain(value), estimate=is_estimate(text))


def parse_area(text: str) -> Decimal:
    """An area in square metres (see ``read_area``)."""
    return read_area(text).value


_MONEY_EXAMPLE = "例如 5万元、3.5万 或 50000元"
_MONEY_UNCLEAR = "金额单位不明确：不带单位的数字按万元计，请写明“万元”或“元”，例如 5万元 或 50000元。"
# 约 20 万元, ¥-5, 人民币3万5千元, 二十多万, 5000元整, 20万左右: the number may hold 万/千/百 itself
_MONEY = re.compile(r"(?P<about>大约|大概|约莫|约|将近|近)?(?P<neg>-?)(?P<currency>¥|人民币)?(?P<neg2>-?)"
                    r"(?P<num>[\d.〇○零一二两三四五六七八九十百千万点]+?)(?P<more>多|余|来)?(?P<wan>万)?"
                    r"(?P<more2>多|余)?(?P<yuan>元|块钱|块)?整?(?P<around>左右|上下)?")


def _number(run: str) -> Decimal | None:
    """A number written in digits, Chinese numerals or both (3.2, 三万五千, 3万5千, 二〇〇〇), or None."""
    if re.fullmatch(r"\d+(?:\.\d+)?", run):
        return Decimal(run)
    if not re.search("[十百千万点]", run):
        digits = _cn_numerals(run)
        return Decimal(digits) if re.fullmatch(r"\d+(?:\.\d+)?", digits) else None
    try:
        value = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError, TypeError):   # cn2an's errors on what is no numeral
        try:
            value = cn2an.cn2an(run, "normal")
        except (ValueError, KeyError, IndexError, TypeError):
            return None
    return Decimal(str(value))


def read_money_wan(text: str) -> Reading:
    """An amount in 万元. ``5``/``5万``/``5万元`` are 万元; ``50000元``/``¥50000`` are 元; a number
    holding 万 (三万五千元, 二十万五千, 3万5) is read whole. 约/左右/多 make it an estimate.

    A bare number of 10000 or more, or one written with 千/百 and no unit (五千), is refused as
    ambiguous. The result has at most 4 decimal places (1 元) and no trailing zeros.
    """
    s = re.sub(rf"^{_TOTAL_PREFIX}(?=.)", "", _compact(text))
    if not s:
        raise InvalidInput(f"请填写金额，{_MONEY_EXAMPLE}。")
    m = _MONEY.fullmatch(s)
    amount = _number(m.group("num")) if m else None
    if amount is None:
        raise InvalidInput(f"没能识别这个金额。请写明单位，{_MONEY_EXAMPLE}。")
    if (m.group("neg") or m.group("neg2")) and amount != 0:
        raise InvalidInput(f"金额不能为负数，{_MONEY_EXAMPLE}。")
    if m.group("wan"):
        pass
    elif "万" in m.group("num") or m.group("yuan") or m.group("currency"):
        amount = amount / 10000
    elif re.search("[百千]", m.group("num")) or amount >= 10000:
        raise InvalidInput(_MONEY_UNCLEAR)
    if amount >= 100_000_000:      # 1 万亿元: beyond any studio, and beyond what quantize can hold
        raise InvalidInput(f"金额数值过大，请核对，{_MONEY_EXAMPLE}。")
    estimate = any(m.group(g) for g in ("about", "more", "more2", "around"))
    return Reading(_plain(amount.quantize(Decimal("0.0001"), ROUND_HALF_UP)), estimate=estimate)


def parse_money_wan(text: str) -> Decimal:
    """An amount in 万元 (see ``read_money_wan``)."""
    return read_money_wan(text).value


def format_wan(d: Decimal) -> str:
    """A 万元 amount as plain text: 5, 3.5, 0.05."""
    return format(_plain(Decimal(d)), "f")


def format_area(d: Decimal) -> str:
    """An area as plain text: 25, 25.5."""
    return format(_plain(Decimal(d)), "f")


# --- phones, choices, text -------------------------------------------------------------

_PHONE_MESSAGE = ("电话号码格式不对，请填写 11 位手机号，例如 13812345678，"
                  "或带区号的固定电话，例如 010-12345678。")


def parse_phone(text: str) -> str:
    """A mainland mobile (11 digits) or landline with area code, digits only."""
    s = re.sub(r"[\s\-()]", "", to_halfwidth(text))
    if not s:
        raise InvalidInput("请填写联系电话，例如 13812345678 或 010-12345678。")
    s = re.sub(r"^(?:\+86|0086)", "", s)
    if re.fullmatch(r"1[3-9]\d{9}", s) or re.fullmatch(r"0\d{2,3}\d{7,8}", s):
        return s
    raise InvalidInput(_PHONE_MESSAGE)


def _choice_number(text: str) -> int | None:
    """The 1-based number in 2 / 二 / 第2个 / 2. , or None if the text is not a number."""
    m = re.fullmatch(r"第?(\d+)[个项种条号.、]?", _numeric(text))
    return int(m.group(1)) if m else None


class NearMiss(InvalidInput):
    """Not one of the options, but close to exactly one: ask 「您是指“…”吗？」 instead of refusing."""

    def __init__(self, suggestion: str, options: list[str]):
        super().__init__(f"您是指“{suggestion}”吗？")
        self.suggestion, self.options = suggestion, list(options)


def _options_message(options: list[str]) -> str:
    if len(options) > 12:       # 56 ethnic groups: no list, an example
        return f"没能识别这一项，请写出全称，例如 {'、'.join(options[:3])}。"
    listed = " ".join(f"{i}. {name}" for i, name in enumerate(options, 1))
    return f"请从以下选项中选择（回复名称或序号）：{listed}"


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", to_halfwidth(text)).rstrip("。.!！").lower()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute), for near misses of short words."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _is_subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def _near_miss(s: str, names: dict) -> str | None:
    """The one option ``s`` is a slip of (one edit away, or its characters in order), or None."""
    if len(s) < 2:
        return None
    close = {target for name, target in names.items()
             if edit_distance(s, name) <= (1 if len(name) < 5 else 2)
             or (len(s) >= 2 and len(s) < len(name) and _is_subsequence(s, name))}
    return close.pop() if len(close) == 1 else None


def parse_choice(text: str, options: list[str], synonyms: dict | None = None) -> str:
    """One of ``options``: by name, by a declared synonym (党员 → 中共党员), by 1-based number, or
    by an unambiguous part of a name. A near miss raises ``NearMiss`` with the suggestion."""
    if not options:
        raise ValueError("parse_choice needs at least one option")
    s = _fold(text)
    if not s:
        raise InvalidInput(_options_message(options))
    names = {_fold(o): o for o in options}
    names.update({_fold(said): target for said, target in (synonyms or {}).items()})
    if s in names:
        return names[s]
    number = _choice_number(s)
    if number is not None:
        if 1 <= number <= len(options):
            return options[number - 1]
        raise InvalidInput(_options_message(options))
    # a part of a name (攻关), or a name inside a sentence (我们选技术攻关); one character only alone
    hits = [name for name in names if s in name or (len(name) >= 2 and name in s)]
    # the longest name wins over one inside it (预备党员 over 党员 in 我是预备党员)
    hits = [h for h in hits if not any(h != other and h in other and other in s for other in hits)]
    targets = {names[h] for h in hits}
    if len(targets) == 1:
        return targets.pop()
    if not targets:
        guess = _near_miss(s, names)
        if guess is not None:
            raise NearMiss(guess, options)
    raise InvalidInput(_options_message(options))


def parse_text(text: str, *, min_len: int = 1, max_len: int = 500) -> str:
    """Free text, stripped; kept as typed (Chinese punctuation is not folded)."""
    s = (text or "").strip()
    if not s:
        raise InvalidInput("这一项不能为空，请直接输入文字回复，例如“主要开展数控加工技术攻关”。")
    if len(s) < min_len:
        raise InvalidInput(f"内容太短（{len(s)} 字），至少需要 {min_len} 个字，请补充后重新发送。")
    if len(s) > max_len:
        raise InvalidInput(f"内容太长（{len(s)} 字），请精简到 {max_len} 字以内后重新发送。")
    return s


GENDER_WORDS = {"男性": "男", "男的": "男", "男士": "男", "男生": "男", "男同志": "男",
                "女性": "女", "女的": "女", "女士": "女", "女生": "女", "女同志": "女"}


def parse_gender(text: str, synonyms: dict | None = None) -> str:
    """男 or 女: from 男/女, 男性/男的/女性/女的 …, or the number 1/2 (第1个, 一, ...)."""
    s = _fold(text)
    words = {"男": "男", "女": "女", **GENDER_WORDS, **(synonyms or {})}
    if s in words:
        return words[s]
    number = _choice_number(s) if s else None
    if number in (1, 2):
        return ("男", "女")[number - 1]
    raise InvalidInput("请回复“男”或“女”（也可回复序号：1. 男 2. 女），例如 男。")
