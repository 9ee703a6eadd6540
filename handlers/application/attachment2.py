"""The 附件2 申报材料 draft (``render_materials_docx``) from the application values and the ledgers.

It follows the 附件2 outline; sections without data say "（待补充）". The organisation's name is a
parameter (configuration), never a constant in the text. It reads as prose: the narrative is
quoted in whole sentences (never cut with 「……」), the studio's full name is written once (then
「工作室」), and the outline's headings are Word headings (标题 1 / 标题 2) in bold 仿宋 三号 / 四号.
"""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from handlers.application.document_values import _Answers, _cn_date, _honours_text, _money, _sources_text, _years
from handlers.application.docx_layout import FONT, _new_document, _paragraph, _table, _to_bytes
from handlers.application.docx_render import _member_header, _member_row
from handlers.application.schema import HONOURS, SKILL_GRADES
from handlers.ledgers.statistics import is_grant_data

TO_FILL = "（待补充）"
TITLE_SIZE = Pt(18)                         # 小二
HEADING_SIZES = {1: Pt(16), 2: Pt(14)}      # 三号 for 一、…, 四号 for （一）…
SENTENCE = re.compile(r".+?(?:[。！？][”’」』）]*|$)", re.DOTALL)
SENTENCE_END = re.compile(r"[。！？][”’」』）]*$")


def _in_years(entries, years) -> list:
    """Ledger entries dated (YYYYMMDD) within the given calendar years, oldest first."""
    wanted = {str(y) for y in years}
    chosen = [e for e in entries or [] if str(e.get("date", ""))[:4] in wanted]
    return sorted(chosen, key=lambda e: str(e.get("date")))


# the ledgers' kind names (handlers/ledgers/schema.py) for the outline's short ones
KIND_NAMES = {"培训": ("培训", "技能培训"), "成果": ("成果", "创新成果"),
              "实用新型": ("实用新型", "实用新型专利"), "发明": ("发明", "发明专利"),
              "获奖": ("获奖", "奖项"), "成果转化": ("成果转化", "转化")}
# 三（一）创新成果情况: every kind of the 创新成果台账, in this order (经济效益 is detailed in 三（三）)
ACHIEVEMENT_KINDS = (("立项", "立项课题", "项"), ("成果", "创新成果", "项"), ("成果转化", "成果转化", "项"),
                     ("实用新型", "实用新型专利", "个"), ("发明", "发明专利", "个"), ("获奖", "获奖", "项"),
                     ("经济效益", "产生经济效益的成果", "项"))


def _of_kind(entries, *kinds) -> list:
    wanted = {name for kind in kinds for name in KIND_NAMES.get(kind, (kind,))}
    return [e for e in entries if e.get("kind") in wanted]


def _number(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def _sum(entries, key) -> Decimal:
    return sum((_number(e.get(key)) for e in entries), Decimal(0))


def _fmt(number: Decimal) -> str:
    return format(number.normalize(), "f") if number else "0"


def _heading_styles(doc) -> None:
    """标题 1 / 标题 2 as black bold 仿宋 (the template's are blue theme fonts)."""
    for level, size in HEADING_SIZES.items():
        style = doc.styles[f"Heading {level}"]
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            rfonts.set(qn(attr), FONT)
        style.font.size, style.font.bold, style.font.italic = size, True, False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if level == 1 else 6)
        style.paragraph_format.space_after = Pt(6)


def _heading(doc, text, level: int = 2) -> None:
    paragraph = _paragraph(doc, text, bold=True, size=HEADING_SIZES[level])
    paragraph.style = doc.styles[f"Heading {level}"]


def _body(doc, text: str) -> None:
    _paragraph(doc, text or TO_FILL, indent=True)


def _join(parts) -> str:
    """A sentence from the parts that have data (missing parts are falsy and dropped)."""
    return "".join(p for p in parts if p)


