"""The console's 上报表: the upward sheets as XLSX from stored data (handlers/services/sheets.py):
申报汇总表, 公示名单 and 命名名单 of a year, and the 推荐表 of the named studios the office selects
for the province or 全总. Each download is audited by the service (``document.sheet``)."""
from flask import g, request
from sqlalchemy import select

from bot.console import access, export
from bot.console.render import render
from bot.errors import UserError
from handlers.policy import Do
from handlers.services import sheets
from handlers.services.context import Context
from storage.models import Studio
from storage.statuses import StudioStatus

YEARS_BACK = 8
SHEETS = {"summary": sheets.summary, "publicity": sheets.publicity_list, "named": sheets.named_list}


def _ctx(session):
    return Context(session, g.viewer, g.bot.clock, g.bot.config)


def _year():
    value = request.args.get("year", "").strip()
    if not value:
        return g.bot.clock.today().year
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise UserError("年度请写成四位数字，例如 2026。")
    return int(value)


def register(bp, bot):

    @bp.get("/sheets")
    @access.page(Do.SHEETS, "上报表")
    def sheets_page():
        year = _year()
        q = request.args.get("q", "").strip()[:50]
        with bot.db.reading() as session:
            query = select(Studio).where(Studio.status == StudioStatus.NAMED)
            if q:
                query = query.where(Studio.name.contains(q))
            studios = [(s.id, s.name, s.unit.name if s.unit else "", s.named_on)
                       for s in session.scalars(query.order_by(Studio.named_on.desc(), Studio.name))]
        this_year = bot.clock.today().year
        return render("console/sheets.html", title="上报表", year=year, q=q, studios=studios,
                      years=list(range(this_year, this_year - YEARS_BACK, -1)), targets=sheets.TARGETS,
                      columns={"summary": sheets.SUMMARY_HEADER, "publicity": sheets.PUBLICITY_HEADER,
                               "named": sheets.NAMED_HEADER, "recommend": sheets.RECOMMEND_HEADER})

    @bp.get("/sheets/<kind>.xlsx")
    @access.page(Do.SHEETS, "上报表")
    def sheets_download(kind):
        if kind not in SHEETS:
            raise UserError("没有这张上报表。")
        year = _year()
        with bot.db.transaction() as session:
            outcome = SHEETS[kind](_ctx(session), year)
            data, name = outcome["data"], outcome["name"]
        return export.download(data, name, export.XLSX)

    @bp.get("/sheets/recommendation.xlsx")
    @access.page(Do.SHEETS, "推荐表")
    def sheets_recommendation():
        ids = request.args.getlist("studio")
        if not all(i.isascii() and i.isdigit() and len(i) <= 9 for i in ids):
            raise UserError("所选工作室有误，请刷新后重新选择。")
        with bot.db.transaction() as session:
            outcome = sheets.recommendation(_ctx(session), ids, request.args.get("target", sheets.TARGETS[0]))
            data, name = outcome["data"], outcome["name"]
        return export.download(data, name, export.XLSX)
