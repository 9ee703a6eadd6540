"""The 附件2 申报材料 draft (``draft`` → ``Draft``) from the application values and the ledgers.

It follows the 附件2 outline. Every heading is filled from recorded data — the answers, the
ledgers, the 制度 / 设备 / 场所 recorded in chat — or says what is missing followed by
「（待补充）」; ``Draft.to_supply`` lists those, for 提交 and 导出材料包 to tell the leader.

It reads as a union office would write it: only confirmed spending (an expense held for the unit
union or refused is not money spent); each fact once — the sentences are not repeated, a
figure the ledgers state is not stated again from the leader's own text (a clause of 业绩简介 or
社会效益 giving other 培训 / 交流 figures is left out and reported in ``Draft.left_out``); the
studio's full name written once (then 「工作室」); the narrative quoted in whole sentences. The
outline's headings are Word headings (标题 1 / 标题 2) in bold 仿宋 三号 / 四号, kept with the text
that follows them, so no page holds only a placeholder. The organisation's name is a parameter.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from handlers.application.document_values import _Answers, _cn_date, _honours_text, _money, _sources_text, _years
from handlers.application import prose
from handlers.application.docx_layout import FONT, _new_document, _paragraph, _table, _to_bytes
from handlers.application.docx_render import _member_header, _member_row
from handlers.application.schema import HONOURS, SKILL_GRADES
from storage.ledgers import counted
from handlers.ledgers.statistics import is_grant_data

TO_FILL = "（待补充）"
TITLE_SIZE = Pt(18)                         # 小二
HEADING_SIZES = {1: Pt(16), 2: Pt(14)}      # 三号 for 一、…, 四号 for （一）…


# -- the draft: sections of paragraphs, with what is still to supply --------------------------------

@dataclass
class Gap:
    heading: str            # 「二（一）制度建立情况」
    what: str = ""          # the part of it that is missing ("" when the whole heading is)
    how: str = ""           # how the leader supplies it in chat, when there is a way


@dataclass
class Section:
    heading: str            # as printed
    label: str              # with its parent's number: 「二（一）制度建立情况」
    level: int
    blocks: list = field(default_factory=list)      # paragraphs (str, TO_FILL ones are gaps) or ("members", rows)
    gaps: list = field(default_factory=list)

    def say(self, text: str) -> None:
        if text:
            self.blocks.append(text)

    def lack(self, what: str = "", how: str = "") -> None:
        """Mark ``what`` (the whole heading when empty) as still to be supplied."""
        self.gaps.append(Gap(self.label, what, how))
        self.blocks.append(f"{what}：{TO_FILL}" if what else TO_FILL)


@dataclass
class Draft:
    titles: list
    sections: list
    left_out: list = field(default_factory=list)     # what was not taken into the text, and why

    def to_supply(self) -> list[str]:
        """Each heading still 「（待补充）」, with the missing part and how to supply it."""
        lines = []
        for section in self.sections:
            for gap in section.gaps:
                line = gap.heading + (f"：{gap.what}" if gap.what else "")
                lines.append(line + (f"（{gap.how}）" if gap.how else ""))
        return lines

    def docx(self) -> bytes:
        doc = _new_document()
        _heading_styles(doc)
        for title in self.titles:
            _paragraph(doc, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_SIZE)
        _paragraph(doc)
        for section in self.sections:
            paragraph = _paragraph(doc, section.heading, bold=True, size=HEADING_SIZES[section.level])
            paragraph.style = doc.styles[f"Heading {section.level}"]
            after_table, previous = False, paragraph
            for block in section.blocks:
                if isinstance(block, tuple):
                    _table(doc, [_member_header(), *map(_member_row, block[1])])
                    after_table, previous = True, None
                    continue
                body = _paragraph(doc, block, indent=True)
                body.paragraph_format.widow_control = True
                if block.endswith(TO_FILL) and previous is not None:
                    previous.paragraph_format.keep_with_next = True     # a placeholder never starts a page
                if after_table:
                    body.paragraph_format.space_before, after_table = Pt(6), False
                previous = body
        return _to_bytes(doc)


# -- ledger rows --------------------------------------------------------------------------------

def _in_years(entries, years) -> list:
    """Ledger entries dated (YYYYMMDD) within the given calendar years, oldest first."""
    wanted = {str(y) for y in years}
    chosen = [e for e in entries or [] if str(e.get("date", ""))[:4] in wanted]
    return sorted(chosen, key=lambda e: str(e.get("date")))


# the ledgers' kind names (handlers/ledgers/schema.py) for the outline's short ones
KIND_NAMES = {"培训": ("培训", "技能培训"), "成果": ("成果", "创新成果"),
              "实用新型": ("实用新型", "实用新型专利"), "发明": ("发明", "发明专利"),
              "获奖": ("获奖", "奖项"), "成果转化": ("成果转化", "转化")}
# 三（一）创新成果情况: the 创新成果台账's kinds in this order (经济效益 is told in 三（三） only)
ACHIEVEMENT_KINDS = (("立项", "立项课题", "项"), ("成果", "创新成果", "项"), ("成果转化", "成果转化", "项"),
                     ("实用新型", "实用新型专利", "个"), ("发明", "发明专利", "个"), ("获奖", "获奖", "项"))
DETAILED_LATER = ("培训", "师带徒", "技术交流")       # activities told in 三（二） / 三（四）, not listed in 二（二）


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


def _is_expense(entry: dict) -> bool:
    return str(entry.get("direction") or entry.get("kind") or "") in ("支出", "out", "expense")


def _spent(entry: dict) -> bool:
    """Money spent: an expense that is not held for the unit union, nor refused."""
    return _is_expense(entry) and counted(entry)


# -- styles -------------------------------------------------------------------------------------

def _heading_styles(doc) -> None:
    """标题 1 / 标题 2 as black bold 仿宋 (the template's are blue theme fonts), kept with the next paragraph."""
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
        style.paragraph_format.keep_with_next = True


def _join(parts) -> str:
    """A sentence from the parts that have data (missing parts are falsy and dropped)."""
    return "".join(p for p in parts if p)


def _recorded(record, topic):
    """(kinds, files) recorded in chat for ``topic`` (handlers/application/seven_record.py), or None."""
    entry = (record or {}).get(topic)
    return None if entry is None else (list(entry.get("kinds") or []), entry.get("files") or 0)


# -- 一、基本情况 ----------------------------------------------------------------------------------

RULE_KINDS = ("团队学习", "活动开展", "创新计划", "成果发布", "奖励激励", "内部管理")


def _background(section, a: _Answers, opening: str) -> None:
    name, leader = a.get("cover.name", ""), a.get("leader.name", "")
    named = ""
    if a.get("basics.named_by"):
        named = f"，{_cn_date(a.get('basics.named_on')) or ''}被{a.get('basics.named_by')}命名"
    section.say(_join([
        name and f"{name}（以下简称工作室）",
        a.get("basics.created_on") and f"创建于{_cn_date(a.get('basics.created_on'))}",
        a.get("cover.unit") and f"，所在单位为{a.get('cover.unit')}",
        leader and f"，由{leader}领衔",
        named, "。" if name else "",
    ]))
    if opening:
        section.say(opening)
    else:
        section.lack("工作室建立的背景及意义", "填写申报表的「业绩简介」")
    kinds = a.get("basics.type")
    kinds = kinds if isinstance(kinds, (list, tuple)) else [kinds] if kinds else []
    named = "、".join(k for k in kinds if not str(k).startswith(("其他", "其它")))
    other = next((str(k).partition("（")[2].rstrip("）") for k in kinds if str(k).startswith(("其他", "其它"))), "")
    if a.get("basics.field"):
        section.say(_join([f"工作室重点研究、攻关的专业领域为{a.get('basics.field')}",
                           named and f"，属{named}型创新工作室", other and f"，{'并' if named else ''}开展{other}方面的工作",
                           "。"]))
    else:
        section.lack("重点研究、攻关的领域及方向", "填写申报表的「专业领域」")


def _venue(section, a: _Answers, record) -> None:
    """The place (its area from the form; 挂牌 and uses recorded with 场所) and its equipment (设备)."""
    area = a.get("basics.area")
    venue, equipment = _recorded(record, "venue"), _recorded(record, "equipment")
    kit = ""
    if equipment is not None and equipment[0]:
        kit = (f"配备{'、'.join(equipment[0])}等设备设施" + (f"（照片 {equipment[1]} 份附后）" if equipment[1] else ""))
    elif equipment is not None:
        kit = "尚未配备专门的设备设施"
    if area:
        text = f"工作室有固定活动场所{area}平方米"
        if venue is not None:
            kinds = [k for k in venue[0] if k != "挂牌"]
            text += ("，已挂牌" if "挂牌" in venue[0] else "，尚未挂牌") + (f"，用于{'、'.join(kinds)}" if kinds else "")
        section.say(text + (f"；{kit}" if kit else "") + "。")
    else:
        section.lack("活动场地", "填写申报表的「场所面积」")
        if kit:
            section.say(f"工作室{kit}。")
    if venue is None:
        section.lack("场所挂牌及用途", "发送「场所」记录")
    if equipment is None:
        section.lack("配套设备设施", "发送「设备」记录")


def _funding(section, a: _Answers, years, ledger: list, left_out: list) -> None:
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
    spent = [e for e in entries if _spent(e)]
    if spent:
        uses = "、".join(dict.fromkeys(str(e.get("purpose") or e.get("category")) for e in spent
                                       if e.get("purpose") or e.get("category")))
        text += (f"近两年经费支出{len(spent)}笔，共{_fmt(_sum(spent, 'amount'))}万元"
                 + (f"，主要用于{uses}" if uses else "") + "。")
    unconfirmed = [e for e in entries if _is_expense(e) and not counted(e)]
    if unconfirmed:
        left_out.append(f"经费台账中 {len(unconfirmed)} 笔支出（共 {_fmt(_sum(unconfirmed, 'amount'))} 万元）"
                        "尚待单位工会确认，未计入附件2的经费支出。")
    if text:
        section.say(text)
    else:
        section.lack("资金投入及使用情况", "填写申报表的「经费投入」，支出记入经费台账")


def _people(section, a: _Answers, year: int) -> None:
    members = a.get("members", [])
    if not members and not a.get("basics.members"):
        section.lack("人员结构及成员基本信息", "填写申报表的「成员总数」和「骨干成员」")
        return
    text = f"工作室现有成员{a.get('basics.members', len(members))}人"
    if members:
        text += f"，其中骨干成员{len(members)}人"
        education = Counter(m.get("education") for m in members if m.get("education"))
        if education:
            text += "；学历结构：" + "，".join(f"{k}{v}人" for k, v in education.most_common())
        ages = [year - int(str(m["birth"])[:4]) for m in members if str(m.get("birth", ""))[:4].isdigit()]
        if ages:
            text += f"；平均年龄{round(sum(ages) / len(ages))}岁"
        section.say(text + "。骨干成员基本信息见下表。")
        section.blocks.append(("members", members))
    else:
        section.say(text + "。")


def _honours(section, a: _Answers, results_told: bool) -> None:
    """取得成果、成绩和荣誉: the leader's honours; the results themselves are told once, in 三（一）."""
    honours = _honours_text(a.get("leader.honours"))
    if honours:
        section.say(f"领衔人{a.get('leader.name', '')}获得的主要荣誉：{honours}。")
    if results_told:
        section.say("工作室近两年取得的创新成果、专利和获奖情况见三（一）。")
    elif not honours:
        section.lack("取得成果、成绩和荣誉", "填写申报表的「技术创新」和「获奖年份及荣誉称号」")


# -- 二、近两年来活动开展情况 ------------------------------------------------------------------------

def _rules(section, record) -> None:
    """（一）制度建立情况 from the 制度 recorded in chat."""
    rules = _recorded(record, "rules")
    if rules is None:
        section.lack(how="发送「制度」记录已建立的制度")
        return
    kinds, n = rules
    if not kinds:
        section.say("工作室尚未建立成文的工作制度。")
        section.lack("管理制度、活动制度", "建立后发送「制度」记录")
        return
    missing = [k for k in RULE_KINDS if k not in kinds]
    section.say(f"工作室建立了{'、'.join(k + '制度' for k in kinds)}" + (f"，制度文件 {n} 份附后" if n else "") + "。"
                + (f"尚未建立：{'、'.join(missing)}制度。" if missing else ""))


def _activity_list(activities: list) -> str:
    return "；".join(f"{_cn_date(e.get('date'))}{e.get('place') and '在' + str(e.get('place')) or ''}"
                     f"开展{e.get('kind', '')}“{e.get('topic', '')}”" for e in activities[:20])


def _operation(section, activities: list, projects: list) -> None:
    """（二）日常运作情况: the activities as a whole, those not detailed in 三, and how projects come."""
    if not activities and not projects:
        section.lack(how="活动记入活动台账")
        return
    if activities:
        kinds = Counter(e.get("kind") or "其他" for e in activities)
        section.say(f"近两年来，工作室共开展活动{len(activities)}次（" +
                    "，".join(f"{k}{v}次" for k, v in kinds.most_common()) +
                    f"），参与{int(_sum(activities, 'participants'))}人次，累计{_fmt(_sum(activities, 'hours'))}学时。")
        others = [e for e in activities if e not in _of_kind(activities, *DETAILED_LATER)]
        if others:
            section.say("主要活动：" + _activity_list(others) + "。")
    if projects:
        section.say(f"工作室以立项课题的方式组织攻关，近两年立项{len(projects)}项，课题名称见三（一）。")


def _division(section, members: list) -> None:
    lines = [f"{m.get('name', '')}（{m.get('department', '')}，{m.get('title', '')}）：{m.get('role', '')}"
             for m in members if m.get("name") and m.get("role")]
    if lines:
        section.say("成员分工：" + "；".join(lines) + "。")
    else:
        section.lack(how="填写申报表「骨干成员」的主要分工")


# -- 三、近两年来工作室活动成效 -----------------------------------------------------------------------

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


def _innovation(section, a: _Answers, achievements: list) -> None:
    """The 附件1 counts, then every 创新成果台账 entry of the two years by name, kind by kind."""
    counts = _innovation_counts(a)
    groups = [(label, unit, _of_kind(achievements, kind)) for kind, label, unit in ACHIEVEMENT_KINDS]
    known = {name for kind, _, _ in ACHIEVEMENT_KINDS for name in KIND_NAMES.get(kind, (kind,))} | {"经济效益", "命名"}
    other = [e for e in achievements if e.get("kind") not in known]
    if other:
        groups.append(("其他成果", "项", other))
    groups = [g for g in groups if g[2]]
    if not counts and not groups:
        section.lack(how="填写申报表的「技术创新」，成果记入创新成果台账")
        return
    parts = [counts and f"近两年来，工作室{counts}。"]
    if groups:
        parts.append("台账记录：" + "，".join(f"{label}{len(entries)}{unit}" for label, unit, entries in groups)
                     + "。")
        for label, _, entries in groups:
            parts.append(f"{label}：" + "；".join(map(_achievement_line, entries)) + "。")
    section.say(_join(parts))


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


def _training(section, a: _Answers, activities: list, member_log: list) -> None:
    training, pairs = _of_kind(activities, "培训"), _of_kind(activities, "师带徒")
    if training:
        topics = "、".join(dict.fromkeys(str(e.get("topic", "")) for e in training))
        section.say(f"近两年来，工作室开展培训{len(training)}场，培训{int(_sum(training, 'participants'))}人次，"
                    f"累计{_fmt(_sum(training, 'hours'))}学时，培训内容包括{topics}。")
    if pairs:
        section.say(f"签订师带徒{len(pairs)}对：" + "；".join(str(e.get("topic", "")) for e in pairs) + "。")
    talent = _talent_counts(a)
    section.say(talent)
    listed = {str(p.get("name")) for p in a.get("talent.list", []) if p.get("name")}
    growth = [e for e in _of_kind(member_log, "晋升", "荣誉") if str(e.get("name", "")) not in listed]
    if growth:                          # those the 培养人才明细 already names are not told twice
        section.say("成员成长：" + "；".join(f"{_cn_date(e.get('date'))}{e.get('name', '')}{e.get('detail', '')}"
                                         for e in growth) + "。")
    if not (training or pairs or talent or growth):
        section.lack(how="培训和师带徒记入活动台账，填写申报表的「培养人才」")


def _benefit(section, a: _Answers, years, achievements: list, social: str) -> None:
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
    if text:
        section.say(text)
    else:
        section.lack("经济效益", "填写申报表的「经济效益」")
    if social:
        section.say(f"社会效益：{social}")
    else:
        section.lack("社会效益", "填写申报表的「社会效益」")


def _exchange(section, activities: list) -> None:
    exchanges = _of_kind(activities, "技术交流")
    if not exchanges:
        section.lack(how="技术交流记入活动台账")
        return
    section.say(f"近两年来，工作室开展技术交流{len(exchanges)}场，参与{int(_sum(exchanges, 'participants'))}人次："
                + "；".join(f"{_cn_date(e.get('date'))}{e.get('topic', '')}" for e in exchanges) + "。")
    effects = list(dict.fromkeys(str(e["notes"]).rstrip("。") for e in exchanges if e.get("notes")))
    if effects:
        section.say("交流效果：" + "；".join(effects) + "。")
    else:
        section.lack("交流效果", "写在技术交流台账的备注中")


# -- the leader's figures against the ledgers -------------------------------------------------

def _ledger_figures(activities: list) -> dict:
    """{word: (sessions, person-times)} the activity ledger states, for the words the leader may also use."""
    figures = {}
    for word, kind in (("培训", "培训"), ("交流", "技术交流")):
        entries = _of_kind(activities, kind)
        if entries:
            figures[word] = (len(entries), int(_sum(entries, "participants")))
    return figures


# -- the whole ----------------------------------------------------------------------------------

OUTLINE = (("一、基本情况", "一、基本情况", 1), ("二、近两年来活动开展情况", "二、近两年来活动开展情况", 1),
           ("（一）制度建立情况", "二（一）制度建立情况", 2), ("（二）日常运作情况", "二（二）日常运作情况", 2),
           ("（三）分工协作情况", "二（三）分工协作情况", 2), ("三、近两年来工作室活动成效", "三、近两年来工作室活动成效", 1),
           ("（一）创新成果情况", "三（一）创新成果情况", 2), ("（二）技能人才培养情况", "三（二）技能人才培养情况", 2),
           ("（三）取得效益情况", "三（三）取得效益情况", 2), ("（四）开展技术交流协作情况", "三（四）开展技术交流协作情况", 2))


def draft(form, values: dict, *, year: int, org_name: str = "中国交建", ledgers: dict | None = None,
          record: dict | None = None) -> Draft:
    """The 附件2 draft following its outline. ``record``: the 制度 / 设备 / 场所 recorded in chat
    (handlers/application/seven_record.py ``facts``)."""
    a = _Answers(form, values)
    ledgers = ledgers or {}
    years = _years(year)
    activities = _in_years(ledgers.get("activities"), years)
    achievements = _in_years(ledgers.get("achievements"), years)
    member_log = _in_years(ledgers.get("members"), years)
    members = a.get("members", [])
    left_out = []
    figures = _ledger_figures(activities)
    name = a.get("cover.name", "")
    opening = prose.without_figures(prose.opening(a.get("narrative", ""), name), figures, "业绩简介", left_out)
    social = prose.without_figures(str(a.get("social") or "").strip(), figures, "社会效益", left_out)

    basics, activity, rules, operation, division, results, innovation, training, benefit, exchange = (
        Section(heading, label, level) for heading, label, level in OUTLINE)
    _background(basics, a, opening)
    _venue(basics, a, record)
    _funding(basics, a, years, ledgers.get("funding"), left_out)
    _people(basics, a, year)
    _rules(rules, record)
    _operation(operation, activities, _of_kind(achievements, "立项"))
    _division(division, members)
    _innovation(innovation, a, achievements)
    _honours(basics, a, results_told=not innovation.gaps)
    _training(training, a, activities, member_log)
    _benefit(benefit, a, years, achievements, social)
    _exchange(exchange, activities)
    sections = [basics, activity, rules, operation, division, results, innovation, training, benefit, exchange]
    prose.once([section.blocks for section in sections], TO_FILL)
    titles = [f"{org_name}劳模（工匠人才）创新工作室", f"{name}申报材料"]
    return Draft(titles, sections, left_out)


def render_materials_docx(form, values: dict, *, year: int, org_name: str = "中国交建",
                          ledgers: dict | None = None, record: dict | None = None) -> bytes:
    """The 附件2 draft as DOCX bytes (see ``draft``)."""
    return draft(form, values, year=year, org_name=org_name, ledgers=ledgers, record=record).docx()
