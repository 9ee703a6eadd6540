"""The console's 考核验收 (/console/assessment): the year's round and its 百分制 rubric, the experts and
their assignments, the results (averages, spread, ranking, ties, quota) and closing the round, for the
group union; an expert's own score sheets, scored item by item (usable on a phone).

Every change calls handlers/services/assessment.py (the chat's functions, with their refusals and
audit rows); a refusal is shown as the service words it. Also the small helpers the office pages
(publicity, certificates) share: the year chosen, the service context, running an action.
"""
from flask import flash, g, redirect, request
from sqlalchemy import select

from bot.console import access, export
from bot.console.render import render
from bot.errors import UserError
from handlers import policy
from handlers.office import ranking, rubric
from handlers.policy import Do, Forbidden
from handlers.services import assessment
from handlers.services.context import Context
from storage.models import Application, Person, PersonRole
from storage.office import AssessmentRound, ScoreSheet
from storage.statuses import AppStatus

BASE = "/console/assessment"


# -- shared by the office's pages ---------------------------------------------------------------

def chosen_year():
    """The year the page is about: ``?year=`` (or the form's), else the decision clock's year."""
    text = (request.values.get("year") or "").strip()
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return g.bot.clock.today().year


def service(session):
    return Context(session, g.viewer, g.bot.clock, g.bot.config)


def act(action, done=None):
    """Run ``action(ctx)`` in one transaction: its Outcome's words flashed (``done(outcome)``), or
    the service's refusal (UserError) flashed as an error. Forbidden propagates (403, audited)."""
    try:
        with g.bot.db.transaction() as session:
            outcome = action(service(session))
            message = done(outcome) if done else ""
    except UserError as refused:
        flash(str(refused), "error")
        return None
    if message:
        flash(message, "ok")
    return outcome


def back(path, year, anchor=""):
    return redirect(f"{path}?year={year}" + (f"#{anchor}" if anchor else ""))


def points(value):
    return "" if value is None else rubric.format_points(value)


# -- the views ----------------------------------------------------------------------------------

