"""The office's statistics, each a table and an ECharts option (handlers/office/charts.py) for the
console to render: applications and namings by unit and year; 七有 verdicts by standard; achievements
by kind, level and year; talents trained by grade and honour; funding by source and by purpose,
with held and refused items. Read within the actor's reach (a unit union: its unit); the figures
come from the same readers as the ledgers and the 成果库 (one path for a figure).
"""
from collections import Counter, OrderedDict
from decimal import Decimal

from sqlalchemy import select

from bot.forms.parsers import format_wan
from handlers import policy
from handlers.application import seven
from handlers.application.schema import HONOURS, SKILL_GRADES, application_form
from handlers.application.seven_record import check as seven_check
from handlers.ledgers import schema
from handlers.ledgers.statistics import is_grant_data
from handlers.office import charts, library
from handlers.policy import Do
from handlers.services.context import Outcome
from storage import applications as answers_store, ledgers
from storage.models import Application, AuditEntry, LedgerEntry, Studio, Unit
from storage.statuses import AppStatus

APPLIED = (AppStatus.SUBMITTED, AppStatus.RETURNED, AppStatus.APPROVED, AppStatus.REJECTED, AppStatus.NAMED)
REFUSED_DETAIL = "单位工会驳回"


def _start(ctx, what):
    policy.require(ctx.actor, Do.STATISTICS, what)
    return policy.studio_scope(ctx.actor)


def _result(tables, charts_):
    return Outcome("statistics", {"tables": tables, "charts": charts_})


def applications(ctx, year=None):
    """申报 and 命名 by unit and year (the chart: by unit, for ``year`` or every year)."""
    scope = _start(ctx, "统计")
    found = ctx.session.execute(select(Application.year, Application.status, Unit.name)
                                .join(Studio, Studio.id == Application.studio_id)
                                .outerjoin(Unit, Unit.id == Studio.unit_id)
                                .where(scope, Application.status.in_(APPLIED))).all()
    counts = OrderedDict()
    for app_year, status, unit in sorted(found, key=lambda r: (r[2] or "", r[0])):
        row = counts.setdefault((unit or "未注明单位", app_year), [0, 0])
        row[0] += 1
        row[1] += status == AppStatus.NAMED
    rows = [(unit, y, a, n) for (unit, y), (a, n) in counts.items()]
    table = charts.table("各单位申报和命名情况", ("单位", "年度", "申报数", "命名数"), rows)
    chosen = [r for r in rows if year is None or r[1] == year]
    units = sorted({r[0] for r in chosen})
    by_unit = {u: [sum(r[2] for r in chosen if r[0] == u), sum(r[3] for r in chosen if r[0] == u)] for u in units}
    label = f"{year} 年度" if year else "历年"
    option = charts.bar(f"{label}各单位申报和命名", units,
                        [("申报", [by_unit[u][0] for u in units]), ("命名", [by_unit[u][1] for u in units])], unit="家")
    return _result([table], [option])


def seven_rates(ctx, year):
    """The 七有 verdicts of ``year``'s applications (submitted or later), by standard: ✓ / ✗ / 待核实."""
    scope = _start(ctx, "统计")
    apps = ctx.session.scalars(select(Application).join(Studio, Studio.id == Application.studio_id)
                               .where(scope, Application.year == year, Application.status.in_(APPLIED))
                               .order_by(Application.id)).all()
    counts = OrderedDict((name, Counter()) for name in seven.RULES)
    for app in apps:
        values = application_form(app.year).complete_values(answers_store.load_answers(ctx.session, app.id))
        for have in seven_check(ctx.session, app, values, ctx.config):
            counts[have.name][have.status] += 1
    rows = []
    for name, c in counts.items():
        total = sum(c.values())
        rate = f"{Decimal(100 * c[seven.MET]) / total:.1f}%" if total else "—"
        rows.append((name, c[seven.MET], c[seven.NOT_MET], c[seven.UNKNOWN], rate))
    table = charts.table(f"{year} 年度申报七有达标情况（{len(apps)} 份）", ("标准", "✓ 达标", "✗ 未达标", "待核实", "达标率"),
                         rows)
    option = charts.bar(f"{year} 年度七有达标情况", list(counts),
                        [(label, [c[status] for c in counts.values()])
                         for status, label in ((seven.MET, "✓ 达标"), (seven.NOT_MET, "✗ 未达标"), (seven.UNKNOWN, "待核实"))],
                        stacked=True, unit="份")
    return _result([table], [option])