def _recorded(record, topic):
    """(kinds, files) recorded in chat for ``topic`` (handlers/application/seven_record.py), or None."""
    entry = (record or {}).get(topic)
    return None if entry is None else (list(entry.get("kinds") or []), entry.get("files") or 0)


def _venue_text(area, record) -> str:
    venue, equipment = _recorded(record, "venue"), _recorded(record, "equipment")
    if venue is None:
        uses = f"用于学习研讨、创新实践和成果荣誉展示{TO_FILL}"
    else:
        kinds = [k for k in venue[0] if k != "挂牌"]
        uses = ("已挂牌，" if "挂牌" in venue[0] else "尚未挂牌，") + (f"用于{'、'.join(kinds)}" if kinds else
                                                                  f"场所功能{TO_FILL}")
    if equipment is None:
        kit = f"配套设备设施：{TO_FILL}"
    elif equipment[0]:
        kit = f"配备{'、'.join(equipment[0])}等设备设施" + (f"（照片 {equipment[1]} 份附后）" if equipment[1] else "") + "。"
    else:
        kit = f"尚未配备专门的设备设施{TO_FILL}"
    return f"工作室有固定活动场所{area}平方米，{uses}；{kit}"


RULE_KINDS = ("团队学习", "活动开展", "创新计划", "成果发布", "奖励激励", "内部管理")


def _rules_text(record) -> str:
    """（一）制度建立情况 from the 制度 recorded in chat; （待补充） only where nothing was recorded."""
    rules = _recorded(record, "rules")
    if rules is None:
        return TO_FILL
    kinds, n = rules
    missing = [k for k in RULE_KINDS if k not in kinds]
    if not kinds:
        return f"工作室尚未建立成文的工作制度{TO_FILL}"
    text = f"工作室建立了{'、'.join(k + '制度' for k in kinds)}" + (f"，制度文件 {n} 份附后" if n else "") + "。"
    if missing:
        text += f"尚未建立：{'、'.join(missing)}制度。"
    return text


def _basics_text(a: _Answers, record=None) -> list[str]:
    name, leader = a.get("cover.name", ""), a.get("leader.name", "")
    named = ""
    if a.get("basics.named_by"):
        named = f"，{_cn_date(a.get('basics.named_on')) or ''}被{a.get('basics.named_by')}命名"
    background = _join([
        name and f"{name}（以下简称工作室）",
        a.get("basics.created_on") and f"创建于{_cn_date(a.get('basics.created_on'))}",
        a.get("cover.unit") and f"，所在单位为{a.get('cover.unit')}",
        leader and f"，由{leader}领衔",
        named, "。" if name else "",
    ])
    opening = _opening(a.get("narrative", ""), name)
    kind = a.get("basics.type")
    field = a.get("basics.field") and _join([
        f"工作室重点研究、攻关的专业领域为{a.get('basics.field')}",
        kind and kind != "其他" and f"，属{kind}型创新工作室", "。"])
    venue = a.get("basics.area") and _venue_text(a.get("basics.area"), record)
    return [background, opening, field, venue]


def _opening(narrative: str, name: str, limit: int = 200) -> str:
    """The narrative's first whole sentences (about ``limit`` characters), the studio's name as 工作室."""
    text = re.sub(r"\s+", "", narrative or "")
    if name:
        text = text.replace(f"{name}（以下简称工作室）", "工作室").replace(name, "工作室")
    opening = ""
    for sentence in SENTENCE.findall(text):
        if opening and len(opening) + len(sentence) > limit:
            break
        opening += sentence
    if opening and not SENTENCE_END.search(opening):
        opening = opening.rstrip("；，、：") + "。"
    return opening


