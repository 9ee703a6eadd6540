"""Table tests for bot.forms.parsers: exact normalised values, and refusals with their key phrase."""
import datetime
from decimal import Decimal

import pytest

from bot.errors import InvalidInput
from bot.forms.parsers import (
    format_area, format_wan, parse_area, parse_choice, parse_count, parse_date,
    parse_gender, parse_month, parse_money_wan, parse_phone, parse_text, parse_year,
    to_halfwidth,
)

TODAY = datetime.date(2025, 5, 20)
TYPES = ["技术攻关", "技能传授", "创新成果转化"]

GOOD = [
    # dates
    (parse_date, "2018年4月20日", {}, "20180420"),
    (parse_date, "2018.4.20", {}, "20180420"),
    (parse_date, "2018-04-20", {}, "20180420"),
    (parse_date, "2018/4/20", {}, "20180420"),
    (parse_date, "20180420", {}, "20180420"),
    (parse_date, "二〇一八年四月二十日", {}, "20180420"),
    (parse_date, "二零一八年四月二十日", {}, "20180420"),
    (parse_date, "２０１８年４月２０日", {}, "20180420"),
    (parse_date, "２０１８－０４－２０", {}, "20180420"),
    (parse_date, "2018年4月20号", {}, "20180420"),
    (parse_date, "  2018 年 4 月 20 日 ", {}, "20180420"),
    (parse_date, "2024年2月29日", {}, "20240229"),
    (parse_date, "2025年5月20日", {}, "20250520"),
    (parse_date, "2026-01-01", {"allow_future": True}, "20260101"),
    # months
    (parse_month, "1986年3月", {}, "198603"),
    (parse_month, "1986.03", {}, "198603"),
    (parse_month, "1986-3", {}, "198603"),
    (parse_month, "198603", {}, "198603"),
    (parse_month, "一九八六年三月", {}, "198603"),
    (parse_month, "1986年3月15日", {}, "198603"),
    (parse_month, "１９８６／１２", {}, "198612"),
    (parse_month, "2009年5月", {"min_age": 16}, "200905"),
    (parse_month, "1925-04", {"min_age": 16}, "192504"),
    (parse_month, "2025年12月", {"allow_future": True}, "202512"),
    # years
    (parse_year, "2024", {}, 2024),
    (parse_year, "2024年", {}, 2024),
    (parse_year, "二〇二四年", {}, 2024),
    (parse_year, "2026", {}, 2026),
    # counts
    (parse_count, "12", {}, 12),
    (parse_count, "１２", {}, 12),
    (parse_count, "十二", {}, 12),
    (parse_count, "两", {}, 2),
    (parse_count, "二十五", {}, 25),
    (parse_count, "12人", {}, 12),
    (parse_count, "3项", {}, 3),
    (parse_count, "2个", {}, 2),
    (parse_count, "两个", {}, 2),
    (parse_count, "5名", {}, 5),
    (parse_count, "3次", {}, 3),
    (parse_count, "4场", {}, 4),
    (parse_count, "10 人", {}, 10),
    (parse_count, "0", {}, 0),
    (parse_count, "1", {"minimum": 1}, 1),
    (parse_count, "8台", {"unit": "台"}, 8),
    # areas
    (parse_area, "25平米", {}, Decimal("25")),
    (parse_area, "25平方米", {}, Decimal("25")),
    (parse_area, "25㎡", {}, Decimal("25")),
    (parse_area, "25 m2", {}, Decimal("25")),
    (parse_area, "25m²", {}, Decimal("25")),
    (parse_area, "25", {}, Decimal("25")),
    (parse_area, "二十五平方米", {}, Decimal("25")),
    (parse_area, "25.5平方米", {}, Decimal("25.5")),
    (parse_area, "１２０．５０平米", {}, Decimal("120.5")),
    (parse_area, "100", {}, Decimal("100")),
    # money in 万元
    (parse_money_wan, "5万", {}, Decimal("5")),
    (parse_money_wan, "5万元", {}, Decimal("5")),
    (parse_money_wan, "3.5万元", {}, Decimal("3.5")),
    (parse_money_wan, "50000元", {}, Decimal("5")),
    (parse_money_wan, "5000元", {}, Decimal("0.5")),
    (parse_money_wan, "5", {}, Decimal("5")),
    (parse_money_wan, "五万元", {}, Decimal("5")),
    (parse_money_wan, "0", {}, Decimal("0")),
    (parse_money_wan, "1,200元", {}, Decimal("0.12")),
    (parse_money_wan, "１，２００元", {}, Decimal("0.12")),
    (parse_money_wan, "¥50000", {}, Decimal("5")),
    (parse_money_wan, "￥500", {}, Decimal("0.05")),
    (parse_money_wan, "12.34万", {}, Decimal("12.34")),
    (parse_money_wan, "三点五万", {}, Decimal("3.5")),
    (parse_money_wan, "12345.6元", {}, Decimal("1.2346")),
    (parse_money_wan, "100万元", {}, Decimal("100")),
    # phones
    (parse_phone, "13812345678", {}, "13812345678"),
    (parse_phone, "138 1234 5678", {}, "13812345678"),
    (parse_phone, "+86 138-1234-5678", {}, "13812345678"),
    (parse_phone, "008613812345678", {}, "13812345678"),
    (parse_phone, "１３８１２３４５６７８", {}, "13812345678"),
    (parse_phone, "010-12345678", {}, "01012345678"),
    (parse_phone, "(010)12345678", {}, "01012345678"),
    (parse_phone, "0571 8765 4321", {}, "057187654321"),
    (parse_phone, "0571-8765432", {}, "05718765432"),
    # free text and gender
    (parse_text, "  主要开展数控加工技术攻关。 ", {}, "主要开展数控加工技术攻关。"),
    (parse_text, "　全角空格包围，标点不变：好！　", {}, "全角空格包围，标点不变：好！"),
    (parse_gender, "男", {}, "男"),
    (parse_gender, "女", {}, "女"),
    (parse_gender, "男性", {}, "男"),
    (parse_gender, "女性", {}, "女"),
    (parse_gender, "1", {}, "男"),
    (parse_gender, "２", {}, "女"),
]

