"""The upward sheets, XLSX from stored data only: 申报汇总表, 公示名单, 命名名单 and the 推荐表 of studios
proposed to the province or 全总. Each export is audited (``document.sheet``)."""
from decimal import Decimal

from sqlalchemy import select

from bot.errors import UserError
from bot.forms.parsers import format_wan
from handlers import policy
from handlers.application import seven
from handlers.application.schema import application_form
from handlers.application.seven_record import check as seven_check
from handlers.office import library, rows as office_rows, xlsx
from handlers.policy import Do
from handlers.review.steps import STATUS, status_text
from handlers.services import assessment
from handlers.services.context import Outcome
from handlers.services.publicity import HEADER as PUBLICITY_HEADER, entries_of
from storage import applications as answers_store, ledgers
from storage.models import Application, Studio
from storage.office import Certificate
from storage.statuses import AppStatus

SUMMARY_HEADER = ("序号", "单位", "工作室名称", "领衔人", "专业领域", "类型", "成员数", "七有", "得分", "排名", "状态")
NAMED_HEADER = PUBLICITY_HEADER + ("证书编号", "命名日期")
RECOMMEND_HEADER = ("序号", "工作室名称", "所在单位", "领衔人", "专业领域", "命名日期", "主要成果", "经济效益（万元）")
TARGETS = ("省总工会", "全国总工会")
MAIN_RESULTS = 5
HIGH_KINDS = ("获奖", "发明专利", "创新成果", "实用新型专利", "成果转化")


def _done(ctx, name, sheet, rows, caption):
    data = xlsx.workbook([(sheet, rows[0], rows[1], caption)])
    ctx.audit("document.sheet", object_type="sheet", detail=name)
    return Outcome("sheet", {"name": name, "data": data, "rows": rows[1]})


def summary(ctx, year):
    """申报汇总表 of ``year``: every application submitted (or later), by unit."""
    policy.require(ctx.actor, Do.SHEETS, "申报汇总表")
    session = ctx.session
    apps = session.scalars(select(Application).join(Studio, Studio.id == Application.studio_id)
                           .where(Application.year == year, Application.status.not_in((AppStatus.DRAFT,
                                                                                       AppStatus.WITHDRAWN)))
                           .order_by(Studio.unit_id, Studio.name)).all()
    round_ = assessment.round_of(session, year)
    standing = {s.app_id: s for s, _ in assessment.standings(session, round_)} if round_ else {}
    rows = []
    for n, app in enumerate(apps, 1):
        row = office_rows.studio_row(session, app)
        values = application_form(app.year).complete_values(answers_store.load_answers(session, app.id))
        haves = seven_check(session, app, values, ctx.config)
        s = standing.get(app.id)
        score = str(s.average) if s is not None and s.average is not None else ""
        rank = (f"{s.rank}（并列）" if s.tied_with else s.rank) if s is not None and s.rank else ""
        rows.append((n, row.unit, row.name, row.leader, row.field, row.type, row.members, seven.summary(haves),
                     score, rank, status_text(session, app) if app.status != AppStatus.NAMED else STATUS[app.status]))
    return _done(ctx, f"{year}年度申报汇总表.xlsx", "申报汇总表", (SUMMARY_HEADER, rows), f"{year} 年度创新工作室申报汇总表")


def publicity_list(ctx, year):
    """公示名单 of ``year``: every studio listed (not taken off), in the order published."""
    policy.require(ctx.actor, Do.SHEETS, "公示名单")
    entries = entries_of(ctx.session, year, "listed")
    rows = [(n, r.name, r.unit, r.leader, r.field) for n, r in
            enumerate((office_rows.studio_row(ctx.session, e.application) for e in entries), 1)]
    return _done(ctx, f"{year}年度公示名单.xlsx", "公示名单", (PUBLICITY_HEADER, rows), f"{year} 年度拟命名名单")


def named_list(ctx, year):
    """命名名单 of ``year``: the studios named, with 证书编号 and 命名日期 (a void certificate says so)."""
    policy.require(ctx.actor, Do.SHEETS, "命名名单")
    session = ctx.session
    apps = session.scalars(select(Application).where(Application.year == year, Application.status == AppStatus.NAMED)
                           .order_by(Application.id)).all()
    certs = {c.application_id: c for c in session.scalars(select(Certificate).where(Certificate.year == year))}
    apps.sort(key=lambda a: (certs[a.id].sequence if a.id in certs else 10 ** 6, a.id))
    rows = []
    for n, app in enumerate(apps, 1):
        row, cert = office_rows.studio_row(session, app), certs.get(app.id)
        number = "" if cert is None else cert.number + ("（已作废）" if cert.status == "void" else "")
        named_on = app.studio.named_on if app.studio.named_on and app.studio.named_on.year == year else \
            (cert.named_on if cert else None)
        rows.append((n, row.name, row.unit, row.leader, row.field, number, named_on.strftime("%Y%m%d") if named_on else ""))
    return _done(ctx, f"{year}年度命名名单.xlsx", "命名名单", (NAMED_HEADER, rows), f"{year} 年度命名名单")


def main_results(session, studio_id, today):
    """The studio's main results (awards, patents, recognised results …, newest first) and its
    economic benefit (万元) over the two years before this one, from its ledgers."""
    found = library.rows(session, Studio.id == studio_id)
    ranked = sorted((r for r in found if r.kind in HIGH_KINDS),
                    key=lambda r: (HIGH_KINDS.index(r.kind), -int(r.date[:8] or 0)))
    results = "；".join(f"{r.title}（{r.kind}{'·' + r.level if r.level else ''}，{r.date[:4]}）"
                       for r in ranked[:MAIN_RESULTS])
    this_year = today.year
    benefit = Decimal(0)
    for entry in ledgers.entries(session, studio_id, "achievement"):
        data = entry.data or {}
        if data.get("kind") == "经济效益" and int(data.get("year") or entry.entry_date.year) in (this_year - 2, this_year - 1):
            benefit += Decimal(str(data.get("income") or 0)) + Decimal(str(data.get("savings") or 0))
    return results, benefit


def recommendation(ctx, studio_ids, target=TARGETS[0]):
    """The 推荐表 of studios proposed to the province (省总工会) or 全总, with 主要成果 and 经济效益."""
    policy.require(ctx.actor, Do.SHEETS, "推荐表")
    if target not in TARGETS:
        raise UserError(f"推荐对象只能是：{'、'.join(TARGETS)}。")
    session = ctx.session
    studios = session.scalars(select(Studio).where(Studio.id.in_([int(i) for i in studio_ids]))).all()
    if not studios:
        raise UserError("请选择要推荐的工作室。")
    by_id = {s.id: s for s in studios}
    rows = []
    for n, studio_id in enumerate(i for i in map(int, studio_ids) if i in by_id):
        studio = by_id[studio_id]
        app = session.scalar(select(Application).where(Application.studio_id == studio.id)
                             .order_by(Application.year.desc()).limit(1))
        row = office_rows.studio_row(session, app) if app else None
        results, benefit = main_results(session, studio.id, ctx.clock.today())
        rows.append((n + 1, studio.name, studio.unit.name if studio.unit else "", row.leader if row else "",
                     row.field if row else "", studio.named_on.strftime("%Y%m%d") if studio.named_on else "",
                     results, format_wan(benefit)))
    return _done(ctx, f"推荐{target}创新工作室名单.xlsx", "推荐表", (RECOMMEND_HEADER, rows),
                 f"推荐{target}劳模（工匠人才）创新工作室名单")