def _funding_text(a: _Answers, years, ledger: list) -> str:
    parts = []
    for tag, year in zip(("y1", "y2"), years):
        amount = _money(a.get(f"funding.{tag}.amount"))
        if amount:
            sources = _sources_text(a.get(f"funding.{tag}.sources"))
            parts.append(f"{year}年投入经费{amount}万元" + (f"（{sources}）" if sources else ""))
    text = "；".join(parts) + ("。" if parts else "")
    amounts = [_number(_money(a.get(f"funding.{tag}.amount"))) for tag in ("y1", "y2")]
    if len(parts) == 2:
        text += f"近两年共投入经费{_fmt(sum(amounts, Decimal(0)))}万元。"
    entries = _in_years(ledger, years)
    # 近两年经费投入 are the units' funds as answered in 附件1; the naming grant is not one of them
    for grant in (e for e in entries if not _is_expense(e) and is_grant_data(e)):
        text += (f"另，{_cn_date(grant.get('date')) or ''}收到{grant.get('unit') or '上级工会'}命名一次性经费支持"
                 f"{_fmt(_number(grant.get('amount')))}万元，不计入上述经费投入。")
    spent = [e for e in entries if _is_expense(e)]
    if spent:
        total = _fmt(_sum(spent, "amount"))
        uses = "、".join(dict.fromkeys(str(e.get("purpose") or e.get("category") or "") for e in spent if
                                       e.get("purpose") or e.get("category")))
        text += f"近两年经费支出{len(spent)}笔，共{total}万元" + (f"，主要用于{uses}" if uses else "") + "。"
    return text


def _is_expense(entry: dict) -> bool:
    return str(entry.get("direction") or entry.get("kind") or "") in ("支出", "out", "expense")


def _people_text(a: _Answers, year: int) -> str:
    members = a.get("members", [])
    if not members and not a.get("basics.members"):
        return ""
    text = f"工作室现有成员{a.get('basics.members', len(members))}人"
    if members:
        text += f"，其中骨干成员{len(members)}人"
        education = Counter(m.get("education") for m in members if m.get("education"))
        if education:
            text += "；学历结构：" + "，".join(f"{k}{v}人" for k, v in education.most_common())
        ages = [year - int(str(m["birth"])[:4]) for m in members if str(m.get("birth", ""))[:4].isdigit()]
        if ages:
            text += f"；平均年龄{round(sum(ages) / len(ages))}岁"
    return text + "。骨干成员基本信息见下表。"


def _member_table(doc, members: list) -> None:
    if members:
        _table(doc, [_member_header(), *map(_member_row, members)])


def _results_text(a: _Answers) -> str:
    counts = _innovation_counts(a)
    honours = _honours_text(a.get("leader.honours"))
    parts = [counts and f"近两年来，工作室{counts}。",
             honours and f"领衔人{a.get('leader.name', '')}获得的主要荣誉：{honours}。"]
    return _join(parts)


def _innovation_counts(a: _Answers) -> str:
    items = [("innovation.results", "取得创新成果{}项"), ("innovation.applied", "成果转化{}项"),
             ("innovation.utility", "获实用新型专利{}个"), ("innovation.invention", "获发明专利{}个")]
    parts = [template.format(a.get(key)) for key, template in items if a.get(key) is not None]
    awards = [f"{label}级奖{a.get(key)}个" for key, label in
              (("innovation.award_intl", "国际"), ("innovation.award_national", "国家"),
               ("innovation.award_provincial", "省部"), ("innovation.award_city", "地市")) if a.get(key)]
    if awards:
        parts.append("获" + "、".join(awards))
    return "，".join(parts)


def _activity_summary(activities: list) -> str:
    if not activities:
        return ""
    kinds = Counter(e.get("kind") or "其他" for e in activities)
    hours = _sum(activities, "hours")
    return (f"近两年来，工作室共开展活动{len(activities)}次（" +
            "，".join(f"{k}{v}次" for k, v in kinds.most_common()) +
            f"），参与{int(_sum(activities, 'participants'))}人次，累计{_fmt(hours)}学时。")


