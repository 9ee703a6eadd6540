"""Numbers, dates and years as people write them (issue 26 item 4): each input and what is stored.

A row is the text typed, the value the form stores, whether it is marked an estimate and how it
is said back (``Reading.said``); or the text and the key phrase of the Chinese refusal. "Today" is
fixed: Monday 7 December 2026.
"""
import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.errors import InvalidInput
from bot.forms import kinds
from bot.forms.parsers import (
    Reading, parse_date, parse_money_wan, read_area, read_count, read_date, read_money_wan, read_month,
    read_year,
)
from bot.forms.schema import Field
from storage import applications
from storage.models import Application

TODAY = datetime.date(2026, 12, 7)          # a Monday
D = Decimal

# (reader, text, options, stored value, estimate, said back)
GOOD = [
    # 万元 amounts with 万/千 inside the number
    (read_money_wan, "三万五千元", {}, D("3.5"), False, ""),
    (read_money_wan, "二十万五千元", {}, D("20.5"), False, ""),
    (read_money_wan, "二十万零五千元", {}, D("20.5"), False, ""),
    (read_money_wan, "三万五", {}, D("3.5"), False, ""),
    (read_money_wan, "3万5千元", {}, D("3.5"), False, ""),
    (read_money_wan, "3万5", {}, D("3.5"), False, ""),
    (read_money_wan, "5千元", {}, D("0.5"), False, ""),
    (read_money_wan, "两千块", {}, D("0.2"), False, ""),
    (read_money_wan, "一千二百元", {}, D("0.12"), False, ""),
    (read_money_wan, "十万", {}, D("10"), False, ""),
    (read_money_wan, "一百万元", {}, D("100"), False, ""),
    (read_money_wan, "三点五万", {}, D("3.5"), False, ""),
    (read_money_wan, "二〇〇〇元", {}, D("0.2"), False, ""),
    (read_money_wan, "人民币5万元", {}, D("5"), False, ""),
    (read_money_wan, "5000元整", {}, D("0.5"), False, ""),
    (read_money_wan, "共计5万元", {}, D("5"), False, ""),
    (read_money_wan, "３万５千元", {}, D("3.5"), False, ""),
    (read_money_wan, "１２０００元", {}, D("1.2"), False, ""),
    # already accepted before issue 26, and still
    (read_money_wan, "七十五万元", {}, D("75"), False, ""),
    (read_money_wan, "８．５万", {}, D("8.5"), False, ""),
    # estimates: the number, marked
    (read_money_wan, "约20万", {}, D("20"), True, ""),
    (read_money_wan, "大约20万元", {}, D("20"), True, ""),
    (read_money_wan, "20万左右", {}, D("20"), True, ""),
    (read_money_wan, "二十多万", {}, D("20"), True, ""),
    (read_money_wan, "近20万", {}, D("20"), True, ""),
    (read_money_wan, "大概3000元", {}, D("0.3"), True, ""),
    (read_money_wan, "约２０万", {}, D("20"), True, ""),
    # counts
    (read_count, "3个人", {}, 3, False, ""),
    (read_count, "两个人", {}, 2, False, ""),
    (read_count, "十八个人", {}, 18, False, ""),
    (read_count, "18位", {}, 18, False, ""),
    (read_count, "5名", {"unit": "人"}, 5, False, ""),
    (read_count, "３个人", {}, 3, False, ""),
    (read_count, "共十五名", {}, 15, False, ""),
    (read_count, "十来个", {}, 10, True, ""),
    (read_count, "三十多人", {}, 30, True, ""),
    (read_count, "约3个人", {}, 3, True, ""),
    (read_count, "20人左右", {"unit": "人"}, 20, True, ""),
    # areas (already accepted, now marked an estimate in the Reading)
    (read_area, "约36平方米", {}, D("36"), True, ""),
    (read_area, "３６平方米", {}, D("36"), False, ""),
    (read_area, "三十六平米左右", {}, D("36"), True, ""),
    # dates: two-digit and Chinese years
    (read_date, "26年12月3日", {}, "20261203", False, "2026年12月3日"),
    (read_date, "18年4月20日", {}, "20180420", False, "2018年4月20日"),
    (read_date, "二六年十二月三日", {}, "20261203", False, "2026年12月3日"),
    (read_date, "88年12月1日", {}, "19881201", False, "1988年12月1日"),
    (read_date, "０８年５月１２日", {}, "20080512", False, "2008年5月12日"),
    (read_date, "30年1月1日", {"allow_future": True}, "20300101", False, "2030年1月1日"),
    (read_date, "二〇二〇年三月二十八日", {}, "20200328", False, ""),
    (read_date, "２０２０年３月２８日", {}, "20200328", False, ""),
    (read_date, "2020年3月28号", {}, "20200328", False, ""),
    # dates: month and day without a year, the nearest such day not after today
    (read_date, "12月3号", {}, "20261203", False, "2026年12月3日"),
    (read_date, "12月7日", {}, "20261207", False, "2026年12月7日"),
    (read_date, "12月25号", {}, "20251225", False, "2025年12月25日"),
    (read_date, "十二月三号", {}, "20261203", False, "2026年12月3日"),
    (read_date, "１２月３号", {}, "20261203", False, "2026年12月3日"),
    (read_date, "1月5日", {}, "20260105", False, "2026年1月5日"),
    (read_date, "2月29日", {}, "20240229", False, "2024年2月29日"),
    (read_date, "12月25号", {"allow_future": True}, "20261225", False, "2026年12月25日"),
    (read_date, "11月 28 号", {}, "20261128", False, "2026年11月28日"),
    # dates: relative days
    (read_date, "今天", {}, "20261207", False, "2026年12月7日"),
    (read_date, "今日", {}, "20261207", False, "2026年12月7日"),
    (read_date, "昨天", {}, "20261206", False, "2026年12月6日"),
    (read_date, "前天", {}, "20261205", False, "2026年12月5日"),
    (read_date, "大前天", {}, "20261204", False, "2026年12月4日"),
    (read_date, "3天前", {}, "20261204", False, "2026年12月4日"),
    (read_date, "十天前", {}, "20261127", False, "2026年11月27日"),
    (read_date, "上周五", {}, "20261204", False, "2026年12月4日"),
    (read_date, "上星期三", {}, "20261202", False, "2026年12月2日"),
    (read_date, "上周日", {}, "20261206", False, "2026年12月6日"),
    (read_date, "上上周一", {}, "20261123", False, "2026年11月23日"),
    (read_date, "周五", {}, "20261204", False, "2026年12月4日"),
    (read_date, "周一", {}, "20261207", False, "2026年12月7日"),
    (read_date, "上个月3号", {}, "20261103", False, "2026年11月3日"),
    (read_date, "本月1日", {}, "20261201", False, "2026年12月1日"),
    (read_date, "去年12月3日", {}, "20251203", False, "2025年12月3日"),
    (read_date, "今年3月5日", {}, "20260305", False, "2026年3月5日"),
    (read_date, "明天", {"allow_future": True}, "20261208", False, "2026年12月8日"),
    # months: two-digit and Chinese years
    (read_month, "七五年八月", {}, "197508", False, "1975年8月"),
    (read_month, "88年12月", {}, "198812", False, "1988年12月"),
    (read_month, "86年3月", {"min_age": 16}, "198603", False, "1986年3月"),
    (read_month, "08年5月", {"min_age": 16}, "200805", False, "2008年5月"),
    (read_month, "九〇年十月", {}, "199010", False, "1990年10月"),
    (read_month, "７５年８月", {}, "197508", False, "1975年8月"),
    (read_month, "去年3月", {}, "202503", False, "2025年3月"),
    (read_month, "一九七五年八月", {}, "197508", False, ""),
    (read_month, "88年12月1日", {}, "198812", False, "1988年12月"),
    (read_month, "27年1月", {}, "192701", False, "1927年1月"),     # 2027 is in the future
    # years
    (read_year, "2023.5", {}, 2023, False, "2023年"),
    (read_year, "2023年5月", {}, 2023, False, "2023年"),
    (read_year, "2023-05", {}, 2023, False, "2023年"),
    (read_year, "2023年5月3日", {}, 2023, False, "2023年"),
    (read_year, "２０２３．５", {}, 2023, False, "2023年"),
    (read_year, "24年", {}, 2024, False, "2024年"),
    (read_year, "二四年", {}, 2024, False, "2024年"),
    (read_year, "23年5月", {}, 2023, False, "2023年"),
    (read_year, "今年", {}, 2026, False, "2026年"),
    (read_year, "去年", {}, 2025, False, "2025年"),
    (read_year, "２０２１年", {}, 2021, False, ""),
    (read_year, "2024年度", {}, 2024, False, ""),
]