CHOICES_GOOD = [
    ("技能传授", "技能传授"),
    ("2", "技能传授"),
    ("２", "技能传授"),
    ("二", "技能传授"),
    ("第2个", "技能传授"),
    ("第二个", "技能传授"),
    ("攻关", "技术攻关"),
    ("我们选技术攻关", "技术攻关"),
    ("3", "创新成果转化"),
]

BAD = [
    # dates
    (parse_date, "2018年13月40日", {}, "月份应在 1 到 12 之间"),
    (parse_date, "2018年2月30日", {}, "只有 28 天"),
    (parse_date, "2023-02-29", {}, "只有 28 天"),
    (parse_date, "2018年4月31日", {}, "只有 30 天"),
    (parse_date, "18年4月20日", {}, "没能识别这个日期"),
    (parse_date, "18年春天吧", {}, "没能识别这个日期"),
    (parse_date, "2025-05-21", {}, "日期不能晚于今天（20250520）"),
    (parse_date, "1899年12月31日", {}, "1900"),
    (parse_date, "", {}, "例如 2018年4月20日"),
    (parse_date, "   ", {}, "请填写日期"),
    # months
    (parse_month, "1986年13月", {}, "月份应在 1 到 12 之间"),
    (parse_month, "86年3月", {}, "没能识别这个年月"),
    (parse_month, "2025年6月", {}, "年月不能晚于本月（202505）"),
    (parse_month, "2009年6月", {"min_age": 16}, "按出生年月，此人不满 16 周岁，请核对"),
    (parse_month, "1924年5月", {"min_age": 16}, "超过 100 周岁"),
    (parse_month, "", {}, "例如 1986年3月"),
    # years
    (parse_year, "24年", {}, "没能识别这个年份"),
    (parse_year, "1899", {}, "1900 到 2026"),
    (parse_year, "2027年", {}, "1900 到 2026"),
    (parse_year, "", {}, "例如 2024"),
    # counts
    (parse_count, "-3", {}, "数量不能为负数"),
    (parse_count, "-3", {"unit": "人"}, "例如 12 人"),
    (parse_count, "2.5", {}, "请填写整数"),
    (parse_count, "0", {"minimum": 1}, "至少为 1"),
    (parse_count, "0", {"minimum": 1, "unit": "项"}, "例如 12 项"),
    (parse_count, "120", {"maximum": 100}, "不能超过 100"),
    (parse_count, "好多人", {}, "例如 12"),
    (parse_count, "", {"unit": "人"}, "例如 12 人"),
    # areas
    (parse_area, "0平米", {}, "面积应大于 0"),
    (parse_area, "-25", {}, "面积应大于 0"),
    (parse_area, "1000000平方米", {}, "过大"),
    (parse_area, "挺大的", {}, "例如 25平方米"),
    (parse_area, "", {}, "例如 25平方米"),
    # money
    (parse_money_wan, "-5万", {}, "金额不能为负数"),
    (parse_money_wan, "五块多吧", {}, "例如 5万元"),
    (parse_money_wan, "50000", {}, "单位不明确"),
    (parse_money_wan, "", {}, "例如 5万元"),
    # phones
    (parse_phone, "12345", {}, "电话号码格式不对，请填写 11 位手机号"),
    (parse_phone, "12812345678", {}, "例如 13812345678"),
    (parse_phone, "1381234567", {}, "例如 010-12345678"),
    (parse_phone, "138123456789", {}, "电话号码格式不对"),
    (parse_phone, "abc", {}, "电话号码格式不对"),
    (parse_phone, "", {}, "例如 13812345678"),
    # free text and gender
    (parse_text, "   ", {}, "不能为空"),
    (parse_text, "好", {"min_len": 5}, "至少需要 5 个字"),
    (parse_text, "字" * 501, {}, "500 字以内"),
    (parse_text, "字" * 21, {"max_len": 20}, "20 字以内"),
    (parse_gender, "女士", {}, "请回复“男”或“女”"),
    (parse_gender, "3", {}, "例如 男"),
    (parse_gender, "", {}, "请回复“男”或“女”"),
]

