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
    (parse_date, "18年4月20日", {}, "20180420"),     # a two-digit year (refused before issue 26)
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
    (parse_month, "86年3月", {}, "198603"),
    # years
    (parse_year, "2024", {}, 2024),
    (parse_year, "2024年", {}, 2024),
    (parse_year, "二〇二四年", {}, 2024),
    (parse_year, "2026", {}, 2026),
    (parse_year, "24年", {}, 2024),
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
    (parse_date, "2018年4月", {}, "是2018年4月的哪一天"),
    (parse_date, "18年春天吧", {}, "没能识别这个日期"),
    (parse_date, "2025-05-21", {}, "日期不能晚于今天（20250520）"),
    (parse_date, "1899年12月31日", {}, "1900"),
    (parse_date, "", {}, "例如 2018年4月20日"),
    (parse_date, "   ", {}, "请填写日期"),
    # months
    (parse_month, "1986年13月", {}, "月份应在 1 到 12 之间"),
    (parse_month, "86年", {}, "年月还缺少月份"),
    (parse_month, "2025年6月", {}, "年月不能晚于本月（202505）"),
    (parse_month, "2009年6月", {"min_age": 16}, "按出生年月，此人不满 16 周岁，请核对"),
    (parse_month, "1924年5月", {"min_age": 16}, "超过 100 周岁"),
    (parse_month, "", {}, "例如 1986年3月"),
    # years
    (parse_year, "二四", {}, "没能识别这个年份"),
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
    (parse_gender, "未知", {}, "请回复“男”或“女”"),
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


# --- choices and numbers as people say them (the application form's own vocabularies) -------------

from bot.forms.parsers import NearMiss, edit_distance, is_estimate   # noqa: E402
from handlers.application.choices import (   # noqa: E402
    EDUCATION, EDUCATION_WORDS, ETHNIC_GROUPS, ETHNIC_WORDS, GENDER_WORDS, POLITICAL, POLITICAL_WORDS,
    STUDIO_TYPE_WORDS, STUDIO_TYPES,
)

VOCABULARIES = {
    "political": (POLITICAL, POLITICAL_WORDS),
    "education": (EDUCATION, EDUCATION_WORDS),
    "type": (STUDIO_TYPES, STUDIO_TYPE_WORDS),
    "ethnic": (ETHNIC_GROUPS, ETHNIC_WORDS),
}