def _activity_list(activities: list) -> str:
    return "；".join(f"{_cn_date(e.get('date'))}{e.get('place') and '在' + str(e.get('place')) or ''}"
                     f"开展{e.get('kind', '')}“{e.get('topic', '')}”" for e in activities[:20])


def _operation_text(a: _Answers, activities: list, projects: list) -> str:
    parts = [_activity_summary(activities)]
    if activities:
        parts.append("主要活动：" + _activity_list(activities) + "。")
    if a.get("basics.field"):
        parts.append(f"主要创新专业领域为{a.get('basics.field')}。")
    if projects:
        parts.append(f"立项课题{len(projects)}项：" + "；".join(_achievement_line(e) for e in projects) + "。")
    return _join(parts) if activities or projects else ""


def _division_text(members: list) -> str:
    lines = [f"{m.get('name', '')}（{m.get('department', '')}，{m.get('title', '')}）：{m.get('role', '')}"
             for m in members if m.get("name")]
    return ("成员分工：" + "；".join(lines) + "。") if lines else ""


def _achievement_line(entry: dict) -> str:
    parts = [str(entry.get("title") or "")]
    if entry.get("level"):
        level = str(entry["level"])
        parts.append(f"（{level if level.endswith('级') else level + '级'}）")
    if entry.get("number"):
        parts.append(f"，编号{entry['number']}")
    if entry.get("amount") and entry.get("kind") == "经济效益":
        parts.append(f"，效益{_money(entry['amount'])}万元")
    elif entry.get("date"):
        parts.append(f"，{_cn_date(entry['date'])}")
    return "".join(parts)


def _innovation_text(a: _Answers, achievements: list) -> str:
    """The 附件1 counts, then every 创新成果台账 entry of the two years by name, kind by kind."""
    parts = [_innovation_counts(a) and f"近两年来，工作室{_innovation_counts(a)}。"]
    groups = [(label, unit, _of_kind(achievements, kind)) for kind, label, unit in ACHIEVEMENT_KINDS]
    known = {name for kind, _, _ in ACHIEVEMENT_KINDS for name in KIND_NAMES.get(kind, (kind,))}
    other = [e for e in achievements if e.get("kind") not in known]
    if other:
        groups.append(("其他成果", "项", other))
    groups = [g for g in groups if g[2]]
    if groups:
        parts.append("台账记录：" + "，".join(f"{label}{len(entries)}{unit}" for label, unit, entries in groups)
                     + "。")
        for label, _, entries in groups:
            parts.append(f"{label}：" + "；".join(map(_achievement_line, entries)) + "。")
    return _join(parts)


def _training_text(a: _Answers, activities: list, member_log: list) -> str:
    training = _of_kind(activities, "培训")
    pairs = _of_kind(activities, "师带徒")
    parts = []
    if training:
        topics = "、".join(dict.fromkeys(str(e.get("topic", "")) for e in training))
        parts.append(f"近两年来，工作室开展培训{len(training)}场，培训{int(_sum(training, 'participants'))}人次，"
                     f"累计{_fmt(_sum(training, 'hours'))}学时，培训内容包括{topics}。")
    if pairs:
        parts.append(f"签订师带徒{len(pairs)}对：" + "；".join(str(e.get("topic", "")) for e in pairs) + "。")
    talent = _talent_counts(a)
    if talent:
        parts.append(talent)
    promotions = _of_kind(member_log, "晋升", "荣誉")
    if promotions:
        parts.append("成员成长：" + "；".join(f"{_cn_date(e.get('date'))}{e.get('name', '')}{e.get('detail', '')}"
                                          for e in promotions) + "。")
    return _join(parts)


