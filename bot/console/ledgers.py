"""The console's 台账: the four ledgers (activities, achievements, member development, funding) per
studio and per unit within the viewer's ledger scope (handlers/policy.py ``ledger_scope``), with
filters, paging, search and XLSX export; the held expenses waiting for the unit union (确认 / 不认可)
and the 专项科研经费 budgets waiting for approval (批准 / 不批准), decided by the chat's own services.

Also the small list helpers the console's 管理 and 审计 pages share (``url_with``, ``text_like``).
"""
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from flask import g, redirect, request
from sqlalchemy import Text, cast, extract, func, or_, select

from bot.console import access, export
from bot.console.paging import Page, page_of
from bot.console.render import render
from bot.errors import UserError
from handlers import policy
from handlers.ledgers import research_budget, schema
from handlers.policy import Do, Forbidden
from handlers.services import budgets, ledgers as ledger_service
from handlers.services.context import Context
from storage import ledgers as store
from storage.models import LedgerEntry, Studio, Unit
from storage.statuses import Hold

LEDGERS = ("activity", "achievement", "member", "funding")
NAMES = {"activity": "活动", "achievement": "成果", "member": "成员发展", "funding": "经费"}
EXPORT_LIMIT = 20000
PENDING_LIMIT = 200                                          # held expenses / budgets listed at most
HELD_TEXT = f'"hold": "{Hold.PENDING}"'                      # how the JSON column spells a held expense
BUDGET_TEXT = f'"budget_state": "{research_budget.PENDING}"'


# -- helpers shared by the console's lists (ledgers, manage, audit) ----------------------------------

def url_with(**changes):
    """The current page's URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value
    return request.path + ("?" + urlencode(args) if args else "")


def _like_escape(text):
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def text_like(column, text):
    """``column`` LIKE %text% (case as typed, %, _ literal)."""
    return column.like(f"%{_like_escape(text)}%", escape="!")


def json_like(column, text):
    """A JSON column containing ``text`` in one of its values: the stored JSON spells non-ASCII as
    \\uXXXX escapes, so the text is searched as stored and as typed."""
    escaped = json.dumps(text)[1:-1]
    stored = cast(column, Text)
    return or_(text_like(stored, escaped), text_like(stored, text))


def int_arg(name):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise UserError(f"参数「{name}」应为数字。")
    return int(value)


# -- reading -------------------------------------------------------------------------------------------

def _filters():
    ledger = request.args.get("ledger", "")
    if ledger and ledger not in LEDGERS:
        raise UserError("没有这种台账。")
    return {"ledger": ledger, "unit": int_arg("unit"), "studio": int_arg("studio"), "year": int_arg("year"),
            "q": request.args.get("q", "").strip()[:100], "view": request.args.get("view", "")}


def _check_reach(session, viewer, f):
    """A unit or studio asked for outside the viewer's ledger scope: 403, audited."""
    scope = policy.ledger_scope(viewer)
    if f["studio"] is not None:
        studio = session.get(Studio, f["studio"])
        if studio is None:
            raise UserError("没有找到这个工作室。")
        if not session.scalar(select(Studio.id).where(Studio.id == studio.id, scope)):
            raise Forbidden("您无权查看该工作室的台账。")
    if f["unit"] is not None:
        unit = session.get(Unit, f["unit"])
        if unit is None:
            raise UserError("没有找到这个单位。")
        if not policy.sees_all(viewer) and not (viewer.has("union") and viewer.unit_id == unit.id):
            raise Forbidden("您只能查看本单位工作室的台账。" if viewer.has("union") else "您只能查看本工作室的台账。")


def _studio_conditions(viewer, f):
    conditions = [policy.ledger_scope(viewer)]
    if f["unit"] is not None:
        conditions.append(Studio.unit_id == f["unit"])
    if f["studio"] is not None:
        conditions.append(Studio.id == f["studio"])
    return conditions


def _year_conditions(f):
    if f["year"] is None:
        return []
    return [LedgerEntry.entry_date >= date(f["year"], 1, 1), LedgerEntry.entry_date <= date(f["year"], 12, 31)]


def _entries_query(viewer, f):
    query = (select(LedgerEntry, Studio.name, Unit.name).join(Studio, Studio.id == LedgerEntry.studio_id)
             .outerjoin(Unit, Unit.id == Studio.unit_id)
             .where(LedgerEntry.deleted_at.is_(None), *_studio_conditions(viewer, f), *_year_conditions(f)))
    if f["ledger"]:
        query = query.where(LedgerEntry.ledger == f["ledger"])
    if f["q"]:
        q = f["q"]
        matches = [text_like(Studio.name, q), text_like(Unit.name, q), json_like(LedgerEntry.data, q)]
        if q.isdigit() and len(q) < 10:
            matches.append(LedgerEntry.id == int(q))
        query = query.where(or_(*matches))
    return query.order_by(LedgerEntry.entry_date.desc(), LedgerEntry.id.desc())