SAID = [
    # political
    ("political", "党员", "中共党员"), ("political", "中共党员", "中共党员"), ("political", "共产党员", "中共党员"),
    ("political", "中国共产党员", "中共党员"), ("political", "中共", "中共党员"), ("political", "党员。", "中共党员"),
    ("political", "预备党员", "中共预备党员"), ("political", "我是预备党员", "中共预备党员"),
    ("political", "团员", "共青团员"), ("political", "共青团员", "共青团员"), ("political", "共青团", "共青团员"),
    ("political", "群众", "群众"), ("political", "普通群众", "群众"), ("political", "6", "群众"),
    ("political", "九三学社", "民主党派"), ("political", "民盟", "民主党派"), ("political", "致公党", "民主党派"),
    ("political", "无党派", "无党派人士"), ("political", "1", "中共党员"), ("political", " 党 员 ", "中共党员"),
    # education
    ("education", "大专", "大学专科"), ("education", "专科", "大学专科"), ("education", "大学专科", "大学专科"),
    ("education", "高职", "大学专科"), ("education", "本科", "大学本科"), ("education", "大本", "大学本科"),
    ("education", "大学", "大学本科"), ("education", "学士", "大学本科"), ("education", "本科学历", "大学本科"),
    ("education", "研究生", "硕士研究生"), ("education", "硕士", "硕士研究生"), ("education", "在职研究生", "硕士研究生"),
    ("education", "博士", "博士研究生"), ("education", "博士研究生", "博士研究生"), ("education", "中专", "中专/高中"),
    ("education", "高中", "中专/高中"), ("education", "技校", "中专/高中"), ("education", "职高", "中专/高中"),
    ("education", "初中", "初中及以下"), ("education", "小学", "初中及以下"), ("education", "３", "大学本科"),
    ("education", "第四个", "大学专科"),
    # studio type
    ("type", "攻关", "技术攻关"), ("type", "攻关型", "技术攻关"), ("type", "技术攻关型", "技术攻关"),
    ("type", "传授", "技能传授"), ("type", "传帮带", "技能传授"), ("type", "窗口", "窗口服务"),
    ("type", "窗口服务", "窗口服务"), ("type", "其它", "其他"), ("type", "2", "技能传授"),
    # ethnic groups, with or without 族
    ("ethnic", "汉", "汉族"), ("ethnic", "汉族", "汉族"), ("ethnic", "汉人", "汉族"), ("ethnic", "回", "回族"),
    ("ethnic", "蒙古", "蒙古族"), ("ethnic", "蒙族", "蒙古族"), ("ethnic", "维吾尔", "维吾尔族"),
    ("ethnic", "维族", "维吾尔族"), ("ethnic", "壮", "壮族"), ("ethnic", "土家", "土家族"),
    ("ethnic", "满族", "满族"), ("ethnic", "朝鲜族", "朝鲜族"), ("ethnic", "柯尔克孜", "柯尔克孜族"),
    ("ethnic", "基诺族", "基诺族"), ("ethnic", "高山", "高山族"), ("ethnic", "鄂伦春", "鄂伦春族"),
    # a slip inside a longer word that still holds a whole name is taken as that name
    ("political", "中共党圆", "中共党员"), ("political", "共青团圆", "共青团员"), ("education", "硕土研究生", "硕士研究生"),
    ("type", "窗口服物", "窗口服务"), ("ethnic", "土家足", "土家族"), ("type", "我们是技术攻关型", "技术攻关"),
    ("political", "民进", "民主党派"), ("political", "正式党员", "中共党员"), ("political", "ＣＰ党员", "中共党员"),
    ("education", "硕士研究生", "硕士研究生"), ("education", "中技", "中专/高中"), ("education", "大专学历", "大学专科"),
    ("education", "博士生", "博士研究生"), ("type", "服务窗口", "窗口服务"), ("type", "技能培训", "技能传授"),
    ("ethnic", "藏", "藏族"), ("ethnic", "苗族", "苗族"), ("ethnic", "哈萨克", "哈萨克族"), ("ethnic", "哈族", "哈萨克族"),
    ("ethnic", "乌孜别克", "乌孜别克族"), ("ethnic", "京", "京族"), ("ethnic", "布依", "布依族"),
]

NEAR = [
    ("political", "党圆", "中共党员"), ("political", "群重", "群众"), ("political", "无党人士", "无党派人士"),
    ("education", "本料", "大学本科"), ("education", "博土", "博士研究生"), ("type", "技术功关", "技术攻关"),
    ("type", "窗囗", "窗口服务"), ("ethnic", "汉祖", "汉族"), ("ethnic", "苗祖", "苗族"),
    ("ethnic", "维吾族", "维吾尔族"),
]

NOT_CHOICES = [
    ("political", "党"), ("political", "7"), ("political", "不清楚"), ("education", "学历很高"),
    ("education", "0"), ("type", "技"), ("type", "第五个"), ("ethnic", "火星族"), ("ethnic", ""),
    ("political", ""),
]


@pytest.mark.parametrize("vocabulary, text, expected", SAID, ids=[f"{v}:{t}" for v, t, _ in SAID])
def test_choices_as_people_say_them(vocabulary, text, expected):
    options, words = VOCABULARIES[vocabulary]
    assert parse_choice(text, list(options), words) == expected


@pytest.mark.parametrize("vocabulary, text, suggestion", NEAR, ids=[f"{v}:{t}" for v, t, _ in NEAR])
def test_a_near_miss_is_asked_back_with_the_suggestion(vocabulary, text, suggestion):
    options, words = VOCABULARIES[vocabulary]
    with pytest.raises(NearMiss) as info:
        parse_choice(text, list(options), words)
    assert info.value.suggestion == suggestion
    assert str(info.value) == f"您是指“{suggestion}”吗？"


