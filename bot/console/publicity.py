"""The console's 公示与命名 (/console/publicity): the list proposed from the closed round's ranking within
the quota, the published 公示名单 (XLSX, DOCX) with its period, objections and their findings, and per
application of the round the group step's decision after its 公示: named, or not named this year.

Every change calls handlers/services/publicity.py (which names through handlers/services/naming.py);
a refusal (下半年, closed round, quota, already named …) is shown as the service words it.
"""
from datetime import date

from flask import request

from bot.console import access, export
from bot.console.assessment import _int, act, back, chosen_year, points, service
from bot.console.render import render
from bot.errors import UserError
from handlers.office import documents
from handlers.policy import Do
from handlers.review.steps import steps_of
from handlers.services import assessment, publicity
from storage.models import Application
from storage.statuses import AppStatus

BASE = "/console/publicity"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STEP_WORDS = {"pending": "待审批", "approved": "同意", "rejected": "不同意", "returned": "退回"}


def register(bp, bot):

    @bp.get("/publicity")
    @access.page(Do.PUBLICITY, "公示与命名")
    def publicity_page():
        year = chosen_year()
        with bot.db.reading() as session:
            ctx = service(session)
            today = bot.clock.today()
            try:
                proposed = _proposal(ctx, year)
                problem = ""
            except UserError as refused:
                proposed, problem = None, str(refused)
            lists = _lists(ctx, year, today)
            decisions = _decisions(session, year, today) if proposed is not None else []
        return render("console/publicity.html", title="公示与命名", year=year, proposed=proposed, problem=problem,
                      lists=lists, decisions=decisions, today=today,
                      default_days=bot.config.publicity_working_days)

    @bp.post("/publicity/publish")
    @access.page(Do.PUBLICITY, "公示")
    def publicity_publish():
        year = chosen_year()
        days = request.form.get("working_days", "").strip()
        if days and not days.isdigit():
            days = "0"
        act(lambda ctx: publicity.publish(ctx, year, int(days) if days else None),
            lambda o: (f"已发布第 {o['publicity'].number} 批公示（{len(o['apps'])} 家），公示期"
                       f"{documents.chinese_day(o['publicity'].starts_on)}至{documents.chinese_day(o['publicity'].ends_on)}"
                       f"（{o['publicity'].working_days} 个工作日）。领衔人、单位工会和工作群已收到通知。"))
        return back(BASE, year, "lists")

    @bp.get("/publicity/<int:publicity_id>/document.<fmt>")
    @access.page(Do.PUBLICITY, "公示名单")
    def publicity_document(publicity_id, fmt):
        with bot.db.transaction() as session:
            out = publicity.document(service(session), publicity_id, fmt)
        return export.download(out["data"], out["name"], export.XLSX if fmt == "xlsx" else DOCX)

    @bp.post("/publicity/objections")
    @access.page(Do.PUBLICITY, "登记异议")
    def publicity_objection():
        year, form = chosen_year(), request.form
        try:
            received = date.fromisoformat(form.get("received_on", "")) if form.get("received_on") else None
        except ValueError:
            received = None
        act(lambda ctx: publicity.record_objection(ctx, year, _int(form.get("app_id"), 0), form.get("content", ""),
                                                   form.get("source", ""), received),
            lambda o: f"已登记对「{o['entry'].application.studio.name}」的异议，请核实后作出处理。")
        return back(BASE, year, "lists")

    @bp.post("/publicity/objections/<int:objection_id>")
    @access.page(Do.PUBLICITY, "处理异议")
    def publicity_objection_decide(objection_id):
        year, form = chosen_year(), request.form
        upheld = form.get("upheld") == "yes"
        act(lambda ctx: publicity.decide_objection(ctx, objection_id, upheld, form.get("finding", "")),
            lambda o: (f"异议成立，「{o['app'].studio.name}」已移出公示名单；排名其后的申报可以另行公示。" if upheld
                       else f"异议不成立，「{o['app'].studio.name}」仍在公示名单上。"))
        return back(BASE, year, "lists")

    @bp.post("/publicity/decisions/<int:app_id>")
    @access.page(Do.PUBLICITY, "命名审批")
    def publicity_decide(app_id):
        year, form = chosen_year(), request.form
        decision = publicity.NAME if form.get("decision") == "name" else publicity.NOT_NAMED
        act(lambda ctx: publicity.decide(ctx, app_id, decision, form.get("opinion", "")), _decided_words)
        return back(BASE, year, f"decide-{app_id}")