def _talent_counts(a: _Answers) -> str:
    if a.get("talent.total") is None:
        return ""
    grades = "，".join(f"{label}{a.get(f'talent.grade{i}')}人" for i, label in enumerate(SKILL_GRADES)
                      if a.get(f"talent.grade{i}"))
    honours = "，".join(f"{label}{a.get(f'talent.honour{i}')}人" for i, label in enumerate(HONOURS)
                       if a.get(f"talent.honour{i}"))
    text = f"近两年共培养人才{a.get('talent.total')}人"
    text += f"，其中{grades}" if grades else ""
    text += f"；获{honours}" if honours else ""
    listed = a.get("talent.list", [])
    if listed:
        text += "。培养人才明细：" + "；".join(
            "，".join(str(p.get(k)) for k in ("name", "promotion", "honour") if p.get(k) and p.get(k) != "无")
            for p in listed)
    return text + "。"


def _benefit_text(a: _Answers, years, achievements: list) -> str:
    parts = []
    for tag, year in zip(("y1", "y2"), years):
        total = _money(a.get(f"benefit.{tag}.total"))
        if total:
            parts.append(f"{year}年创收{_money(a.get(f'benefit.{tag}.income'))}万元、"
                         f"节资{_money(a.get(f'benefit.{tag}.savings'))}万元，合计{total}万元")
    text = ("经济效益：" + "；".join(parts) + "。") if parts else ""
    ledger = _of_kind(achievements, "经济效益")
    if ledger:
        text += "台账记录：" + "；".join(f"{e.get('title', '')}{_money(e.get('amount'))}万元" for e in ledger) + "。"
    if a.get("social"):
        text += f"社会效益：{a.get('social')}"
    return text


def _exchange_text(activities: list) -> str:
    exchanges = _of_kind(activities, "技术交流")
    if not exchanges:
        return ""
    return (f"近两年来，工作室开展技术交流{len(exchanges)}场，参与{int(_sum(exchanges, 'participants'))}人次：" +
            "；".join(f"{_cn_date(e.get('date'))}{e.get('topic', '')}" for e in exchanges) + "。"
            f"交流效果：{TO_FILL}")


def render_materials_docx(form, values: dict, *, year: int, org_name: str = "中国交建",
                          ledgers: dict | None = None, record: dict | None = None) -> bytes:
    """A draft of the 附件2 申报材料 following its outline; gaps say （待补充）. ``record``: the 制度 /
    设备 / 场所 recorded in chat (handlers/application/seven_record.py ``facts``)."""
    a = _Answers(form, values)
    ledgers = ledgers or {}
    years = _years(year)
    activities = _in_years(ledgers.get("activities"), years)
    achievements = _in_years(ledgers.get("achievements"), years)
    member_log = _in_years(ledgers.get("members"), years)
    members = a.get("members", [])

    doc = _new_document()
    _heading_styles(doc)
    for title in (f"{org_name}劳模（工匠人才）创新工作室", f"{a.get('cover.name', '')}申报材料"):
        _paragraph(doc, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_SIZE)
    _paragraph(doc)

    _heading(doc, "一、基本情况", 1)
    for text in _basics_text(a, record):
        _body(doc, text)
    _body(doc, _funding_text(a, years, ledgers.get("funding")))
    _body(doc, _people_text(a, year))
    _member_table(doc, members)
    _body(doc, _results_text(a))

    _heading(doc, "二、近两年来活动开展情况", 1)
    _heading(doc, "（一）制度建立情况")
    _body(doc, _rules_text(record))
    _heading(doc, "（二）日常运作情况")
    _body(doc, _operation_text(a, activities, _of_kind(achievements, "立项")))
    _heading(doc, "（三）分工协作情况")
    _body(doc, _division_text(members))

    _heading(doc, "三、近两年来工作室活动成效", 1)
    _heading(doc, "（一）创新成果情况")
    _body(doc, _innovation_text(a, achievements))
    _heading(doc, "（二）技能人才培养情况")
    _body(doc, _training_text(a, activities, member_log))
    _heading(doc, "（三）取得效益情况")
    _body(doc, _benefit_text(a, years, achievements))
    _heading(doc, "（四）开展技术交流协作情况")
    _body(doc, _exchange_text(activities))
    return _to_bytes(doc)
