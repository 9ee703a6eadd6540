"""Documents: the 附件1 申报审批表 as DOCX and JSON, and the 附件2 materials draft.

* ``render_application_docx`` prints the application form in the official layout of 附件1:
  cover page, 填表说明, then the one big table (and attached tables for core members beyond the
  printed 14 rows and for the detailed talent list). Every run is FangSong (仿宋) 小四 (12 pt),
  dates are printed ``20180420``, months ``198603``, money as bare 万元 numbers.
* ``application_json`` gives the same answers keyed by the official labels, derived from the
  schema's blocks (per-year blocks nested by year).
* ``render_materials_docx`` drafts the 附件2 outline from the application values and, when
  given, the studio's ledgers; sections without data say "（请补充）".

The organisation's names are parameters (configuration), never constants in the text.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from bot.forms.schema import Group
from handlers.application_schema import HONOURS, OPINION_BOXES, SKILL_GRADES, STUDIO_TYPES

FONT = "仿宋"
FONT_SIZE = Pt(12)                  # 小四
OVERRIDE_MARK = "（人工填写）"
MEMBER_ROWS = 14                    # rows of the printed core-member table
TO_FILL = "（请补充）"
TEXT_WIDTH_MM = 166                 # A4 (210 mm) minus 22 mm margins on each side
LABEL_MM = 24                       # the first (label) column of the main table

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
    ("name", "姓名", 24), ("gender", "性别", 14), ("birth", "出生\n年月", 20),
    ("education", "学历", 26), ("title", "技术职称", 26), ("department", "所在部门", 28),
    ("role", "主要分工", 28),
)


# --- fonts and paragraphs ----------------------------------------------------------------

def _apply_font(font, rpr) -> None:
    """FangSong 12 pt for Latin and East-Asian text alike."""
    font.name = FONT
    font.size = FONT_SIZE
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), FONT)


def _run(paragraph, text: str, *, bold: bool = False, underline: bool = False):
    run = paragraph.add_run(text)
    _apply_font(run.font, run._element.get_or_add_rPr())
    run.bold = bold or None
    run.underline = underline or None
    return run


def _paragraph(container, text: str = "", *, bold: bool = False,
               align=WD_ALIGN_PARAGRAPH.LEFT, indent: bool = False):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)
    if text:
        _run(paragraph, text, bold=bold)
    return paragraph


def _page_break(doc) -> None:
    _run(doc.add_paragraph(), "").add_break(WD_BREAK.PAGE)


def _new_document():
    """An A4 document whose Normal style is FangSong 12 pt with single spacing."""
    doc = Document()
    normal = doc.styles["Normal"]
    _apply_font(normal.font, normal.element.get_or_add_rPr())
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = section.bottom_margin = Mm(25)
    return doc


def _to_bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- values as printed ---------------------------------------------------------------------

def _bare(value) -> str:
    """A normalised value as printed on the form: no units, missing → empty."""
    return "" if value is None else str(value)


def _money(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)


def _sources_text(sources) -> str:
    """单位A 3万元；单位B 2万元 (the amount only where one was given)."""
    parts = []
    for source in sources or []:
        amount = _money(source.get("amount"))
        parts.append(f"{source.get('unit', '')} {amount}万元" if amount else source.get("unit", ""))
    return "；".join(parts)


def _cn_date(value) -> str:
    """20250603 → 2025年6月3日 (empty when missing)."""
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", _bare(value))
    return f"{m[1]}年{int(m[2])}月{int(m[3])}日" if m else _bare(value)


def _years(year: int) -> tuple[int, int]:
    """The last two calendar years before the application year."""
    return year - 2, year - 1


MARK = object()     # a piece of cell content standing for the override marker


class _Answers:
    """The completed values, with the leader's overrides, as printable pieces."""

    def __init__(self, form, values: dict, overrides=frozenset()):
        self.values = form.complete_values(values or {})
        self.overrides = set(overrides or ())

    def get(self, key, default=None):
        value = self.values.get(key)
        return default if value is None else value

    def pieces(self, key, fmt: Callable = _bare, suffix: str = "") -> list:
        """The value (with a unit suffix when present), then the marker if overridden."""
        text = fmt(self.values.get(key))
        if not text:
            return [""]
        return [text + suffix] + ([MARK] if key in self.overrides else [])


