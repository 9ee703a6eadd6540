"""The console's 统计: each figure of handlers/services/statistics.py as an ECharts chart (the option
dict built in Python, passed as JSON in a ``<script type="application/json">`` element and drawn as
SVG by static/charts.js, so it prints) with its table beside it and an XLSX export of the table.
Applications and namings by unit and year, 七有 pass rates by standard, achievements by kind, level
and year, talents by grade and honour, funding by source and purpose with the held and refused items."""
from flask import g, request

from bot.console import access, export
from bot.console.render import render
from bot.errors import UserError
from handlers.application.current import application_year
from handlers.policy import Do
from handlers.services import statistics
from handlers.services.context import Context

SECTIONS = (   # (key, heading)
    ("applications", "申报和命名（按单位和年度）"),
    ("seven", "七有达标率（按标准）"),
    ("achievements", "创新成果（按类型、级别和年度）"),
    ("talents", "培养人才（按技术等级和荣誉）"),
    ("funding", "经费（按来源和用途，含待确认和驳回）"),
)
HEADINGS = dict(SECTIONS)
YEARS_BACK = 8


def _current(bot):
    """The application year the cycle is in (after the deadline, the next one), as the board shows it."""
    return application_year(bot.config, bot.clock.today())


def _year():
    """The year asked for (``?year=``): a year, or None for 历年 (``all``); default this year."""
    value = request.args.get("year", "").strip()
    if value == "all":
        return None
    if not value:
        return _current(g.bot)
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise UserError("年度请写成四位数字，例如 2026。")
    return int(value)


def _figures(session, key, year):
    """The service's Outcome (tables and chart options) of section ``key``."""
    ctx = Context(session, g.viewer, g.bot.clock, g.bot.config)
    this_year = _current(g.bot)
    if key == "applications":
        return statistics.applications(ctx, year)
    if key == "seven":
        return statistics.seven_rates(ctx, year or this_year)
    if key == "achievements":
        return statistics.achievements(ctx, [year] if year else None)
    if key == "talents":
        return statistics.talents(ctx, [year] if year else None)
    if key == "funding":
        return statistics.funding(ctx, year)
    raise UserError("没有这项统计。")


def register(bp, bot):

    @bp.get("/statistics")
    @access.page(Do.STATISTICS, "统计")
    def statistics_page():
        year = _year()
        sections = []
        with bot.db.reading() as session:
            for key, heading in SECTIONS:
                found = _figures(session, key, year)
                pairs = [{"id": f"chart-{key}-{n}", "option": option, "table": table, "n": n}
                         for n, (option, table) in enumerate(zip(found["charts"], found["tables"]))]
                sections.append({"key": key, "heading": heading, "pairs": pairs})
        this_year = _current(bot)
        return render("console/statistics.html", title="统计", sections=sections, year=year,
                      years=list(range(this_year, this_year - YEARS_BACK, -1)),
                      seven_year=year or this_year)

    @bp.get("/statistics/<key>.xlsx")
    @access.page(Do.STATISTICS, "统计")
    def statistics_export(key):
        if key not in HEADINGS:
            raise UserError("没有这项统计。")
        year = _year()
        try:
            n = int(request.args.get("table", "0"))
        except ValueError:
            n = 0
        with bot.db.reading() as session:
            tables = _figures(session, key, year)["tables"]
        if not 0 <= n < len(tables):
            raise UserError("没有这张统计表。")
        table = tables[n]
        label = f"{year}年度" if year else "历年"
        return export.xlsx(f"{label}{table['title']}.xlsx", table["title"][:31], table["header"], table["rows"],
                           caption=f"{table['title']}（{label}）", object_type="statistics", object_id=key)