# (reader, text, options, a phrase of the refusal)
BAD = [
    # amounts without a unit that can be read, or vague
    (read_money_wan, "五千", {}, "金额单位不明确"),
    (read_money_wan, "两百", {}, "金额单位不明确"),
    (read_money_wan, "万", {}, "没能识别这个金额"),
    (read_money_wan, "约", {}, "没能识别这个金额"),
    (read_money_wan, "几万块", {}, "没能识别这个金额"),
    (read_money_wan, "二十万吧", {}, "例如 5万元"),
    (read_money_wan, "-三万五千元", {}, "金额不能为负数"),
    # counts
    (read_count, "几个人", {}, "没能识别这个数量"),
    (read_count, "3个半人", {}, "没能识别这个数量"),
    # dates: a month without its day asks for the day
    (read_date, "2020年3月", {}, "是2020年3月的哪一天"),
    (read_date, "２０２０年３月", {}, "例如 2020年3月15日"),
    (read_date, "20年3月", {}, "是2020年3月的哪一天"),
    (read_date, "2020-03", {}, "日期还缺少“日”"),
    (read_date, "2020年3月份", {}, "日期还缺少“日”"),
    (read_date, "七五年八月", {}, "是1975年8月的哪一天"),
    (read_date, "3月", {}, "是3月的哪一天"),
    (read_date, "2018", {}, "日期还缺少月和日"),
    (read_date, "18年", {}, "请写出2018年的哪月哪日"),
    # dates: vague answers are refused with the vague word named, not rounded to a day
    (read_date, "18年春天吧", {}, "“春天”说不准是哪一天"),
    (read_date, "2018年4月20日左右", {}, "“左右”说不准是哪一天"),
    (read_date, "去年年底", {}, "“年底”"),
    (read_date, "2019年上半年", {}, "“上半年”"),
    (read_date, "3月中旬", {}, "“中旬”"),
    (read_date, "大概2018年4月", {}, "“大概”"),
    (read_date, "3月几号", {}, "“几”"),
    (read_date, "很久以前", {}, "没能识别这个日期"),
    # dates: impossible or in the future
    (read_date, "2月30日", {}, "2月只有 29 天"),
    (read_date, "4月31号", {}, "4月只有 30 天"),
    (read_date, "13月3日", {}, "月份应在 1 到 12 之间"),
    (read_date, "26年12月25日", {}, "日期不能晚于今天（20261207）"),
    (read_date, "明天", {}, "日期不能晚于今天"),
    (read_date, "后天", {}, "日期不能晚于今天"),
    (read_date, "本周五", {}, "日期不能晚于今天"),
    (read_date, "23年2月29日", {}, "2023年2月只有 28 天"),
    # months
    (read_month, "1986", {}, "年月还缺少月份"),
    (read_month, "86年", {}, "是1986年几月"),
    (read_month, "3月", {}, "年月还缺少年份"),
    (read_month, "18年春天", {}, "“春天”说不准是哪个月"),
    (read_month, "75年13月", {}, "月份应在 1 到 12 之间"),
    (read_month, "20年3月", {"min_age": 16}, "不满 16 周岁"),
    (read_month, "2027年1月", {}, "年月不能晚于本月"),
    # years
    (read_year, "2023年左右", {}, "“左右”说不准是哪一年"),
    (read_year, "前几年", {}, "说不准是哪一年"),
    (read_year, "2023.13", {}, "没能识别这个年份"),
    (read_year, "24", {}, "没能识别这个年份"),
    (read_year, "2028.5", {}, "年份应在 1900 到 2027 之间"),
]