# --- tables built from rows of (content, width) cells ---------------------------------------

@dataclass
class Cell:
    content: object = ""        # str, list of pieces (str / MARK), or fn(docx cell)
    width: int = 0              # millimetres
    bold: bool = False
    align: object = WD_ALIGN_PARAGRAPH.CENTER
    below: bool = False         # merged with the cell above (vertical merge)


@dataclass
class Row:
    cells: list
    height: float = 0.0         # minimum height in cm (0: automatic)


def _cells(*specs, **kw) -> list:
    """Cells from (content, width) pairs sharing keyword options."""
    return [Cell(content, width, **kw) for content, width in specs]


def _edges(rows) -> list[int]:
    """Every column edge used by any row: the table grid is their union."""
    edges = {0}
    for row in rows:
        position = 0
        for cell in row.cells:
            position += cell.width
            edges.add(position)
    return sorted(edges)


def _write(cell, content, *, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER) -> None:
    """Write str or pieces into a docx cell; "\n" starts a new paragraph."""
    if callable(content):
        content(cell)
        return
    pieces = [content] if isinstance(content, str) else list(content)
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    for piece in pieces:
        if piece is MARK:
            _run(paragraph, OVERRIDE_MARK)
            continue
        for i, line in enumerate(piece.split("\n")):
            if i:
                paragraph = cell.add_paragraph()
                paragraph.alignment = align
            if line:
                _run(paragraph, line, bold=bold)