def _amount(data):
    try:
        return Decimal(str((data or {}).get("amount") or 0))
    except ArithmeticError:
        return Decimal(0)


def _status(ledger, data):
    if ledger == "funding":
        if data.get("hold") == Hold.PENDING:
            return "待单位工会确认"
        if data.get("project"):
            return f"列支立项 {data['project']} 专项经费"
        return "已确认" if data.get("hold") == Hold.CONFIRMED else ""
    if ledger == "achievement" and data.get("budget"):
        return "预算" + schema.BUDGET_STATES.get(data.get("budget_state"), "待审批")
    return ""


def _entry_row(entry, studio_name, unit_name, files):
    data = entry.data or {}
    amount = ""
    if entry.ledger == "funding":
        amount = ("" if data.get("direction") == "收入" else "-") + schema.wan_text(data.get("amount"))
    return {"id": entry.id, "unit": unit_name or "", "studio": studio_name, "studio_id": entry.studio_id,
            "ledger": NAMES[entry.ledger], "date": entry.entry_date.strftime("%Y-%m-%d"),
            "kind": data.get(schema.kind_key(entry.ledger)) or "", "what": schema.describe(entry.ledger, data),
            "amount": amount, "status": _status(entry.ledger, data), "files": files.get(entry.id, 0)}


ENTRY_HEADER = ["编号", "单位", "工作室", "台账", "日期", "类型", "内容", "金额（万元）", "状态", "附件数"]
ENTRY_KEYS = ["id", "unit", "studio", "ledger", "date", "kind", "what", "amount", "status", "files"]


def _summary_query(viewer, f):
    """Studios in scope (with unit names), searched by studio or unit name."""
    query = (select(Studio.id, Studio.name, Unit.id, Unit.name).outerjoin(Unit, Unit.id == Studio.unit_id)
             .where(*_studio_conditions(viewer, f)))
    if f["q"]:
        query = query.where(or_(text_like(Studio.name, f["q"]), text_like(Unit.name, f["q"])))
    return query.order_by(Unit.name, Studio.name)


def _figures(session, studio_ids, f):
    """{studio id: {activity, achievement, member: counts; income, expense, balance, held}} over live
    entries (of the year asked for); money as the balance counts it (storage/ledgers.py ``on_balance``)."""
    figures = defaultdict(lambda: {"activity": 0, "achievement": 0, "member": 0, "funding": 0,
                                   "income": Decimal(0), "expense": Decimal(0), "held": 0})
    if not studio_ids:
        return figures
    live = [LedgerEntry.studio_id.in_(list(studio_ids)), LedgerEntry.deleted_at.is_(None), *_year_conditions(f)]
    for studio_id, ledger, n in session.execute(select(LedgerEntry.studio_id, LedgerEntry.ledger, func.count())
                                                .where(*live).group_by(LedgerEntry.studio_id, LedgerEntry.ledger)):
        figures[studio_id][ledger] = n
    for studio_id, data in session.execute(select(LedgerEntry.studio_id, LedgerEntry.data)
                                           .where(*live, LedgerEntry.ledger == "funding")):
        row = figures[studio_id]
        if data.get("hold") == Hold.PENDING:
            row["held"] += 1
        if store.on_balance(data):
            row["income" if data.get("direction") == "收入" else "expense"] += _amount(data)
    return figures


def _summary_rows(session, rows, f, by_unit):
    figures = _figures(session, [r[0] for r in rows], f)
    out = []
    for studio_id, studio, unit_id, unit in rows:
        fig = figures[studio_id]
        out.append({"studio_id": studio_id, "studio": studio, "unit_id": unit_id, "unit": unit or "",
                    "activity": fig["activity"], "achievement": fig["achievement"], "member": fig["member"],
                    "income": fig["income"], "expense": fig["expense"], "balance": fig["income"] - fig["expense"],
                    "held": fig["held"], "studios": 1})
    if not by_unit:
        return _with_money(out)
    units = {}
    for row in out:
        total = units.setdefault(row["unit_id"], {**row, "studio": "", "studios": 0, "activity": 0,
                                                  "achievement": 0, "member": 0, "income": Decimal(0),
                                                  "expense": Decimal(0), "balance": Decimal(0), "held": 0})
        for key in ("studios", "activity", "achievement", "member", "income", "expense", "balance", "held"):
            total[key] += row[key]
    return _with_money(list(units.values()))


