"""The 附件1 申报审批表 as DOCX in the official layout (``render_application_docx``).

Cover page, 填表说明, then the one big table (and attached tables for core members beyond the
printed 14 rows and for the detailed talent list). The organisation's names are parameters
(configuration), never constants in the text.

Column widths are chosen so that labels and values of normal length never wrap inside a word at
小四 (one CJK character is 4.23 mm, a digit half of it, plus 3.8 mm of cell margins): the label
column holds five characters (「工作室名称」), longer labels carry their own line breaks.
"""
from __future__ import annotations

from typing import Callable

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Cm, Mm, Pt

from handlers.application.document_values import _Answers, _bare, _honours_text, _money, _sources_text, _years
from handlers.application.docx_layout import (MARK, TEXT_WIDTH_MM, Cell, Row, _cells, _joint, _new_document,
                                              _page_break, _paragraph, _run, _table, _to_bytes)
from handlers.application.schema import HONOURS, OPINION_BOXES, SKILL_GRADES, STUDIO_TYPES

MEMBER_ROWS = 14                    # rows of the printed core-member table
LABEL_MM = 26                       # the first (label) column of the main table: five characters
TITLE_SIZE = Pt(22)                 # 二号, the cover title
HEADING_SIZE = Pt(16)               # 三号, the 填表说明 heading

INSTRUCTIONS = (
    "“创新工作室名称”应完整填写创新工作室的名称。",
    "“创建日期”以团队模式规范开展工作或被命名的时间。",
    "“经费主要来源”投入单位两个以上，需分别注明投入经费额。",
    "表中“经费投入、技术创新、经济效益、培养人才、社会效益”均填写近两年情况。",
    "表中“*”表示均须提供相关证明复印件，经济效益须加盖单位财务章的原件。",
    "“培养人才”需列表详细说明（如:人员名单、何时晋升为何种等级、何时获何种荣誉称号等）。",
    "如有其它需要特别说明的内容，可以补充相应的书面证明材料。",
    "本表用打印方式填写，使用仿宋小四号字，日期、年月统一使用“20180420”的规范格式填写，"
    "数字统一使用阿拉伯数字。",
    "签署意见栏必须填写明确意见，并签名、盖章。",
    "请勿改变字体大小，格式及页面设置。",
    "此表填写一式两份，请双面打印，与工作室规章制度、工作业绩和创新成果证明材料等一并装订成册。",
)

MEMBER_COLUMNS = (           # (row field key, header, width mm) — widths add up to TEXT_WIDTH_MM
    ("name", "姓名", 18), ("gender", "性别", 13), ("birth", "出生\n年月", 20),
    ("education", "学历", 25), ("title", "技术职称", 25), ("department", "所在部门", 25),
    ("role", "主要分工", 40),
)


# --- the main table, block by block ------------------------------------------------------

def _pair_row(label1, value1, label2, value2) -> Row:
    """Label, value (a studio name of 18 characters), label, value (a date, 7 characters)."""
    return Row([Cell(label1, LABEL_MM), Cell(value1, 82), Cell(label2, 24), Cell(value2, 34)])


def _basics_rows(a: _Answers) -> list[Row]:
    return [
        _pair_row("工作室名称", a.pieces("cover.name"), "创建日期", a.pieces("basics.created_on")),
        _pair_row("所在单位", a.pieces("cover.unit"), "命名单位*", a.pieces("basics.named_by")),
        _pair_row("专业领域", a.pieces("basics.field"), "命名日期", a.pieces("basics.named_on")),
        _pair_row("工作室类型", _type_boxes(a.get("basics.type")), "成员总数/\n场所面积", _size_pieces(a)),
    ]


def _type_boxes(value) -> str:
    """□技术攻关     □技能传授 / □窗口服务     □其他, each chosen one ■ (in 仿宋 like □; ☑ is not), 其他 with
    its words (■其他（智能建造）). A single type stored before several could be chosen reads as one."""
    values = value if isinstance(value, (list, tuple)) else [value] if value else []
    words = {str(v).partition("（")[0]: str(v) for v in values}
    boxes = [("■" + words[kind] if kind in words else "□" + kind) for kind in STUDIO_TYPES]
    return "\n".join("   ".join(boxes[i:i + 2]) for i in range(0, len(boxes), 2))


def _size_pieces(a: _Answers) -> list:
    """15人/ over 25平方米, line by line as the label's 成员总数/ over 场所面积 (each part with its own
    override marker; 平方米, not ㎡, which 仿宋 lacks)."""
    members = a.pieces("basics.members", suffix="人")
    area = a.pieces("basics.area", suffix="平方米")
    if members == [""] and area == [""]:
        return [""]
    return members + ["/\n"] + area