def register(bp, bot):

    @bp.get("/assessment")
    @access.page(Do.ASSESS_READ, "考核验收")
    def assessment_page():
        year = chosen_year()
        with bot.db.reading() as session:
            ctx = service(session)
            round_ = assessment.round_of(session, year)
            office = policy.sees_all(g.viewer)
            data = _round_data(round_) if round_ is not None else None
            if office:
                page = _office_data(ctx, session, round_, year)
            else:
                page = {"mine": _sheets_data(session, assessment.sheets(ctx, year), round_)
                        if round_ is not None else []}
                if data and data["closed"]:
                    page.update(results=_results_data(ctx, session, year))
        return render("console/assessment.html", title="考核验收", year=year, round=data, office=office,
                      manage=policy.allowed(g.viewer, Do.ASSESS_MANAGE), **page)

    @bp.get("/assessment/results.xlsx")
    @access.page(Do.ASSESS_READ, "评审结果")
    def assessment_results_xlsx():
        year = chosen_year()
        with bot.db.reading() as session:
            results = _results_data(service(session), session, year)
        header = ("名次", "工作室名称", "所在单位", "平均分", "专家分差", "各专家得分", "已提交/已分配", "并列与说明")
        rows = [(r["rank"] or "", r["studio"], r["unit"], r["average"], r["spread"], "、".join(r["totals"]),
                 f"{r['submitted']}/{r['assigned']}", r["note"]) for r in results["rows"]]
        return export.xlsx(f"{year}年度考核验收评审结果.xlsx", "评审结果", header, rows,
                           caption=f"{year} 年度考核验收评审结果（命名名额 {results['quota']} 个）",
                           object_type="assessment_round", object_id=results["round_id"])

    @bp.post("/assessment/open")
    @access.page(Do.ASSESS_MANAGE, "考核验收")
    def assessment_open():
        year = chosen_year()
        act(lambda ctx: assessment.open_round(ctx, year),
            lambda o: f"{year} 年度考核验收已开始，已按默认评分细则建立评分表。" if o.what == "opened"
            else f"{year} 年度考核验收已经开始。")
        return back(BASE, year)

    @bp.post("/assessment/rubric/add")
    @access.page(Do.ASSESS_MANAGE, "修改评分细则")
    def assessment_rubric_add():
        year, form = chosen_year(), request.form
        act(lambda ctx: assessment.add_item(ctx, year, form.get("name", ""), form.get("max", ""), form.get("basis", "")),
            lambda o: _rubric_words(o, "已添加评分项"))
        return back(BASE, year, "rubric")

    @bp.post("/assessment/rubric/<key>/change")
    @access.page(Do.ASSESS_MANAGE, "修改评分细则")
    def assessment_rubric_change(key):
        year, form = chosen_year(), request.form
        act(lambda ctx: assessment.change_item(ctx, year, key, name=form.get("name"), maximum=form.get("max"),
                                               basis=form.get("basis")),
            lambda o: _rubric_words(o, "已修改评分项" if o.what == "changed" else "评分项没有变化"))
        return back(BASE, year, "rubric")

    @bp.post("/assessment/rubric/<key>/remove")
    @access.page(Do.ASSESS_MANAGE, "修改评分细则")
    def assessment_rubric_remove(key):
        year = chosen_year()
        act(lambda ctx: assessment.remove_item(ctx, year, key), lambda o: _rubric_words(o, "已删除评分项"))
        return back(BASE, year, "rubric")

    @bp.post("/assessment/experts")
    @access.page(Do.ASSESS_MANAGE, "邀请评审专家")
    def assessment_invite():
        year = chosen_year()
        act(lambda ctx: assessment.invite(ctx, year, _int(request.form.get("person_id"), 0)),
            lambda o: f"已邀请{o['expert'].name}担任评审专家，已通过聊天通知。" if o.what == "invited"
            else f"{o['expert'].name}已在本年度评审专家名单中。")
        return back(BASE, year, "experts")

    @bp.post("/assessment/assign")
    @access.page(Do.ASSESS_MANAGE, "分配评审")
    def assessment_assign():
        year = chosen_year()
        act(lambda ctx: assessment.assign(ctx, year, _int(request.form.get("app_id"), 0),
                                          _int(request.form.get("expert_id"), 0)),
            lambda o: (f"已将「{o['app'].studio.name}」分配给{o['expert'].name}评分。" if o.what == "assigned"
                       else f"「{o['app'].studio.name}」已经分配给{o['expert'].name}。"))
        return back(BASE, year, "assign")

    @bp.post("/assessment/sheets/<int:sheet_id>/unassign")
    @access.page(Do.ASSESS_MANAGE, "撤回评审分配")
    def assessment_unassign(sheet_id):
        year = chosen_year()
        act(lambda ctx: assessment.unassign(ctx, sheet_id, request.form.get("reason", "")),
            lambda o: "已撤回这份评分表的分配。")
        return back(BASE, year, "assign")

    @bp.post("/assessment/ties")
    @access.page(Do.ASSESS_MANAGE, "确定并列名次")
    def assessment_tie():
        year = chosen_year()
        order = [part for part in request.form.get("order", "").split(",") if part.strip().isdigit()]
        order = sorted(order, key=lambda app_id: _int(request.form.get(f"place_{app_id}"), 999))
        act(lambda ctx: assessment.break_tie(ctx, year, order, request.form.get("reason", "")),
            lambda o: f"已确定并列名次（理由：{o['reason']}）。")
        return back(BASE, year, "results")

    @bp.post("/assessment/close")
    @access.page(Do.ASSESS_MANAGE, "结束考核验收")
    def assessment_close():
        year = chosen_year()
        act(lambda ctx: assessment.close_round(ctx, year),
            lambda o: f"{year} 年度考核验收已结束（{o['sheets']} 份评分表），评审专家已收到通知。")
        return back(BASE, year)

    @bp.get("/assessment/sheets/<int:sheet_id>")
    @access.page(Do.ASSESS_READ, "评分表")
    def assessment_sheet(sheet_id):
        with bot.db.reading() as session:
            sheet = _visible_sheet(session, sheet_id)
            data = _sheet_data(session, sheet)
        return render("console/assessment_sheet.html", title="评分表", sheet=data)

    @bp.post("/assessment/sheets/<int:sheet_id>")
    @access.page(Do.ASSESS_SCORE, "评分")
    def assessment_sheet_save(sheet_id):
        form = request.form
        with bot.db.reading() as session:
            sheet = _visible_sheet(session, sheet_id)
            keys = [item["key"] for item in session.get(AssessmentRound, sheet.round_id).rubric]
        scores = {key: form.get(f"score_{key}", "").strip() for key in keys if f"score_{key}" in form}
        notes = {key: form.get(f"note_{key}", "") for key in keys if f"note_{key}" in form}
        saved = act(lambda ctx: assessment.save_sheet(ctx, sheet_id, scores, notes, form.get("comment")),
                    None if form.get("do") == "submit" else _saved_words)
        if saved is not None and form.get("do") == "submit":
            act(lambda ctx: assessment.submit_sheet(ctx, sheet_id),
                lambda o: f"评分表已提交，合计 {points(o['total'])} 分。提交后不能再修改。")
        return redirect(f"{BASE}/sheets/{sheet_id}")


# -- reading ------------------------------------------------------------------------------------

def _int(text, default=None):
    text = str(text or "").strip()
    return int(text) if text.isdigit() else default


def _rubric_words(outcome, what):
    item = outcome["item"]
    words = f"{what}「{item['name']}」（满分 {item['max']} 分）。"
    if outcome.get("problem"):
        words += outcome["problem"]
    return words


def _saved_words(outcome):
    if outcome.what == "unchanged":
        return "评分没有变化。"
    missing = outcome["missing"]
    return (f"已保存，当前合计 {points(outcome['total'])} 分。" +
            (f"还有 {len(missing)} 项未打分：{'、'.join(missing)}。" if missing else "各项均已打分，可以提交。"))