def achievements(ctx, years=None):
    """Achievements by kind and year, and by level (awards and 技术认定), from the 成果库's reader."""
    policy.require(ctx.actor, Do.STATISTICS, "统计")
    found = [r for r in library.rows(ctx.session, policy.ledger_scope(ctx.actor)) if not years or r.year in years]
    kinds = list(schema.KINDS["achievement"])
    all_years = sorted({r.year for r in found})
    by = Counter((r.year, r.kind) for r in found)
    rows = [(y, *[by[(y, k)] for k in kinds], sum(by[(y, k)] for k in kinds)) for y in all_years]
    table = charts.table("创新成果（按类型和年度）", ("年度", *kinds, "合计"), rows)
    levels = Counter((r.year, r.kind, r.level) for r in found if r.level)
    level_rows = [(y, k, lv, n) for (y, k, lv), n in sorted(levels.items())]
    level_table = charts.table("获奖和技术认定（按级别）", ("年度", "类型", "级别", "数量"), level_rows)
    option = charts.bar("创新成果（按类型和年度）", all_years,
                        [(k, [by[(y, k)] for y in all_years]) for k in kinds], stacked=True, unit="项")
    level_names = sorted({lv for _, _, lv in levels})
    level_option = charts.bar("获奖和技术认定（按级别）", level_names,
                              [(str(y), [sum(n for (yy, _, lv), n in levels.items() if yy == y and lv == name)
                                         for name in level_names]) for y in all_years], unit="项")
    return _result([table, level_table], [option, level_option])


def _entries(ctx, ledger):
    scope = policy.ledger_scope(ctx.actor)
    return ctx.session.execute(select(LedgerEntry, Studio).join(Studio, Studio.id == LedgerEntry.studio_id)
                               .where(scope, LedgerEntry.ledger == ledger, LedgerEntry.deleted_at.is_(None))
                               .order_by(LedgerEntry.entry_date, LedgerEntry.id)).all()


def talents(ctx, years=None):
    """Talents trained: promotions by skill grade and honours by level, per year (member ledger)."""
    policy.require(ctx.actor, Do.STATISTICS, "统计")
    found = [(e, s) for e, s in _entries(ctx, "member") if not years or e.entry_date.year in years]
    grades = Counter((e.entry_date.year, e.data.get("grade")) for e, _ in found if e.data.get("kind") == "晋升")
    honours = Counter((e.entry_date.year, e.data.get("level")) for e, _ in found if e.data.get("kind") == "荣誉")
    all_years = sorted({y for y, _ in grades} | {y for y, _ in honours})
    rows = [(y, "技术等级", g, grades[(y, g)]) for y in all_years for g in SKILL_GRADES if grades[(y, g)]]
    rows += [(y, "荣誉", h, honours[(y, h)]) for y in all_years for h in HONOURS if honours[(y, h)]]
    table = charts.table("培养人才（按技术等级和荣誉）", ("年度", "类别", "等级或荣誉", "人次"), rows)
    names = list(SKILL_GRADES) + list(HONOURS)
    option = charts.bar("培养人才（按技术等级和荣誉）", names,
                        [(str(y), [grades[(y, n)] + honours[(y, n)] for n in names]) for y in all_years], unit="人次")
    return _result([table], [option])


def funding(ctx, year=None):
    """Funding by source (income) and by purpose (expense), with the held and the refused expenses."""
    policy.require(ctx.actor, Do.STATISTICS, "统计")
    found = [(e, s) for e, s in _entries(ctx, "funding") if year is None or e.entry_date.year == year]
    sources, purposes = OrderedDict(), OrderedDict((c, Decimal(0)) for c in schema.CATEGORIES)
    held, held_sum = 0, Decimal(0)
    for entry, _ in found:
        data = entry.data or {}
        amount = Decimal(str(data.get("amount") or 0))
        if data.get("direction") == "收入":
            name = ctx.config.union_name + "（命名补助）" if is_grant_data(data) else (data.get("unit") or "未注明来源")
            sources[name] = sources.get(name, Decimal(0)) + amount
        elif not ledgers.counted(data):
            held, held_sum = held + 1, held_sum + amount
        else:
            category = data.get("category") or "未分类"
            purposes[category] = purposes.get(category, Decimal(0)) + amount
    refused = _refused(ctx, year)
    refused_sum = sum((Decimal(str((r.before or {}).get("amount") or 0)) for r in refused), Decimal(0))
    source_table = charts.table("经费来源", ("来源", "金额（万元）"), [(k, format_wan(v)) for k, v in sources.items()])
    purpose_rows = [(k, format_wan(v)) for k, v in purposes.items()]
    purpose_rows += [("待单位工会确认（不计入）", f"{format_wan(held_sum)}（{held} 笔）"),
                     ("单位工会驳回（已删除）", f"{format_wan(refused_sum)}（{len(refused)} 笔）")]
    purpose_table = charts.table("经费用途", ("用途", "金额（万元）"), purpose_rows)
    label = f"{year} 年" if year else "历年"
    return _result([source_table, purpose_table],
                   [charts.pie(f"{label}经费来源", [(k, float(v)) for k, v in sources.items()], unit="万元"),
                    charts.pie(f"{label}经费用途", [(k, float(v)) for k, v in purposes.items() if v]
                               + ([("待确认", float(held_sum))] if held_sum else []), unit="万元")])


def _refused(ctx, year):
    """The unit unions' refusals of held expenses (the deleted entries' audit rows) within reach."""
    scope = policy.ledger_scope(ctx.actor)
    studio_ids = select(Studio.id).where(scope)
    rows = ctx.session.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.delete",
                                                        AuditEntry.key == "funding",
                                                        AuditEntry.detail.startswith(REFUSED_DETAIL),
                                                        AuditEntry.studio_id.in_(studio_ids))).all()
    return [r for r in rows if year is None or str((r.before or {}).get("date", ""))[:4] == str(year)]