def _funding_rows(a: _Answers, years) -> list[Row]:
    rows = [Row([Cell("经费投入\n（万元）", LABEL_MM), *_cells(("年  度", 24), ("投入金额", 30), ("经费来源", 86))])]
    for tag, year in zip(("y1", "y2"), years):
        rows.append(Row([Cell(below=True, width=LABEL_MM), Cell(f"{year}年", 24),
                         Cell(a.pieces(f"funding.{tag}.amount", _money), 30),
                         Cell(a.pieces(f"funding.{tag}.sources", _sources_text), 86,
                              align=WD_ALIGN_PARAGRAPH.LEFT)]))
    return rows


def _count_pieces(a: _Answers, key, unit) -> list:
    """The count as "3 项" (then the marker); the unit is printed even without a number."""
    value = a.pieces(key, suffix=f" {unit}")
    return value if value != [""] else [f"    {unit}"]


def _innovation_rows(a: _Answers) -> list[Row]:
    def award(label, key):
        return [f"{label} "] + _count_pieces(a, key, "个")
    return [
        Row([Cell("技术创新*", LABEL_MM), Cell("创新成果", 24), Cell(_count_pieces(a, "innovation.results", "项"), 30),
             Cell("专利类别", 30), Cell("实用新型", 28), Cell(_count_pieces(a, "innovation.utility", "个"), 28)]),
        Row([Cell(below=True, width=LABEL_MM), Cell("成果转化", 24),
             Cell(_count_pieces(a, "innovation.applied", "项"), 30), Cell(below=True, width=30),
             Cell("发明", 28), Cell(_count_pieces(a, "innovation.invention", "个"), 28)]),
        Row([Cell(below=True, width=LABEL_MM), Cell("获奖等级", 24),
             Cell(award("国际", "innovation.award_intl"), 30), Cell(award("国家", "innovation.award_national"), 30),
             Cell(award("省部", "innovation.award_provincial"), 28), Cell(award("地市", "innovation.award_city"), 28)]),
    ]


def _benefit_rows(a: _Answers, years) -> list[Row]:
    rows = [Row([Cell("经济效益*\n（万元）", LABEL_MM),
                 *_cells(("年  度", 24), ("创收金额", 38), ("节资金额", 38), ("合计", 40))])]
    for tag, year in zip(("y1", "y2"), years):
        rows.append(Row([Cell(below=True, width=LABEL_MM), Cell(f"{year}年", 24),
                         Cell(a.pieces(f"benefit.{tag}.income", _money), 38),
                         Cell(a.pieces(f"benefit.{tag}.savings", _money), 38),
                         Cell(a.pieces(f"benefit.{tag}.total", _money), 40)]))
    return rows


TALENT_TOTAL_MM = 14


def _talent_width(label: str) -> float:
    """Two characters a line (「双重/职称」), three for 「高级工」 and 「省部级/劳模」."""
    return 17 if len(label) in (3, 5) else 12.5


def _talent_rows(a: _Answers) -> list[Row]:
    keys = [f"talent.grade{i}" for i in range(len(SKILL_GRADES))] + \
           [f"talent.honour{i}" for i in range(len(HONOURS))]
    widths = [_talent_width(label) for label in SKILL_GRADES + HONOURS]
    grades_mm = sum(widths[:len(SKILL_GRADES)])
    return [
        Row([Cell("培养\n人才*", LABEL_MM), Cell("总数", TALENT_TOTAL_MM),
             Cell("技 术 等 级", grades_mm), Cell("荣  誉", sum(widths) - grades_mm)]),
        Row([Cell(below=True, width=LABEL_MM), Cell(below=True, width=TALENT_TOTAL_MM),
             *_cells(*zip(SKILL_GRADES + HONOURS, widths))]),
        Row([Cell(below=True, width=LABEL_MM), Cell(a.pieces("talent.total"), TALENT_TOTAL_MM),
             *_cells(*zip((a.pieces(key) for key in keys), widths))]),
    ]


def _wide_row(label, content, *, height=0.0, align=WD_ALIGN_PARAGRAPH.LEFT) -> Row:
    return Row([Cell(label, LABEL_MM), Cell(content, TEXT_WIDTH_MM - LABEL_MM, align=align)], height)


def _heading_row(text) -> Row:
    return Row([Cell(text, TEXT_WIDTH_MM, bold=True)])