@pytest.mark.parametrize("vocabulary, text", NOT_CHOICES, ids=[f"{v}:{t}" for v, t in NOT_CHOICES])
def test_not_a_choice_is_refused_with_the_options(vocabulary, text):
    options, words = VOCABULARIES[vocabulary]
    with pytest.raises(InvalidInput) as info:
        parse_choice(text, list(options), words)
    assert not isinstance(info.value, NearMiss)
    message = str(info.value)
    assert ("1. " + options[0]) in message if len(options) <= 12 else "例如 汉族" in message


@pytest.mark.parametrize("text, expected", [
    ("男的", "男"), ("女的", "女"), ("男性", "男"), ("女同志", "女"), ("男生", "男"), ("女士", "女"), ("男 ", "男"),
])
def test_gender_as_people_say_it(text, expected):
    assert parse_gender(text, GENDER_WORDS) == expected


NUMBERS = [
    # (text, minimum, expected, is an estimate)
    ("共十五名", 0, 15, False), ("共15人", 0, 15, False), ("一共12个", 0, 12, False), ("共计 8 项", 0, 8, False),
    ("合计3项", 0, 3, False), ("总共二十位", 0, 20, False), ("约15人", 0, 15, True), ("大约20名", 0, 20, True),
    ("大概 10 个", 0, 10, True), ("15人左右", 0, 15, True), ("十五名左右", 0, 15, True), ("20余人", 0, 20, True),
    ("近30个", 0, 30, True), ("15位", 0, 15, False), ("3个", 0, 3, False), ("无", 0, 0, False),
    ("没有", 0, 0, False), ("零", 0, 0, False), ("暂无", 0, 0, False), ("0个", 0, 0, False),
    ("共 15 位", 1, 15, False), ("约 3 项", 1, 3, True), ("有12人", 0, 12, False), ("12", 0, 12, False),
]


@pytest.mark.parametrize("text, minimum, expected, estimate", NUMBERS, ids=[t for t, *_ in NUMBERS])
def test_quantities_as_people_say_them(text, minimum, expected, estimate):
    assert parse_count(text, minimum=minimum) == expected
    assert is_estimate(text) is estimate


@pytest.mark.parametrize("text, phrase", [
    ("无", "至少为 1"), ("没有", "至少为 1"), ("约", "没能识别这个数量"), ("共", "没能识别这个数量"),
    ("左右", "没能识别这个数量"), ("很多名", "没能识别这个数量"), ("约-3人", "不能为负数"), ("约2.5人", "请填写整数"),
])
def test_quantity_words_without_a_usable_number_are_refused(text, phrase):
    with pytest.raises(InvalidInput) as info:
        parse_count(text, minimum=1)
    assert phrase in str(info.value)


AREAS = [
    ("约25平米", Decimal("25"), True), ("25平米左右", Decimal("25"), True), ("大约三十平方米", Decimal("30"), True),
    ("约 120.5 ㎡", Decimal("120.5"), True), ("大概40平", Decimal("40"), True), ("共60平方米", Decimal("60"), False),
    ("25 平方米", Decimal("25"), False), ("60M2", Decimal("60"), False),
]


@pytest.mark.parametrize("text, expected, estimate", AREAS, ids=[t for t, *_ in AREAS])
def test_areas_as_people_say_them(text, expected, estimate):
    assert parse_area(text) == expected
    assert is_estimate(text) is estimate


@pytest.mark.parametrize("text", ["约", "左右", "约平米", "大约很大"])
def test_area_words_without_a_number_are_refused(text):
    with pytest.raises(InvalidInput) as info:
        parse_area(text)
    assert "例如 25平方米" in str(info.value)


def test_edit_distance():
    assert edit_distance("本料", "本科") == 1
    assert edit_distance("", "汉族") == 2
    assert edit_distance("中共党员", "中共党员") == 0
