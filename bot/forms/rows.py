"""Reading a repeating group's rows from text: one row in a line, or a table pasted from Excel/WPS.

Pure functions: they split text into cells in the group's field order and parse each cell with
its field, returning what was understood and what was not; the walker decides what to say.
"""
import re
from dataclasses import dataclass, field as dc_field

from bot.errors import InvalidInput
from bot.forms.parsers import to_halfwidth

_CELL_SEPARATORS = re.compile(r"[\s,，、;；|｜]+")
# 2019年全国五一劳动奖章: a year glued to its title; a year alone (２０２１年, 2021年度) is no title
_GLUED_YEAR = re.compile(r"^((?:19|20)\d{2})\s*年?\s*度?\s*[:：]?\s*([^\d\s年度:：].*)$")
_SERIAL = re.compile(r"^(?:第)?\d{1,3}[.、)）]?$")


@dataclass
class ParsedRow:
    cells: list                     # the text of each field's cell, in field order ("" when absent)
    data: dict = dc_field(default_factory=dict)      # field key -> parsed value
    errors: dict = dc_field(default_factory=dict)    # field key -> InvalidInput

    def complete(self, group):
        return not self.errors and all(f.key in self.data for f in group.fields)


def lines_of(text):
    """The non-empty lines of a message."""
    return [line for line in (text or "").replace("\r", "\n").split("\n") if line.strip()]


def split_cells(line, group):
    """A line's cells in field order: tab-separated (from a spreadsheet) or by spaces/commas/、."""
    n = len(group.fields)
    if "\t" in line:
        cells = [c.strip() for c in line.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
    else:
        cells = [c for c in _CELL_SEPARATORS.split(line.strip()) if c]
    if len(cells) == n + 1 and _SERIAL.match(to_halfwidth(cells[0])):
        cells = cells[1:]                    # a 序号 column copied along with the table
    if len(cells) < n and cells and group.fields[0].kind == "year":
        glued = _GLUED_YEAR.match(to_halfwidth(cells[0]))
        if glued:                            # 2019年全国五一劳动奖章
            cells = [glued.group(1), cells[0][len(cells[0]) - len(glued.group(2)):]] + cells[1:]
    if len(cells) > n and group.fields[-1].kind in ("text", "longtext"):
        cells = cells[:n - 1] + [" ".join(cells[n - 1:])]     # spaces inside the last, free-text cell
    return cells


def is_header(cells, group):
    """A header row copied from the table (姓名 性别 出生年月 …)."""
    labels = {f.label for f in group.fields} | {"序号", "编号"}
    hits = sum(1 for c in cells if c in labels)
    return hits >= max(2, len(cells) // 2)


def parse_row(cells, group, answers, today=None):
    """Each cell parsed by its field; too many cells is an error on the whole row (key "")."""
    row = ParsedRow(cells=list(cells))
    if len(cells) > len(group.fields):
        row.errors[""] = InvalidInput(f"多了 {len(cells) - len(group.fields)} 项：每{group.unit}应为 "
                                      + " ".join(f.label for f in group.fields) + "。")
        return row
    for field, cell in zip(group.fields, cells):
        if not cell.strip():
            continue
        try:
            row.data[field.key] = field.parse(cell, answers, today)
        except InvalidInput as exc:
            row.errors[field.key] = exc
    return row


def parse_table(text, group, answers, today=None):
    """Every line of a pasted block as a ParsedRow; a header line is left out."""
    rows = []
    for n, line in enumerate(lines_of(text)):
        cells = split_cells(line, group)
        if n == 0 and is_header(cells, group):
            continue
        rows.append(parse_row(cells, group, answers, today))
    return rows


def summary(group, data, sep="，"):
    return sep.join(f.display(data[f.key]) for f in group.fields if data.get(f.key) not in (None, ""))