def _visible_sheet(session, sheet_id):
    """The sheet, if the services would list it to the viewer (an expert: their own until the round
    closes); else Forbidden (403, audited)."""
    sheet = session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise UserError("没有找到这份评分表。")
    year = session.get(AssessmentRound, sheet.round_id).year
    visible = {s.id for s in assessment.sheets(service(session), year, app_id=sheet.application_id)}
    if sheet.id not in visible:
        raise Forbidden("这份评分表不是分配给您的，考核验收结束前评审专家只能查看自己的评分表。")
    return sheet


def _round_data(round_):
    return {"id": round_.id, "year": round_.year, "closed": round_.status == "closed", "closed_at": round_.closed_at,
            "items": [dict(item) for item in round_.rubric], "total": points(rubric.total(round_.rubric)),
            "problem": rubric.not_full_marks(round_.rubric)}


def _studio_of(app):
    studio = app.studio
    return {"studio": studio.name, "unit": studio.unit.name if studio.unit else ""}


def _sheets_data(session, sheets, round_):
    rows = []
    for sheet in sheets:
        rows.append({"id": sheet.id, **_studio_of(sheet.application), "expert": sheet.expert.name,
                     "expert_id": sheet.expert_id, "submitted": sheet.submitted_at is not None,
                     "total": points(ranking.sheet_total(sheet.scores)),
                     "missing": len(assessment.missing_items(round_, sheet))})
    return rows


def _sheet_data(session, sheet):
    round_ = session.get(AssessmentRound, sheet.round_id)
    app = sheet.application
    items = [{**item, "score": (sheet.scores or {}).get(item["key"], ""), "note": (sheet.notes or {}).get(item["key"], "")}
             for item in round_.rubric]
    mine = sheet.expert_id == g.viewer.person_id
    return {"id": sheet.id, "year": round_.year, **_studio_of(app), "app_id": app.id, "expert": sheet.expert.name,
            "items": items,
            "comment": sheet.comment or "", "submitted_at": sheet.submitted_at, "closed": round_.status == "closed",
            "editable": mine and sheet.submitted_at is None and round_.status != "closed",
            "total": points(ranking.sheet_total(sheet.scores)), "full": points(rubric.total(round_.rubric)),
            "missing": assessment.missing_items(round_, sheet)}


def _results_data(ctx, session, year):
    out = assessment.results(ctx, year)
    names = {}
    rows = []
    for standing, app in out["standings"]:
        names[app.id] = app.studio.name
        note = ""
        if standing.tied_with:
            note = "并列，待确定名次"
        elif standing.broken:
            note = f"并列已确定：{standing.broken}"
        rows.append({"app_id": app.id, **_studio_of(app), "rank": standing.rank, "average": points(standing.average),
                     "spread": points(standing.spread), "totals": [points(t) for t in standing.totals],
                     "submitted": len(standing.totals), "assigned": standing.assigned, "note": note,
                     "tied": bool(standing.tied_with)})
    ties = [[{"app_id": i, "studio": names[i]} for i in group] for group in out["ties"]]
    return {"round_id": out["round"].id, "rows": rows, "ties": ties, "quota": out["quota"], "named": out["named"],
            "left": out["left"]}


def _office_data(ctx, session, round_, year):
    if round_ is None:
        return {}
    invited = assessment.experts(session, round_)
    invited_ids = {p.id for p in invited}
    candidates = session.scalars(select(Person).join(PersonRole, PersonRole.person_id == Person.id)
                                 .where(PersonRole.role == "expert").order_by(Person.id)).all()
    sheets = assessment.sheets(ctx, year)
    sheet_rows = _sheets_data(session, sheets, round_)
    apps = session.scalars(select(Application).where(Application.year == year, Application.status != AppStatus.DRAFT)
                           .order_by(Application.id)).all()
    sheet_apps = {s.application_id for s in sheets}
    assign = []
    for app in apps:
        at_step = assessment.reached_group_step(session, app)
        if not at_step and app.id not in sheet_apps:
            continue
        own = [r for r, s in zip(sheet_rows, sheets) if s.application_id == app.id]
        taken = {r["expert_id"] for r in own}
        options = [{"id": p.id, "name": p.name, "unit": p.unit.name if p.unit else "",
                    "conflict": policy.conflict_of_interest(p, app.studio)} for p in invited if p.id not in taken]
        assign.append({"app_id": app.id, **_studio_of(app), "sheets": own, "options": options, "at_step": at_step})
    return {"experts": [{"id": p.id, "name": p.name, "unit": p.unit.name if p.unit else "",
                         "sheets": sum(1 for s in sheets if s.expert_id == p.id),
                         "submitted": sum(1 for s in sheets if s.expert_id == p.id and s.submitted_at)}
                        for p in invited],
            "candidates": [{"id": p.id, "name": p.name, "unit": p.unit.name if p.unit else ""}
                           for p in candidates if p.id not in invited_ids],
            "assign": assign, "waiting": sum(1 for s in sheets if s.submitted_at is None),
            "results": _results_data(ctx, session, year)}
