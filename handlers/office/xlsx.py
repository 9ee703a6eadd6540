"""XLSX tables for the office (openpyxl): a title, a header row, data rows; every text cell that
begins with = + - @ (or a tab / carriage return) is written as text, never as a formula."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def cell_value(value):
    """What goes into a cell: numbers as numbers; text as text, a leading formula character kept
    literal (the cell is typed string, and Excel shows it as typed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return value
    return str(value)


def _put(sheet, row, column, value):
    cell = sheet.cell(row=row, column=column)
    value = cell_value(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.value = value
        cell.data_type = "s"                # openpyxl would otherwise store "=…" as a formula
        cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def add_sheet(book, title, header, rows, *, caption="", widths=None):
    sheet = book.create_sheet(title=title[:31])
    row = 1
    if caption:
        _put(sheet, 1, 1, caption).font = Font(bold=True, size=14)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(header)))
        row = 2
    for column, name in enumerate(header, 1):
        cell = _put(sheet, row, column, name)
        cell.font, cell.border = Font(bold=True), BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in rows:
        row += 1
        for column, value in enumerate(values, 1):
            cell = _put(sheet, row, column, value)
            cell.border = BOX
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for column, name in enumerate(header, 1):
        width = (widths or {}).get(name) or max(8, min(40, 2 * max([len(str(name))] + [
            len(str(cell_value(r[column - 1]))) for r in rows if column - 1 < len(r)])))
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=(2 if caption else 1) + 1, column=1)
    return sheet


def workbook(sheets):
    """XLSX bytes of [(title, header, rows, caption)]."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows, caption in sheets:
        add_sheet(book, title, header, rows, caption=caption)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
