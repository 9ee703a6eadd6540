"""Ledger exports: the four ledgers as an XLSX workbook, and as plain rows for the 附件2 draft.

Dates are written ``YYYYMMDD`` as text, money in 万元; deleted entries are left out.
"""
import io
from collections import Counter
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from handlers.ledgers import schema
from storage import ledgers

COLUMNS = {
    "activity": ["编号", "日期", "类型", "主题", "参加人数", "时长（小时）", "地点", "备注", "附件数"],
    "achievement": ["编号", "日期", "类型", "名称", "专利号", "获奖级别", "颁奖单位", "计划与目标", "目标日期",
                    "年度", "创收（万元）", "节资（万元）", "附件数"],
    "member": ["编号", "日期", "姓名", "类型", "情况", "备注", "附件数"],
    "funding": ["编号", "日期", "收支", "金额（万元）", "来源单位", "支出类别", "用途", "余额（万元）", "备注", "附件数"],
}


def _num(value):
    """A number for a cell: int when whole, else float (money and hours are stored as text)."""
    if value in (None, ""):
        return None
    d = Decimal(str(value))
    return int(d) if d == d.to_integral_value() else float(d)


def _rows(ledger, entries, files, opening=Decimal(0)):
    """Data rows and the totals rows of one ledger."""
    rows, totals = [], []
    if ledger == "activity":
        for e in entries:
            d = e.data
            rows.append([e.id, d.get("date"), d.get("kind"), d.get("topic"), d.get("participants"),
                         _num(d.get("hours")), d.get("place"), d.get("notes"), files.get(e.id, 0)])
        totals.append(["合计", "", f"{len(entries)} 次", "",
                       sum(int(e.data.get("participants") or 0) for e in entries),
                       _num(sum((Decimal(str(e.data.get("hours") or 0)) for e in entries), Decimal(0))),
                       "", "", ""])
    elif ledger == "achievement":
        for e in entries:
            d = e.data
            rows.append([e.id, d.get("date") or e.entry_date.strftime("%Y%m%d"), d.get("kind"), d.get("title"),
                         d.get("number"), d.get("level"), d.get("issuer"), d.get("plan"), d.get("target"),
                         d.get("year"), _num(d.get("income")), _num(d.get("savings")), files.get(e.id, 0)])
        kinds = Counter(e.data.get("kind") for e in entries)
        for kind in schema.KINDS["achievement"]:
            totals.append(["小计", "", kind, f"{kinds[kind]} 项"] + [""] * 9)
        income = sum((Decimal(str(e.data.get("income") or 0)) for e in entries), Decimal(0))
        savings = sum((Decimal(str(e.data.get("savings") or 0)) for e in entries), Decimal(0))
        totals.append(["合计", "", "", f"{len(entries)} 项"] + [""] * 6 + [_num(income), _num(savings), ""])
    elif ledger == "member":
        for e in entries:
            d = e.data
            rows.append([e.id, d.get("date"), d.get("name"), d.get("kind"), schema.member_detail(d),
                         d.get("notes"), files.get(e.id, 0)])
        kinds = Counter(e.data.get("kind") for e in entries)
        totals.append(["合计", "", f"{len(entries)} 条", "，".join(f"{k} {kinds[k]}" for k in schema.KINDS["member"]),
                       "", "", ""])
    else:
        running, income, expense = opening, Decimal(0), Decimal(0)
        if opening:
            rows.append(["期初余额", "", "", "", "", "", "", _num(opening), "", ""])
        for e in entries:
            d = e.data
            amount = Decimal(str(d.get("amount") or 0))
            if not ledgers.counted(d):
                note = "待单位工会确认，确认前不计入余额"
            elif not ledgers.on_balance(d):
                note = f"列支立项（编号 {d.get('project')}）专项科研经费，由所在单位科研经费列支，不计入工作室余额"
            else:
                if d.get("direction") == "收入":
                    income += amount
                else:
                    expense += amount
                running += ledgers.signed_amount(e)
                note = "超出当时余额" if d.get("over_balance") else d.get("notes")
            rows.append([e.id, d.get("date"), d.get("direction"), _num(amount), d.get("unit"), d.get("category"),
                         d.get("purpose"), _num(running), note, files.get(e.id, 0)])
        totals += [["收入合计", "", "", _num(income)] + [""] * 6,
                   ["支出合计", "", "", _num(expense)] + [""] * 6,
                   ["余额", "", "", _num(running)] + [""] * 6]
    return rows, totals


def render_ledgers_xlsx(session, studio, year=None):
    """The studio's four ledgers (optionally one calendar year) as an XLSX workbook."""
    book = Workbook()
    book.remove(book.active)
    years = [year] if year else None
    for ledger, title in schema.TITLES.items():
        entries = ledgers.entries(session, studio.id, ledger, years=years)
        files = ledgers.attachment_counts(session, [e.id for e in entries])
        opening = Decimal(0)
        if ledger == "funding" and year:
            opening = ledgers.balance(session, studio.id, until=date(year - 1, 12, 31))
        rows, totals = _rows(ledger, entries, files, opening)
        sheet = book.create_sheet(title)
        sheet.append(COLUMNS[ledger])
        for row in rows + totals:
            sheet.append(["" if v is None else v for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
            row[0].number_format = "@"            # dates stay text: 20240312
        for row in sheet.iter_rows(min_row=2 + len(rows)):
            for cell in row:
                cell.font = Font(bold=True)
        for i, name in enumerate(COLUMNS[ledger], 1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = max(10, len(name) * 2 + 2)
        sheet.freeze_panes = "A2"
    book.properties.title = f"{studio.name} 台账" + (f"（{year} 年）" if year else "")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ledgers_for_materials(session, studio_id, years):
    """The ledgers of ``years`` as plain rows for the 附件2 materials draft."""
    pick = lambda ledger: ledgers.entries(session, studio_id, ledger, years=list(years))   # noqa: E731
    result = {"activities": [], "achievements": [], "members": [], "funding": []}
    for e in pick("activity"):
        d = e.data
        result["activities"].append({"date": d.get("date"), "kind": d.get("kind"), "topic": d.get("topic"),
                                     "participants": d.get("participants"), "hours": d.get("hours"),
                                     "place": d.get("place") or "", "notes": d.get("notes") or ""})
    for e in pick("achievement"):
        d = e.data
        amount = ""
        if d.get("kind") == "经济效益":
            amount = schema.wan_text(Decimal(str(d.get("income") or 0)) + Decimal(str(d.get("savings") or 0)))
        result["achievements"].append({"kind": d.get("kind"), "title": d.get("title"),
                                       "date": d.get("date") or e.entry_date.strftime("%Y%m%d"),
                                       "level": d.get("level") or "", "number": d.get("number") or "",
                                       "amount": amount})
    for e in pick("member"):
        d = e.data
        result["members"].append({"date": d.get("date"), "name": d.get("name"), "kind": d.get("kind"),
                                  "detail": schema.member_detail(d)})
    for e in pick("funding"):
        d = e.data
        result["funding"].append({"date": d.get("date"), "direction": d.get("direction"), "amount": d.get("amount"),
                                  "unit": d.get("unit") or "", "category": d.get("category") or "",
                                  "purpose": d.get("purpose") or "", "notes": d.get("notes") or "",
                                  "hold": d.get("hold") or ""})        # counted by storage.ledgers.counted
    return result
