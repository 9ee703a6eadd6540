"""Low-level python-docx helpers: FangSong 小四 runs and paragraphs, the A4 page, and bordered grid tables.

Every run is FangSong (仿宋), 小四 (12 pt) unless a title asks for a larger size. Tables are built
from rows of (content, width) cells: the table grid is the union of every row's column edges, so a
cell spans the columns its width covers; cell content is a str, a list of pieces (str or ``MARK``)
or a function filling the docx cell itself. ``MARK`` (a value the leader typed over the ledger
statistics) is not printed: 说明10 of the form forbids changing its format, so that mark is
shown in chat and JSON only.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import pairwise

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.simpletypes import ST_Merge
from docx.shared import Cm, Mm, Pt, Twips
from docx.table import _Cell, _Row

FONT = "仿宋"
FONT_SIZE = Pt(12)                  # 小四
TEXT_WIDTH_MM = 166                 # A4 (210 mm) minus 22 mm margins on each side

MARK = object()     # a piece of cell content standing for the override marker (not printed)


# --- fonts and paragraphs ----------------------------------------------------------------

def _apply_font(font, rpr, size=FONT_SIZE) -> None:
    """FangSong (12 pt unless told) for Latin and East-Asian text alike."""
    font.name = FONT
    font.size = size
    rfonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), FONT)


def _run(paragraph, text: str, *, bold: bool = False, underline: bool = False, size=FONT_SIZE):
    run = paragraph.add_run(text)
    _apply_font(run.font, run._element.get_or_add_rPr(), size)
    run.bold = bold or None
    run.underline = underline or None
    return run


def _paragraph(container, text: str = "", *, bold: bool = False,
               align=WD_ALIGN_PARAGRAPH.LEFT, indent: bool = False, size=FONT_SIZE):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(24)
    if text:
        _run(paragraph, text, bold=bold, size=size)
    return paragraph


def _joint(doc) -> None:
    """A hairline paragraph between two tables printed as one (so each keeps its own header rows)."""
    paragraph = doc.add_paragraph()
    paragraph_format = paragraph.paragraph_format
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Pt(1)


def _page_break(doc) -> None:
    _run(doc.add_paragraph(), "").add_break(WD_BREAK.PAGE)


def _new_document():
    """An A4 document whose Normal style is FangSong 12 pt with single spacing, its East-Asian text
    marked Simplified Chinese (zh-CN: a glyph outside 仿宋 is taken from an SC face, not a Japanese one)."""
    doc = Document()
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(f'{qn("w:rPrDefault")}/{qn("w:rPr")}/{qn("w:lang")}')
    lang.set(qn("w:eastAsia"), "zh-CN")
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


# --- tables built from rows of (content, width) cells ---------------------------------------

@dataclass
class Cell:
    content: object = ""        # str, list of pieces (str / MARK), or fn(docx cell)
    width: float = 0            # millimetres (whole or half: edges must add up exactly)
    bold: bool = False
    align: object = WD_ALIGN_PARAGRAPH.CENTER
    below: bool = False         # merged with the cell above (vertical merge)


@dataclass
class Row:
    cells: list
    height: float = 0.0         # minimum height in cm (0: automatic)
    header: bool = False        # repeated at the top of each page the table continues on (the table's first rows)


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
    """Write str or pieces into a docx cell; "\n" starts a new paragraph; ``MARK`` prints nothing."""
    if callable(content):
        content(cell)
        return
    pieces = [content] if isinstance(content, str) else list(content)
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    for piece in pieces:
        if piece is MARK:
            continue
        for i, line in enumerate(piece.split("\n")):
            if i:
                paragraph = cell.add_paragraph()
                paragraph.alignment = align
            if line:
                _run(paragraph, line, bold=bold)


def _table(doc, rows: list[Row]):
    """A bordered table whose cells span the grid columns their widths cover.

    The XML is built row by row, one ``w:tc`` per Cell (``gridSpan`` for the columns it covers,
    ``vMerge`` for ``below`` cells): python-docx's ``Table.cell()`` re-walks the whole grid on
    every call, which made a form of a few hundred cells take seconds.
    """
    edges = _edges(rows)
    table = doc.add_table(rows=0, cols=len(edges) - 1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    column_twips = [Mm(right - left).twips for left, right in pairwise(edges)]
    for grid_col, twips in zip(table._tbl.tblGrid.gridCol_lst, column_twips):
        grid_col.w = Twips(twips)
    column_at = {edge: i for i, edge in enumerate(edges)}
    top = {}                                        # (first, last) -> the tc a ``below`` cell merges into
    for spec_row in rows:
        tr = table._tbl.add_tr()
        if spec_row.header:
            properties = tr.get_or_add_trPr()
            properties.append(OxmlElement("w:tblHeader"))
            properties.append(OxmlElement("w:cantSplit"))
        if spec_row.height:
            row = _Row(tr, table)
            row.height = Cm(spec_row.height)
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        start = 0
        for spec in spec_row.cells:
            first, last = column_at[start], column_at[start + spec.width] - 1
            tc = tr.add_tc()
            tc.width = Twips(sum(column_twips[first:last + 1]))
            tc.grid_span = last - first + 1
            cell = _Cell(tc, table)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            if spec.below and (first, last) in top:
                top[(first, last)].vMerge = ST_Merge.RESTART
                tc.vMerge = ST_Merge.CONTINUE
            else:
                top[(first, last)] = tc
                if not spec.below:
                    _write(cell, spec.content, bold=spec.bold, align=spec.align)
            start += spec.width
    return table
