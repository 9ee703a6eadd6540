"""Cross-field rules of the application form: answers that must agree with each other.

Each message names both fields, so the leader knows which of the two to correct.
"""
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
    return ("填写了「命名日期」，但「命名单位」为空。被命名过请填写命名单位；"
            "没有被命名，请把命名日期也跳过（修改 命名日期，然后说「跳过」）。")


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


RULES = (
    Rule(("basics.members", "members"), _members_total, "members_total"),
    Rule(("basics.named_on", "basics.named_by"), _named_by_for_named_on, "named_by_for_named_on"),
    Rule(("basics.named_on", "basics.created_on"), _named_after_created, "named_after_created"),
    Rule(("leader.birth", "leader.honours"), _born_before_honours, "born_before_honours"),
)