def _with_money(rows):
    for row in rows:
        row["money"] = [schema.wan_text(row[k]) for k in ("income", "expense", "balance")]
    return rows


SUMMARY_HEADER = ["单位", "工作室", "活动（次）", "成果（项）", "成员发展（条）", "收入（万元）", "支出（万元）",
                  "余额（万元）", "待确认支出"]
UNIT_HEADER = ["单位", "工作室数", "活动（次）", "成果（项）", "成员发展（条）", "收入（万元）", "支出（万元）",
               "余额（万元）", "待确认支出"]


def _summary_cells(row, by_unit):
    money = [float(row[k]) for k in ("income", "expense", "balance")]
    return [row["unit"], row["studios"] if by_unit else row["studio"], row["activity"], row["achievement"],
            row["member"], *money, row["held"]]


def _held(session, viewer):
    """Held expenses in the viewer's scope: (row dict, may decide)."""
    rows = session.execute(select(LedgerEntry, Studio.name, Studio.unit_id).join(Studio, Studio.id == LedgerEntry.studio_id)
                           .where(LedgerEntry.ledger == "funding", LedgerEntry.deleted_at.is_(None),
                                  policy.ledger_scope(viewer), text_like(cast(LedgerEntry.data, Text), HELD_TEXT))
                           .order_by(LedgerEntry.id).limit(PENDING_LIMIT)).all()
    may = policy.allowed(viewer, Do.FUNDING_CONFIRM)
    return [{"id": e.id, "studio": name, "date": e.entry_date.strftime("%Y-%m-%d"),
             "what": schema.describe("funding", e.data), "amount": schema.wan_text(e.data.get("amount")),
             "may": may and viewer.unit_id is not None and unit_id == viewer.unit_id}
            for e, name, unit_id in rows if (e.data or {}).get("hold") == Hold.PENDING]


def _budgets(session, viewer):
    """立项 budgets waiting for approval in the viewer's scope."""
    rows = session.execute(select(LedgerEntry, Studio.name, Studio.unit_id).join(Studio, Studio.id == LedgerEntry.studio_id)
                           .where(LedgerEntry.ledger == "achievement", LedgerEntry.deleted_at.is_(None),
                                  policy.ledger_scope(viewer), text_like(cast(LedgerEntry.data, Text), BUDGET_TEXT))
                           .order_by(LedgerEntry.id).limit(PENDING_LIMIT)).all()
    may = policy.allowed(viewer, Do.BUDGET_APPROVE)
    return [{"id": e.id, "studio": name, "title": e.data.get("title") or "", "budget": schema.wan_text(e.data.get("budget")),
             "plan": e.data.get("plan") or "", "target": e.data.get("target") or "",
             "may": may and viewer.unit_id is not None and unit_id == viewer.unit_id}
            for e, name, unit_id in rows
            if (e.data or {}).get("kind") == "立项" and e.data.get("budget_state") == research_budget.PENDING]


def _choices(session, viewer):
    units = session.execute(select(Unit.id, Unit.name).join(Studio, Studio.unit_id == Unit.id)
                            .where(policy.ledger_scope(viewer)).distinct().order_by(Unit.name)).all()
    year = extract("year", LedgerEntry.entry_date)
    years = sorted({int(y) for (y,) in session.execute(
        select(year).join(Studio, Studio.id == LedgerEntry.studio_id)
        .where(LedgerEntry.deleted_at.is_(None), policy.ledger_scope(viewer)).distinct()) if y}, reverse=True)
    return [tuple(u) for u in units], years


def _page_context(viewer, f, size):
    with g.bot.db.reading() as session:
        _check_reach(session, viewer, f)
        units, years = _choices(session, viewer)
        studio_name = session.scalar(select(Studio.name).where(Studio.id == f["studio"])) if f["studio"] else ""
        held, pending_budgets = _held(session, viewer), _budgets(session, viewer)
        if f["ledger"]:
            page = page_of(session, _entries_query(viewer, f), size)
            files = store.attachment_counts(session, [r[0].id for r in page.rows])
            rows = [_entry_row(e, s, u, files) for e, s, u in page.rows]
        else:
            by_unit = f["view"] == "units"
            query = _summary_query(viewer, f)
            if by_unit:                 # every studio in scope, summed by unit, then the page of units
                every = _summary_rows(session, session.execute(query).all(), f, True)
                page = _page_of_list(every, size)
                rows = page.rows
            else:
                page = page_of(session, query, size)
                rows = _summary_rows(session, page.rows, f, False)
    return dict(f=f, rows=rows, page=page, units=units, years=years, held=held, budgets=pending_budgets,
                names=NAMES, studio_name=studio_name, url_with=url_with, title="台账", **_may(viewer))