CHOICES_BAD = [
    "技",        # in all options: ambiguous
    "4",         # out of range
    "第0个",
    "没有合适的",
    "",
]


def _call(func, text, kwargs):
    if func in (parse_date, parse_month, parse_year):
        kwargs = {"today": TODAY, **kwargs}
    return func(text, **kwargs)


@pytest.mark.parametrize("func, text, kwargs, expected", GOOD,
                         ids=[f"{f.__name__}:{t}" for f, t, _, _ in GOOD])
def test_good(func, text, kwargs, expected):
    result = _call(func, text, kwargs)
    assert result == expected
    assert type(result) is type(expected)
    if isinstance(result, Decimal):
        assert "E" not in str(result)
        assert str(result) == str(expected)


@pytest.mark.parametrize("func, text, kwargs, phrase", BAD,
                         ids=[f"{f.__name__}:{t[:12]}" for f, t, _, _ in BAD])
def test_bad(func, text, kwargs, phrase):
    with pytest.raises(InvalidInput) as info:
        _call(func, text, kwargs)
    assert phrase in str(info.value)


@pytest.mark.parametrize("text, expected", CHOICES_GOOD)
def test_choice_good(text, expected):
    assert parse_choice(text, TYPES) == expected


@pytest.mark.parametrize("text", CHOICES_BAD)
def test_choice_bad(text):
    with pytest.raises(InvalidInput) as info:
        parse_choice(text, ["技术攻关", "技能传授", "技术创新"])
    assert str(info.value).startswith(
        "请从以下选项中选择（回复名称或序号）：1. 技术攻关 2. 技能传授 3. 技术创新")


def test_choice_substring_must_be_unambiguous():
    assert parse_choice("技术攻", ["技术攻关", "技能传授"]) == "技术攻关"
    with pytest.raises(InvalidInput):
        parse_choice("技术", ["技术攻关", "技术创新"])


@pytest.mark.parametrize("text, expected", [
    ("２０１８－０４－２０", "2018-04-20"),
    ("ＡＢＣ：１，２．３", "ABC:1,2.3"),
    ("全角\u3000空格", "全角 空格"),
    ("￥５０", "¥50"),
])
def test_to_halfwidth(text, expected):
    assert to_halfwidth(text) == expected


@pytest.mark.parametrize("value, expected", [
    (Decimal("5"), "5"),
    (Decimal("3.50"), "3.5"),
    (Decimal("0.05"), "0.05"),
    (Decimal("50000") / 10000, "5"),
    (Decimal("1E+2"), "100"),
    (Decimal("0.0000"), "0"),
])
def test_format_wan(value, expected):
    assert format_wan(value) == expected


@pytest.mark.parametrize("value, expected", [
    (Decimal("25"), "25"),
    (Decimal("25.50"), "25.5"),
    (Decimal("1E+3"), "1000"),
])
def test_format_area(value, expected):
    assert format_area(value) == expected


def test_money_result_has_no_exponent():
    assert str(parse_money_wan("50000元")) == "5"
    assert str(parse_money_wan("100万")) == "100"


def test_today_defaults_to_project_clock():
    # No explicit today: a date long past is accepted, one far ahead is refused.
    assert parse_date("2018-04-20") == "20180420"
    with pytest.raises(InvalidInput):
        parse_date("2999-01-01")