def _leader_rows(a: _Answers) -> list[Row]:
    def trio(*triples):
        cells = []
        # the last value column holds an 11-digit phone number even in a font with wide digits
        for (label, key), widths in zip(triples, ((LABEL_MM, 30), (24, 28), (24, 34))):
            cells += [Cell(label, widths[0]), Cell(a.pieces(key), widths[1])]
        return Row(cells)
    return [
        _heading_row("工作室领衔人情况"),
        trio(("姓名", "leader.name"), ("性别", "leader.gender"), ("出生年月", "leader.birth")),
        trio(("学历", "leader.education"), ("民族", "leader.ethnicity"), ("政治面貌", "leader.political")),
        trio(("专业/工种", "leader.profession"), ("技术职称", "leader.title"), ("联系电话", "leader.phone")),
        _wide_row("获奖年份及\n荣誉称号*", a.pieces("leader.honours", _honours_text)),
    ]


def _member_header() -> Row:
    return Row([Cell(header, width) for _, header, width in MEMBER_COLUMNS], header=True)


def _member_row(member: dict | None) -> Row:
    member = member or {}
    return Row([Cell(_bare(member.get(key)), width) for key, _, width in MEMBER_COLUMNS], height=0.75)


def _member_rows(members: list) -> list[Row]:
    """The heading, the header and exactly 14 rows (empty when fewer members); the heading and the header
    are repeated on the next page when the rows continue there."""
    shown = list(members[:MEMBER_ROWS]) + [None] * (MEMBER_ROWS - len(members[:MEMBER_ROWS]))
    heading = _heading_row("工作室骨干成员情况（可附表）")
    heading.header = True
    return [heading, _member_header(), *map(_member_row, shown)]


def _narrative_filler(text: str) -> Callable:
    def fill(cell):
        paragraphs = [p.strip() for p in (text or "").splitlines() if p.strip()] or [""]
        first = cell.paragraphs[0]
        for i, body in enumerate(paragraphs):
            paragraph = first if i == 0 else cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            paragraph.paragraph_format.first_line_indent = Pt(24)
            if body:
                _run(paragraph, body)
    return fill


def _opinion_filler(opinion: dict | None, *, signature: bool = True) -> Callable:
    """The opinion text, then 公章, 负责人签名 (not in the union federation's box) and the date.

    A given date is printed as 20250603 (说明8); without one the paper form's 年  月  日 blanks stay.
    """
    opinion = opinion or {}

    def fill(cell):
        text = opinion.get("opinion") or ""
        first = cell.paragraphs[0]
        first.alignment = WD_ALIGN_PARAGRAPH.LEFT
        lines = text.splitlines() or [""]
        for i, line in enumerate(lines):
            paragraph = first if i == 0 else cell.add_paragraph()
            if line:
                _run(paragraph, line)
        cell.add_paragraph()
        stamp = cell.add_paragraph()
        stamp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(stamp, "公章")
        dated = cell.add_paragraph()
        dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if signature:
            _run(dated, "负责人签名：" + (opinion.get("name") or "      ") + "    ")
        _run(dated, _bare(opinion.get("date")) or "    年  月  日")
    return fill


def _box_label(role: str, label: str, union_name: str) -> str:
    """The box's label in lines of at most five characters, e.g. 所在单位 / 技术部门 / 意见."""
    if role == "group":
        cut = union_name.find("工会")
        name = f"{union_name[:cut]}\n{union_name[cut:]}" if cut > 0 else union_name
        return f"{name}\n审批意见"
    rest = label.removeprefix("所在单位")
    lines = ["所在单位"] if rest != label else []
    lines += [rest[:-2], rest[-2:]] if len(rest) > 5 else [rest]
    return "\n".join(lines)


def _opinion_rows(opinions: dict, union_name: str) -> list[Row]:
    return [_wide_row(_box_label(role, label, union_name),
                      _opinion_filler(opinions.get(role), signature=role != "group"), height=3.5)
            for role, label in OPINION_BOXES]


def _main_rows(a: _Answers, year: int, opinions: dict, union_name: str) -> list[list[Row]]:
    """The big table in three parts printed as one: the core members' part is a table of its own, so
    its heading and header rows repeat on the page its rows continue on."""
    years = _years(year)
    return [[
        *_basics_rows(a),
        *_funding_rows(a, years),
        *_innovation_rows(a),
        *_benefit_rows(a, years),
        *_talent_rows(a),
        _wide_row("社会效益", a.pieces("social"), height=2.0),
        *_leader_rows(a),
    ], _member_rows(a.get("members", [])), [
        _wide_row("创新工作室\n业绩简介\n（不少于\n1000字）", _narrative_filler(a.get("narrative", "")), height=10.0),
        *_opinion_rows(opinions, union_name),
    ]]