def _read(reader, text, options):
    if reader in (read_date, read_month, read_year):
        options = {"today": TODAY, **options}
    return reader(text, **options)


@pytest.mark.parametrize("reader, text, options, value, estimate, said", GOOD,
                         ids=[f"{r.__name__}:{t}" for r, t, *_ in GOOD])
def test_everyday_forms_are_read(reader, text, options, value, estimate, said):
    reading = _read(reader, text, options)
    assert reading == Reading(value, estimate=estimate, said=said)
    assert type(reading.value) is type(value)


@pytest.mark.parametrize("reader, text, options, phrase", BAD, ids=[f"{r.__name__}:{t}" for r, t, *_ in BAD])
def test_what_cannot_be_read_exactly_is_refused(reader, text, options, phrase):
    with pytest.raises(InvalidInput) as info:
        _read(reader, text, options)
    assert phrase in str(info.value)


def test_the_table_holds_at_least_100_new_inputs():
    assert len(GOOD) + len(BAD) >= 100


def test_parse_functions_return_the_value_only():
    assert parse_money_wan("约20万") == D("20")
    assert parse_date("12月3号", today=TODAY) == "20261203"


# --- through the field kinds: what is stored and the line said back -----------------------------

MONEY = Field("funding.amount", "投入金额", "money", proof=True)
COUNT = Field("basics.members", "成员总数", "count", opts={"unit": "人", "minimum": 1})
DATE = Field("basics.created_on", "创建日期", "date")
MONTH = Field("leader.birth", "出生年月", "month", opts={"min_age": 16})
YEAR = Field("year", "获奖年份", "year")
TARGET = Field("target", "目标日期", "date", opts={"allow_future": True})

