"""Cross-field rules of the application form: answers that must agree with each other.

Each message names both fields, so the leader knows which of the two to correct.
"""
import re

from bot.forms.rules import Rule, blank


def _members_total(values, skipped, final):
    total, rows = values.get("basics.members"), values.get("members") or []
    if blank(total) or not rows or int(total) >= 1 + len(rows):
        return None
    return (f"成员总数为 {total} 人，但骨干成员已列 {len(rows)} 位，加上领衔人共 {len(rows) + 1} 人，"
            f"成员总数应不少于 {len(rows) + 1} 人。请核对「成员总数」或「骨干成员」。")


def _named_by_for_named_on(values, skipped, final):
    named_by = None if "basics.named_by" in skipped else values.get("basics.named_by")
    if blank(values.get("basics.named_on")) or not blank(named_by):
        return None
    if not final and "basics.named_by" not in skipped:
        return None         # not answered yet: it may come later, checked again at 提交
    return ("填写了「命名日期」，但「命名单位」为空。被命名过请先填写命名单位；"
            "没有被命名，命名日期留空即可（在命名日期说「没有」）。")


def _named_after_created(values, skipped, final):
    named, created = values.get("basics.named_on"), values.get("basics.created_on")
    if blank(named) or blank(created) or str(named) >= str(created):
        return None
    return (f"「命名日期」{named} 早于「创建日期」{created}。创建日期是以团队模式开展工作或被命名的日期，"
            "不应晚于命名日期，请核对其中一项。")


def _born_before_honours(values, skipped, final):
    birth, honours = values.get("leader.birth"), values.get("leader.honours") or []
    if blank(birth):
        return None
    born = int(str(birth)[:4])
    early = [h for h in honours if h.get("year") not in (None, "") and int(h["year"]) <= born]
    if not early:
        return None
    first = early[0]
    return (f"「获奖年份及荣誉称号」中 {first['year']} 年的「{first.get('title', '')}」不晚于领衔人"
            f"「出生年月」{birth}，请核对获奖年份或出生年月。")


def _number(values, key):
    value = values.get(key)
    return 0 if blank(value) else int(value)


def _grades_within_total(values, skipped, final):
    # the keys follow handlers/application/schema.py SKILL_GRADES (双重职称、高级技师、技师、高级工、其他)
    total = values.get("talent.total")
    if blank(total):
        return None
    grades = [_number(values, f"talent.grade{i}") for i in range(5)]
    if sum(grades) <= int(total):
        return None
    return (f"「技术等级」各项合计 {sum(grades)} 人，超过「培养人才总数」{total} 人（每人只计最高等级），"
            "请核对技术等级各项或培养人才总数。")


def _honours_within_total(values, skipped, final):
    total = values.get("talent.total")
    if blank(total):
        return None
    names = ("全国劳模", "省部级劳模", "地市级劳模", "企业劳模")
    above = [(name, _number(values, f"talent.honour{i}")) for i, name in enumerate(names)
             if _number(values, f"talent.honour{i}") > int(total)]
    if not above:
        return None
    name, n = above[0]
    return f"「{name}」{n} 人，超过「培养人才总数」{total} 人，请核对其中一项。"


def _talent_list_within_total(values, skipped, final):
    total, rows = values.get("talent.total"), values.get("talent.list") or []
    if blank(total) or len(rows) <= int(total):
        return None
    return (f"「培养人才明细」列了 {len(rows)} 人，多于「培养人才总数」{total} 人，"
            "请核对培养人才总数或明细。")


_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def talent_list_years(year):
    """The rule that the 培养人才明细 speaks of 近两年 only (the two years before ``year``)."""
    def check(values, skipped, final):
        for row in values.get("talent.list") or []:
            for key in ("promotion", "honour"):
                text = str(row.get(key) or "")
                outside = [int(y) for y in _YEAR.findall(text) if int(y) not in (year - 2, year - 1)]
                if outside:
                    return (f"「培养人才明细」中{row.get('name', '')}的「{text}」是 {outside[0]} 年，不在近两年"
                            f"（{year - 2}—{year - 1}年）内，请核对明细或申报年度。")
        return None
    return check


def _talent_list_complete(values, skipped, final):
    total, rows = values.get("talent.total"), values.get("talent.list") or []
    if not final or blank(total) or "talent.list" in skipped or len(rows) >= int(total):
        return None         # rows are added one by one: the count is checked at 提交
    return (f"「培养人才明细」只列了 {len(rows)} 人，少于「培养人才总数」{total} 人（填表说明 6："
            "培养人才需列表详细说明），请补全明细或核对总数。")


def _filed_after_created(values, skipped, final):
    filled, created = values.get("cover.filled_on"), values.get("basics.created_on")
    if blank(filled) or blank(created) or str(filled) >= str(created):
        return None
    return f"「填报日期」{filled} 早于「创建日期」{created}，请核对其中一项。"


def filed_in_cycle_years(year):
    """While answering: the 填报日期 of a ``year`` application lies in ``year`` or the year before (its
    cycle runs from the day after the previous deadline to the deadline). At 提交 the exact cycle is
    checked with the configured deadline and today (handlers/application/schema.py ``figure_check``)."""
    def check(values, skipped, final):
        filled = values.get("cover.filled_on")
        if final or blank(filled) or int(str(filled)[:4]) in (year - 1, year):
            return None
        return (f"「填报日期」{filled} 不在 {year} 年度申报期内（{year - 1}年截止之后至 {year} 年截止之前），"
                "请核对填报日期或申报年度。")
    return check


def _applied_within_results(values, skipped, final):
    results, applied = values.get("innovation.results"), values.get("innovation.applied")
    if blank(results) or blank(applied) or int(applied) <= int(results):
        return None
    return (f"「成果转化」{applied} 项多于「创新成果」{results} 项：转化的成果应计入创新成果，"
            "请核对其中一项。")


RULES = (
    Rule(("basics.members", "members"), _members_total, "members_total"),
    Rule(("basics.named_on", "basics.named_by"), _named_by_for_named_on, "named_by_for_named_on"),
    Rule(("basics.named_on", "basics.created_on"), _named_after_created, "named_after_created"),
    Rule(("leader.birth", "leader.honours"), _born_before_honours, "born_before_honours"),
    Rule(("talent.total", *(f"talent.grade{i}" for i in range(5))), _grades_within_total, "grades_within_total"),
    Rule(("talent.total", *(f"talent.honour{i}" for i in range(4))), _honours_within_total, "honours_within_total"),
    Rule(("talent.total", "talent.list"), _talent_list_within_total, "talent_list_within_total"),
    Rule(("talent.total", "talent.list"), _talent_list_complete, "talent_list_complete"),
    Rule(("innovation.results", "innovation.applied"), _applied_within_results, "applied_within_results"),
    Rule(("cover.filled_on", "basics.created_on"), _filed_after_created, "filed_after_created"),
)


def rules_for(year):
    """The rules of the ``year``'s form: RULES and those that read the year."""
    return RULES + (Rule(("talent.list",), talent_list_years(year), "talent_list_years"),
                    Rule(("cover.filled_on",), filed_in_cycle_years(year), "filed_in_cycle_years"))