def _decided_words(outcome):
    if outcome.what == "named":
        return (f"「{outcome['studio'].name}」已命名（{documents.chinese_day(outcome['named_on'])}），一次性补助经费 "
                f"{outcome['grant']} 万元已记入经费台账；本年度剩余名额 {outcome['left']} 个。")
    return f"「{outcome['app'].studio.name}」本年度不予命名，意见已记入审批意见栏。"


# -- reading ------------------------------------------------------------------------------------

def _proposal(ctx, year):
    out = publicity.proposal(ctx, year)
    session = ctx.session
    round_ = assessment.round_of(session, year)
    rank = {s.app_id: s for s, _ in assessment.standings(session, round_)}
    return {"apps": [{"app_id": a.id, "studio": a.studio.name, "unit": a.studio.unit.name if a.studio.unit else "",
                      "rank": rank[a.id].rank, "average": points(rank[a.id].average)} for a in out["apps"]],
            "tie": [session.get(Application, i).studio.name for i in out["tie"]],
            "slots": out["slots"], "named": out["named"], "listed": out["listed"], "quota": out["quota"]}


def _lists(ctx, year, today):
    found = []
    for pub, entries, objections in publicity.lists(ctx, year):
        rows = []
        for entry in entries:
            app = entry.application
            rows.append({"app_id": app.id, "position": entry.position, "studio": app.studio.name,
                         "unit": app.studio.unit.name if app.studio.unit else "", "status": entry.status,
                         "removed_reason": entry.removed_reason,
                         "objections": [{"id": o.id, "received_on": o.received_on, "source": o.source,
                                         "content": o.content, "status": o.status, "finding": o.finding}
                                        for o in objections[entry.id]]})
        found.append({"id": pub.id, "number": pub.number, "starts": documents.chinese_day(pub.starts_on),
                      "ends": documents.chinese_day(pub.ends_on), "days": pub.working_days,
                      "over": publicity.over(pub, today), "running": pub.starts_on <= today <= pub.ends_on,
                      "entries": rows})
    return found


def _decisions(session, year, today):
    round_ = assessment.round_of(session, year)
    entries = {}
    for entry in publicity.entries_of(session, year):
        entries[entry.application_id] = entry
    rows = []
    for standing, app in assessment.standings(session, round_):
        step = next((s for s in steps_of(session, app) if s.role == "group"), None)
        entry = entries.get(app.id)
        if entry is None:
            shown = "未公示"
        elif entry.status == "removed":
            shown = f"异议成立，已移出第 {entry.publicity.number} 批公示"
        elif publicity.over(entry.publicity, today):
            shown = f"第 {entry.publicity.number} 批公示已结束"
        else:
            shown = f"第 {entry.publicity.number} 批公示中（至 {documents.chinese_day(entry.publicity.ends_on)}）"
        named = app.status == AppStatus.NAMED
        rows.append({"app_id": app.id, "studio": app.studio.name, "unit": app.studio.unit.name if app.studio.unit else "",
                     "rank": standing.rank, "average": points(standing.average), "publicity": shown,
                     "listed": entry is not None and entry.status == "listed", "named": named, "named_on": app.studio.named_on if named else None,
                     "step": STEP_WORDS.get(step.status, step.status) if step else "",
                     "opinion": step.opinion if step else "",
                     "open": step is not None and step.status == "pending" or
                     (app.status == AppStatus.APPROVED and not named)})
    return rows