SAID_BACK = [
    (MONEY, "约20万", "20", True, "您写的是“约20万”，表中按 20 万元 记录（估计数）；有准确数字可以再改。"),
    (MONEY, "三万五千元", "3.5", False, ""),
    (COUNT, "3个人", 3, False, ""),
    (COUNT, "十来个人", 10, True, "您写的是“十来个人”，表中按 10 人 记录（估计数）；有准确数字可以再改。"),
    (DATE, "12月3号", "20261203", False, "您写的是“12月3号”，按 2026年12月3日 记录；不对可以再改。"),
    (DATE, "昨天", "20261206", False, "您写的是“昨天”，按 2026年12月6日 记录；不对可以再改。"),
    (DATE, "2020年3月28日", "20200328", False, ""),
    (MONTH, "七五年八月", "197508", False, "您写的是“七五年八月”，按 1975年8月 记录；不对可以再改。"),
    (YEAR, "2023.5", 2023, False, "您写的是“2023.5”，按 2023年 记录；不对可以再改。"),
    (TARGET, "12月25号", "20261225", False, "您写的是“12月25号”，按 2026年12月25日 记录；不对可以再改。"),
]


@pytest.mark.parametrize("field, text, stored, estimate, line", SAID_BACK, ids=[t for _, t, *_ in SAID_BACK])
def test_a_field_stores_the_value_keeps_the_estimate_and_says_back_the_reading(field, text, stored, estimate, line):
    reading = kinds.read(field, text, {}, today=TODAY)
    assert reading.value == stored and reading.estimate is estimate
    assert kinds.parse(field, text, {}, today=TODAY) == stored
    assert kinds.note(field, text, reading) == line


def test_a_field_refuses_a_month_for_a_date_with_a_question_for_the_day():
    with pytest.raises(InvalidInput) as info:
        kinds.read(DATE, "2020年3月", {}, today=TODAY)
    assert str(info.value) == "日期还缺少“日”：是2020年3月的哪一天？请写出年月日，例如 2020年3月15日。"


def test_note_given_the_stored_value_reads_the_text_again():
    """The walker passes the value it stored (bot/forms/answers.py): the same line comes back."""
    assert kinds.note(COUNT, "约15人", 15) == "您写的是“约15人”，表中按 15 人 记录（估计数）；有准确数字可以再改。"
    assert kinds.note(COUNT, "15人", 15) == ""


# --- in the application form: stored, and said back -----------------------------------------------

@pytest.mark.usefixtures("may_2025")
def test_the_form_stores_everyday_answers_and_says_back_how_they_were_read(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("2024年投入金额：约20万")
    assert "✓ 2024年投入金额：20 万元" in reply and "您写的是“约20万”，表中按 20 万元 记录（估计数）" in reply
    reply = leader.send("2023年投入金额：三万五千元")
    assert "✓ 2023年投入金额：3.5 万元" in reply and "您写的是" not in reply
    reply = leader.send("创建日期：12月3号")
    assert "✓ 创建日期：20241203" in reply and "您写的是“12月3号”，按 2024年12月3日 记录" in reply
    reply = leader.send("创建日期：2020年3月")
    assert "是2020年3月的哪一天" in reply and "20200301" not in reply
    reply = leader.send("领衔人出生年月：七五年八月")
    assert "✓ 领衔人出生年月：197508" in reply and "按 1975年8月 记录" in reply
    reply = leader.send("成员总数：3个人")
    assert "✓ 成员总数：3 人" in reply
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        stored = applications.load_answers(s, app.id)
    assert {k: stored[k] for k in ("funding.y2.amount", "funding.y1.amount", "basics.created_on", "leader.birth",
                                   "basics.members") if k in stored} == {
        "funding.y2.amount": "20", "funding.y1.amount": "3.5", "basics.created_on": "20241203",
        "leader.birth": "197508", "basics.members": 3}