def _table(doc, rows: list[Row]):
    """A bordered table whose cells span the grid columns their widths cover."""
    edges = _edges(rows)
    table = doc.add_table(rows=len(rows), cols=len(edges) - 1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, column in enumerate(table.columns):
        width = Mm(edges[i + 1] - edges[i])
        column.width = width
        for cell in column.cells:
            cell.width = width
    placed = []                                     # (row, first col, last col, Cell)
    for r, row in enumerate(rows):
        if row.height:
            table.rows[r].height = Cm(row.height)
            table.rows[r].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        start = 0
        for spec in row.cells:
            first, last = edges.index(start), edges.index(start + spec.width) - 1
            merged = table.cell(r, first).merge(table.cell(r, last)) if last > first else table.cell(r, first)
            merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if not spec.below:
                _write(merged, spec.content, bold=spec.bold, align=spec.align)
            placed.append((r, first, last, spec))
            start += spec.width
    _merge_down(table, placed)
    return table


def _merge_down(table, placed) -> None:
    """Merge each ``below`` cell into the cell above it (same columns)."""
    top = {}
    for r, first, last, spec in placed:
        if spec.below and (first, last) in top:
            table.cell(top[(first, last)], first).merge(table.cell(r, last))
        else:
            top[(first, last)] = r


# --- the main table, block by block ------------------------------------------------------

def _pair_row(label1, value1, label2, value2) -> Row:
    return Row([Cell(label1, LABEL_MM), Cell(value1, 54), Cell(label2, 30), Cell(value2, 58)])


def _basics_rows(a: _Answers) -> list[Row]:
    return [
        _pair_row("工作室名称", a.pieces("cover.name"), "创建日期", a.pieces("basics.created_on")),
        _pair_row("所在单位", a.pieces("cover.unit"), "命名单位*", a.pieces("basics.named_by")),
        _pair_row("专业领域", a.pieces("basics.field"), "命名日期", a.pieces("basics.named_on")),
        _pair_row("工作室类型", _type_boxes(a.get("basics.type")), "成员总数/\n场所面积", _size_pieces(a)),
    ]


def _type_boxes(chosen) -> str:
    """□技术攻关     □技能传授 / □窗口服务     □其他, the chosen one ☑."""
    boxes = [("☑" if kind == chosen else "□") + kind for kind in STUDIO_TYPES]
    return "\n".join("   ".join(boxes[i:i + 2]) for i in range(0, len(boxes), 2))


def _size_pieces(a: _Answers) -> list:
    """15人/25㎡ (each part with its own override marker)."""
    members = a.pieces("basics.members", suffix="人")
    area = a.pieces("basics.area", suffix="㎡")
    if members == [""] and area == [""]:
        return [""]
    return members + ["/"] + area


def _funding_rows(a: _Answers, years) -> list[Row]:
    rows = [Row([Cell("经费投入\n（万元）", LABEL_MM), *_cells(("年  度", 24), ("投入金额", 30), ("经费来源", 88))])]
    for tag, year in zip(("y1", "y2"), years):
        rows.append(Row([Cell(below=True, width=LABEL_MM), Cell(f"{year}年", 24),
                         Cell(a.pieces(f"funding.{tag}.amount", _money), 30),
                         Cell(a.pieces(f"funding.{tag}.sources", _sources_text), 88,
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
             Cell("专利类别", 30), Cell("实用新型", 28), Cell(_count_pieces(a, "innovation.utility", "个"), 30)]),
        Row([Cell(below=True, width=LABEL_MM), Cell("成果转化", 24),
             Cell(_count_pieces(a, "innovation.applied", "项"), 30), Cell(below=True, width=30),
             Cell("发明", 28), Cell(_count_pieces(a, "innovation.invention", "个"), 30)]),
        Row([Cell(below=True, width=LABEL_MM), Cell("获奖等级", 24),
             Cell(award("国际", "innovation.award_intl"), 30), Cell(award("国家", "innovation.award_national"), 30),
             Cell(award("省部", "innovation.award_provincial"), 28), Cell(award("地市", "innovation.award_city"), 30)]),
    ]


def _benefit_rows(a: _Answers, years) -> list[Row]:
    rows = [Row([Cell("经济效益*\n（万元）", LABEL_MM),
                 *_cells(("年  度", 24), ("创收金额", 38), ("节资金额", 38), ("合计", 42))])]
    for tag, year in zip(("y1", "y2"), years):
        rows.append(Row([Cell(below=True, width=LABEL_MM), Cell(f"{year}年", 24),
                         Cell(a.pieces(f"benefit.{tag}.income", _money), 38),
                         Cell(a.pieces(f"benefit.{tag}.savings", _money), 38),
                         Cell(a.pieces(f"benefit.{tag}.total", _money), 42)]))
    return rows


TALENT_MM = 14      # width of each 技术等级 / 荣誉 column


def _talent_rows(a: _Answers) -> list[Row]:
    keys = [f"talent.grade{i}" for i in range(len(SKILL_GRADES))] + \
           [f"talent.honour{i}" for i in range(len(HONOURS))]
    return [
        Row([Cell("培养\n人才*", LABEL_MM), Cell("总数", 16),
             Cell("技 术 等 级", TALENT_MM * len(SKILL_GRADES)), Cell("荣  誉", TALENT_MM * len(HONOURS))]),
        Row([Cell(below=True, width=LABEL_MM), Cell(below=True, width=16),
             *_cells(*((label, TALENT_MM) for label in SKILL_GRADES + HONOURS))]),
        Row([Cell(below=True, width=LABEL_MM), Cell(a.pieces("talent.total"), 16),
             *_cells(*((a.pieces(key), TALENT_MM) for key in keys))]),
    ]


def _wide_row(label, content, *, height=0.0, align=WD_ALIGN_PARAGRAPH.LEFT) -> Row:
    return Row([Cell(label, LABEL_MM), Cell(content, TEXT_WIDTH_MM - LABEL_MM, align=align)], height)


def _heading_row(text) -> Row:
    return Row([Cell(text, TEXT_WIDTH_MM, bold=True)])


def _honours_text(honours) -> str:
    """2019年 全国五一劳动奖章；2021年 …"""
    return "；".join(f"{h.get('year', '')}年 {h.get('title', '')}" for h in honours or [])


def _leader_rows(a: _Answers) -> list[Row]:
    def trio(*triples):
        cells = []
        for (label, key), widths in zip(triples, ((LABEL_MM, 30), (24, 30), (28, 30))):
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
    return Row([Cell(header, width) for _, header, width in MEMBER_COLUMNS])


def _member_row(member: dict | None) -> Row:
    member = member or {}
    return Row([Cell(_bare(member.get(key)), width) for key, _, width in MEMBER_COLUMNS], height=0.75)


def _member_rows(members: list) -> list[Row]:
    """The heading, the header and exactly 14 rows (empty when fewer members)."""
    shown = list(members[:MEMBER_ROWS]) + [None] * (MEMBER_ROWS - len(members[:MEMBER_ROWS]))
    return [_heading_row("工作室骨干成员情况（可附表）"), _member_header(), *map(_member_row, shown)]


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


def _opinion_filler(opinion: dict | None) -> Callable:
    """The opinion text, then 公章, 负责人签名 and the date (blank lines for the paper form)."""
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
        signature = cell.add_paragraph()
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(signature, "负责人签名：" + (opinion.get("name") or "      "))
        _run(signature, "    " + (_cn_date(opinion.get("date")) or "    年  月  日"))
    return fill


def _opinion_rows(opinions: dict, union_name: str) -> list[Row]:
    rows = []
    for role, label in OPINION_BOXES:
        label = label.replace("集团工会联合会", union_name)
        rows.append(_wide_row(label, _opinion_filler(opinions.get(role)), height=3.5))
    return rows


def _main_rows(a: _Answers, year: int, opinions: dict, union_name: str) -> list[Row]:
    years = _years(year)
    return [
        *_basics_rows(a),
        *_funding_rows(a, years),
        *_innovation_rows(a),
        *_benefit_rows(a, years),
        *_talent_rows(a),
        _wide_row("社会效益", a.pieces("social"), height=2.0),
        *_leader_rows(a),
        *_member_rows(a.get("members", [])),
        _wide_row("创新工作室\n业绩简介\n（不少于\n1000字）", _narrative_filler(a.get("narrative", "")), height=10.0),
        *_opinion_rows(opinions, union_name),
    ]


# --- the pages --------------------------------------------------------------------------------

def _cover(doc, a: _Answers, org_name: str, union_name: str) -> None:
    for _ in range(4):
        _paragraph(doc)
    _paragraph(doc, f"{org_name}劳模（工匠人才）创新工作室", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "申报审批表", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for _ in range(6):
        _paragraph(doc)
    for label, key in (("工作室名称", "cover.name"), ("所在单位", "cover.unit"),
                       ("单位类型", "cover.unit_type"), ("推荐单位", "cover.recommender")):
        paragraph = _paragraph(doc)
        paragraph.paragraph_format.left_indent = Cm(2)
        paragraph.paragraph_format.space_after = Pt(12)
        _run(paragraph, f"{label}：")
        _write_pieces(paragraph, a.pieces(key), underline=True)
    for _ in range(4):
        _paragraph(doc)
    filled = _paragraph(doc, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(filled, "填报日期：")
    _write_pieces(filled, a.pieces("cover.filled_on") if a.get("cover.filled_on") else ["    年  月  日"])
    _paragraph(doc, f"{union_name}办公室制", align=WD_ALIGN_PARAGRAPH.CENTER)


def _write_pieces(paragraph, pieces, *, underline=False) -> None:
    for piece in pieces:
        if piece is MARK:
            _run(paragraph, OVERRIDE_MARK)
        elif piece:
            _run(paragraph, piece, underline=underline)


def _instructions(doc) -> None:
    _paragraph(doc, "填 表 说 明", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
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
    rows = [Row(_cells(("姓名", 24), ("晋升情况", 71), ("荣誉情况", 71)))]
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
    ``overrides`` are keys the leader typed instead of the ledger statistics — their values
    get a "（人工填写）" marker.
    """
    answers = _Answers(form, values, overrides)
    doc = _new_document()
    _cover(doc, answers, org_name, union_name)
    _page_break(doc)
    _instructions(doc)
    _page_break(doc)
    _table(doc, _main_rows(answers, year, opinions or {}, union_name))
    _attached_members(doc, answers.get("members", []))
    _attached_talent(doc, answers.get("talent.list", []))
    return _to_bytes(doc)


# --- JSON keyed by the official labels ----------------------------------------------------

FLAT_BLOCKS = ("封面", "基本情况")                       # their fields go to the top level
YEAR_BLOCK = re.compile(r"^(?P<name>.+)（(?P<year>\d{4})年）$")   # 经费投入（2023年）
SUBGROUPS = {"培养人才": {"技术等级": SKILL_GRADES, "荣誉": HONOURS}}   # block → sub-heading → labels


def _json_value(item, value):
    if isinstance(item, Group):
        return [{sub.label: _json_value(sub, row.get(sub.key)) for sub in item.fields} for row in value or []]
    if item.kind == "sources":
        return [{"单位": s.get("unit"), "金额": s.get("amount")} for s in value or []]
    return value


def _blocks(form) -> list[tuple[str, list]]:
    """The form's items grouped by block, in form order."""
    blocks: dict[str, list] = {}
    for item in form.items:
        blocks.setdefault(item.block, []).append(item)
    return list(blocks.items())


def _block_entries(block: str, items: list, values: dict) -> dict:
    """{label: value}; a label starting with the block's name loses it (培养人才明细 → 明细)."""
    entries: dict = {}
    for item in items:
        label = item.label[len(block):] if item.label.startswith(block) and item.label != block else item.label
        value = _json_value(item, values.get(item.key))
        heading = next((h for h, labels in SUBGROUPS.get(block, {}).items() if label in labels), None)
        (entries.setdefault(heading, {}) if heading else entries)[label] = value
    return entries


def _put(target: dict, key: str, value) -> None:
    if key in target:
        raise ValueError(f"application_json: label {key!r} appears twice at the same level")
    target[key] = value


def application_json(form, values: dict) -> dict:
    """Every field keyed by its official label; per-year blocks nested by year."""
    values = form.complete_values(values or {})
    result: dict = {}
    for block, items in _blocks(form):
        entries = _block_entries(block, items, values)
        per_year = YEAR_BLOCK.match(block)
        if block in FLAT_BLOCKS:
            for label, value in entries.items():
                _put(result, label, value)
        elif per_year:
            _put(result.setdefault(per_year["name"], {}), per_year["year"], entries)
        elif len(items) == 1:
            _put(result, block, next(iter(entries.values())))
        else:
            _put(result, block, entries)
    return result


# --- 附件2: the materials draft ------------------------------------------------------------

def _in_years(entries, years) -> list:
    """Ledger entries dated (YYYYMMDD) within the given calendar years, oldest first."""
    wanted = {str(y) for y in years}
    chosen = [e for e in entries or [] if str(e.get("date", ""))[:4] in wanted]
    return sorted(chosen, key=lambda e: str(e.get("date")))


# the ledgers' kind names (handlers/ledger_schema.py) for the outline's short ones
KIND_NAMES = {"培训": ("培训", "技能培训"), "成果": ("成果", "创新成果"),
              "实用新型": ("实用新型", "实用新型专利"), "发明": ("发明", "发明专利")}


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


def _heading(doc, text) -> None:
    _paragraph(doc, text, bold=True)


def _body(doc, text: str) -> None:
    _paragraph(doc, text or TO_FILL, indent=True)


def _join(parts) -> str:
    """A sentence from the parts that have data (missing parts are falsy and dropped)."""
    return "".join(p for p in parts if p)


def _basics_text(a: _Answers) -> list[str]:
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
    excerpt = _excerpt(a.get("narrative", ""))
    field = a.get("basics.field") and _join([
        f"工作室重点研究、攻关的专业领域为{a.get('basics.field')}",
        a.get("basics.type") and f"，工作室类型为{a.get('basics.type')}", "。"])
    venue = a.get("basics.area") and (f"工作室有固定活动场所{a.get('basics.area')}平方米，"
                                      f"用于学习研讨、创新实践和成果荣誉展示；配套设备设施：{TO_FILL}")
    return [background + excerpt, field, venue]


def _excerpt(text: str, limit: int = 200) -> str:
    text = re.sub(r"\s+", "", text or "")
    return (text[:limit] + "……") if len(text) > limit else text


def _funding_text(a: _Answers, years, ledger: list) -> str:
    parts = []
    for tag, year in zip(("y1", "y2"), years):
        amount = _money(a.get(f"funding.{tag}.amount"))
        if amount:
            sources = _sources_text(a.get(f"funding.{tag}.sources"))
            parts.append(f"{year}年投入经费{amount}万元" + (f"（{sources}）" if sources else ""))
    text = "；".join(parts) + ("。" if parts else "")
    entries = _in_years(ledger, years)
    received = [e for e in entries if not _is_expense(e)]
    if received:
        units = "、".join(dict.fromkeys(str(e.get("unit") or e.get("source")) for e in received
                                        if e.get("unit") or e.get("source")))
        text += (f"近两年经费到账{len(received)}笔，共{_fmt(_sum(received, 'amount'))}万元"
                 + (f"，来源于{units}" if units else "") + "。")
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
    awards = [f"{label}级{a.get(key)}个" for key, label in
              (("innovation.award_intl", "国际"), ("innovation.award_national", "国家"),
               ("innovation.award_provincial", "省部"), ("innovation.award_city", "地市"))] \
        if any(a.get(k) for k in ("innovation.award_intl", "innovation.award_national",
                                  "innovation.award_provincial", "innovation.award_city")) else []
    if awards:
        parts.append("获奖" + "、".join(awards))
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
        parts.append(f"（{entry['level']}）")
    if entry.get("number"):
        parts.append(f"，编号{entry['number']}")
    if entry.get("date"):
        parts.append(f"，{_cn_date(entry['date'])}")
    return "".join(parts)


def _innovation_text(a: _Answers, achievements: list) -> str:
    parts = [_innovation_counts(a) and f"近两年来，工作室{_innovation_counts(a)}。"]
    if achievements:
        kinds = Counter(e.get("kind") for e in achievements)
        parts.append("台账记录：" + "，".join(
            f"{label}{kinds[kind]}{unit}" for kind, label, unit in
            (("立项", "立项课题", "项"), ("成果", "创新成果", "项"), ("实用新型", "实用新型专利", "个"),
             ("发明", "发明专利", "个"), ("获奖", "获奖", "项"), ("成果转化", "成果转化", "项"))
            if kinds[kind]) + "。")
        for kind, label in (("实用新型", "实用新型专利"), ("发明", "发明专利"), ("获奖", "获奖"),
                            ("成果转化", "成果转化")):
            entries = _of_kind(achievements, kind)
            if entries:
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
                          ledgers: dict | None = None) -> bytes:
    """A draft of the 附件2 申报材料 following its outline; gaps say （请补充）."""
    a = _Answers(form, values)
    ledgers = ledgers or {}
    years = _years(year)
    activities = _in_years(ledgers.get("activities"), years)
    achievements = _in_years(ledgers.get("achievements"), years)
    member_log = _in_years(ledgers.get("members"), years)
    members = a.get("members", [])

    doc = _new_document()
    _paragraph(doc, f"{org_name}劳模（工匠人才）创新工作室", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, f"{a.get('cover.name', '')}申报材料", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc)

    _heading(doc, "一、基本情况")
    for text in _basics_text(a):
        _body(doc, text)
    _body(doc, _funding_text(a, years, ledgers.get("funding")))
    _body(doc, _people_text(a, year))
    _member_table(doc, members)
    _body(doc, _results_text(a))

    _heading(doc, "二、近两年来活动开展情况")
    _heading(doc, "（一）制度建立情况")
    _body(doc, "")
    _heading(doc, "（二）日常运作情况")
    _body(doc, _operation_text(a, activities, _of_kind(achievements, "立项")))
    _heading(doc, "（三）分工协作情况")
    _body(doc, _division_text(members))

    _heading(doc, "三、近两年来工作室活动成效")
    _heading(doc, "（一）创新成果情况")
    _body(doc, _innovation_text(a, achievements))
    _heading(doc, "（二）技能人才培养情况")
    _body(doc, _training_text(a, activities, member_log))
    _heading(doc, "（三）取得效益情况")
    _body(doc, _benefit_text(a, years, achievements))
    _heading(doc, "（四）开展技术交流协作情况")
    _body(doc, _exchange_text(activities))
    return _to_bytes(doc)