def _may(viewer):
    return {"may_confirm": policy.allowed(viewer, Do.FUNDING_CONFIRM),
            "may_approve": policy.allowed(viewer, Do.BUDGET_APPROVE)}


def _page_of_list(items, size):
    try:
        number = max(1, int(request.args.get("page", "1")))
    except ValueError:
        number = 1
    number = min(number, max(1, -(-len(items) // size)))
    return Page(items[(number - 1) * size:number * size], number, size, len(items))


def register(bp, bot):

    @bp.get("/ledgers")
    @access.page(Do.LEDGER_READ, "台账")
    def ledgers_page():
        viewer, f = g.viewer, _filters()
        if request.args.get("export"):
            return _export(viewer, f)
        context = _page_context(viewer, f, g.bot.config.console_page_size)
        return render("console/ledgers.html", block="list", **context)

    @bp.get("/ledgers/studio/<int:studio_id>")
    @access.page(Do.LEDGER_READ, "台账")
    def ledgers_of_studio(studio_id):
        return redirect(f"/console/ledgers?studio={studio_id}&ledger=" + (request.args.get("ledger") or "activity"))

    @bp.post("/ledgers/held/<int:entry_id>/<verdict>")
    @access.page(Do.FUNDING_CONFIRM, "经费确认")
    def held_decide(entry_id, verdict):
        if verdict not in ("confirm", "refuse"):
            raise UserError("没有这项操作。")
        reason = request.form.get("reason", "").strip()[:500]

        def run(ctx):
            if verdict == "confirm":
                ledger_service.confirm_held(ctx, entry_id)
                return f"已确认经费支出（编号 {entry_id}），已通知工作室。"
            ledger_service.refuse_held(ctx, entry_id, reason)
            return f"已不认可经费支出（编号 {entry_id}），该条已从经费台账删除，已通知工作室。"
        return _decide(run, "held")

    @bp.post("/ledgers/budget/<int:entry_id>/<verdict>")
    @access.page(Do.BUDGET_APPROVE, "审批专项科研经费预算")
    def budget_decide(entry_id, verdict):
        if verdict not in ("approve", "reject"):
            raise UserError("没有这项操作。")
        reason = request.form.get("reason", "").strip()[:500]

        def run(ctx):
            outcome = budgets.decide(ctx, entry_id, verdict == "approve", reason)
            word = "已批准" if outcome.what == "approved" else "未批准"
            return f"{word}立项（编号 {entry_id}）的专项科研经费预算，已通知工作室。"
        return _decide(run, "budgets")


def _decide(run, block):
    """Run a decision through its service; the section again (htmx) or the page, with what happened."""
    bot = g.bot
    flash, error = "", ""
    try:
        with bot.db.transaction() as session:
            flash = run(Context(session, g.viewer, bot.clock, bot.config))
    except Forbidden:
        raise
    except UserError as exc:
        error = str(exc)
    if not request.headers.get("HX-Request"):
        if error:
            raise UserError(error)
        return redirect("/console/ledgers")
    with bot.db.reading() as session:
        held, pending_budgets = _held(session, g.viewer), _budgets(session, g.viewer)
    return render("console/ledgers.html", block=block, held=held, budgets=pending_budgets, **_may(g.viewer),
                  error=error, held_flash=flash if block == "held" else "", held_error=error if block == "held" else "",
                  budget_flash=flash if block == "budgets" else "", budget_error=error if block == "budgets" else "")


def _export(viewer, f):
    with g.bot.db.reading() as session:
        _check_reach(session, viewer, f)
        if f["ledger"]:
            found = session.execute(_entries_query(viewer, f).limit(EXPORT_LIMIT)).all()
            files = store.attachment_counts(session, [r[0].id for r in found])
            rows = [[row[k] for k in ENTRY_KEYS] for row in (_entry_row(e, s, u, files) for e, s, u in found)]
            header, what = ENTRY_HEADER, NAMES[f["ledger"]] + "台账"
        else:
            by_unit = f["view"] == "units"
            found = session.execute(_summary_query(viewer, f).limit(EXPORT_LIMIT)).all()
            rows = [_summary_cells(r, by_unit) for r in _summary_rows(session, found, f, by_unit)]
            header, what = (UNIT_HEADER if by_unit else SUMMARY_HEADER), ("各单位台账汇总" if by_unit else "各工作室台账汇总")
    year = f"{f['year']}年" if f["year"] else "全部年度"
    caption = f"{what}（{year}{'，检索：' + f['q'] if f['q'] else ''}）"
    return export.xlsx(f"{what}_{year}.xlsx", what, header, rows, caption=caption, object_type="ledger",
                       object_id=f["ledger"] or "summary", studio_id=f["studio"], unit_id=f["unit"])