# --- the pages --------------------------------------------------------------------------------

COVER_LINE_START_MM = 55       # where a cover line's value starts, from the left margin
COVER_LINE_END_MM = 150        # where the fill-in line ends


def _cover(doc, a: _Answers, org_name: str, union_name: str) -> None:
    """The title in 二号 and the fill-in lines of 附件1's cover, values written on the lines."""
    for _ in range(4):
        _paragraph(doc)
    for title in (f"{org_name}劳模（工匠人才）创新工作室", "申报审批表"):
        _paragraph(doc, title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=TITLE_SIZE)
    for _ in range(6):
        _paragraph(doc)
    for label, key in (("工作室名称", "cover.name"), ("所在单位", "cover.unit"),
                       ("单位类型", "cover.unit_type"), ("推荐单位", "cover.recommender")):
        _cover_line(doc, label, a.pieces(key))
    for _ in range(3):
        _paragraph(doc)
    filled = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(filled, "填报日期  ")
    _write_pieces(filled, a.pieces("cover.filled_on") if a.get("cover.filled_on") else ["    年  月  日"])
    _paragraph(doc, f"{union_name}办公室制", align=WD_ALIGN_PARAGRAPH.CENTER)


def _cover_line(doc, label: str, pieces: list) -> None:
    """「工作室名称」, then a line to fill in by hand: the value (if any) underlined up to its end."""
    paragraph = _paragraph(doc)
    paragraph_format = paragraph.paragraph_format
    paragraph_format.left_indent = Cm(1.5)
    paragraph_format.space_after = Pt(18)
    stops = paragraph_format.tab_stops
    stops.add_tab_stop(Mm(COVER_LINE_START_MM) - Cm(1.5), WD_TAB_ALIGNMENT.LEFT)
    stops.add_tab_stop(Mm(COVER_LINE_END_MM) - Cm(1.5), WD_TAB_ALIGNMENT.LEFT)
    _run(paragraph, label)
    _run(paragraph, "\t")
    _write_pieces(paragraph, pieces, underline=True)
    _run(paragraph, "\t", underline=True)


def _write_pieces(paragraph, pieces, *, underline=False) -> None:
    """The printed pieces (the override ``MARK`` prints nothing: 说明10)."""
    for piece in pieces:
        if piece is not MARK and piece:
            _run(paragraph, piece, underline=underline)


def _instructions(doc) -> None:
    _paragraph(doc, "填 表 说 明", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=HEADING_SIZE)
    _paragraph(doc)
    for number, text in enumerate(INSTRUCTIONS, 1):
        _paragraph(doc, f"{number}.{text}", indent=True)


def _attached_members(doc, members: list) -> None:
    if len(members) <= MEMBER_ROWS:
        return
    _paragraph(doc)
    _paragraph(doc, "附表：工作室骨干成员情况（续）", bold=True)
    _table(doc, [_member_header(), *map(_member_row, members[MEMBER_ROWS:])])


def _attached_talent(doc, talent: list) -> None:
    """填表说明 6: the detailed list of people trained."""
    if not talent:
        return
    _paragraph(doc)
    _paragraph(doc, "附表：培养人才明细", bold=True)
    rows = [Row(_cells(("姓名", 24), ("晋升情况", 71), ("荣誉情况", 71)), header=True)]
    for person in talent:
        rows.append(Row(_cells((_bare(person.get("name")), 24), (_bare(person.get("promotion")), 71),
                               (_bare(person.get("honour")), 71))))
    _table(doc, rows)


def render_application_docx(form, values: dict, *, year: int, org_name: str = "中国交建",
                            union_name: str = "中国交建工会联合会", opinions: dict | None = None,
                            overrides: set | frozenset = frozenset()) -> bytes:
    """The 附件1 申报审批表 as DOCX bytes.

    ``values`` are the answers (computed fields are added here); ``opinions`` maps a reviewer
    role (union / tech / party / group) to {"opinion", "name", "date": YYYYMMDD};
    ``overrides`` are keys the leader typed instead of the ledger statistics — the form prints
    them like any other value (说明10: no marks in the official cells; chat and JSON show them).
    """
    answers = _Answers(form, values, overrides)
    doc = _new_document()
    _cover(doc, answers, org_name, union_name)
    _page_break(doc)
    _instructions(doc)
    _page_break(doc)
    for n, rows in enumerate(_main_rows(answers, year, opinions or {}, union_name)):
        if n:
            _joint(doc)
        _table(doc, rows)
    _attached_members(doc, answers.get("members", []))
    _attached_talent(doc, answers.get("talent.list", []))
    return _to_bytes(doc)
