"""The console's 申报审批: the list of applications (search, filters, pages, export) and one application's
page — every 附件1 section with its values and history, 七有 line by line, proofs, opinions, the DOCX
and the 材料包, and the decisions the viewer may take through the chat's own service
(handlers/services/review.py), so the leader and the next reviewer are told in chat as now."""
from dataclasses import dataclass, field

from flask import g, redirect, request
from sqlalchemy import select

from bot import files as stored_files, links
from bot.errors import UserError
from bot.markup import safe_filename
from bot.console import access, export
from bot.console.board import STUDIO_HEADER, enrich, studio_line, studio_rows, units_of, year_now
from bot.console.paging import page_of
from bot.console.render import render
from bot.forms.schema import Group
from handlers import policy
from handlers.application import document_tasks, proofs, seven, seven_record
from handlers.application.schema import application_form
from handlers.policy import Do
from handlers.review.steps import STATUS, STEP_NAMES, status_text, steps_of
from handlers.services import documents, review
from handlers.services.context import Context
from storage import applications as answers_store, audit
from storage.models import Application, Person, ReviewStep, StoredFile
from storage.statuses import AppStatus, StepStatus

STATUSES = {s.value: STATUS[s] for s in AppStatus}
STEP_STATUS = {"waiting": "未开始", "pending": "待审批", "approved": "同意", "returned": "退回修改", "rejected": "不同意"}
REVIEW_ACTIONS = {"review.submit": "提交", "review.resubmit": "重新提交", "review.withdraw": "撤回",
                  "review.approve": "同意", "review.return": "退回修改", "review.reject": "不同意",
                  "review.transfer": "转交", "review.remind": "催办", "review.reopen": "重新开放",
                  "review.name": "命名", "review.remind_applicant": "催办领衔人"}
DONE = {"approved": "已同意，全部审批已完成，已通知领衔人。", "moved": "已同意，已通知领衔人和下一步审批人。",
        "moved_nobody": "已同意，已通知领衔人。下一步还没有人担任审批人，请联系管理员在「管理」中设置。",
        "returned": "已退回修改，领衔人已在聊天中收到需修改的内容。", "rejected": "已记录不同意，领衔人已收到通知。",
        "transferred": "已转交，同事已收到待审批消息。", "docx": "申报表正在生成，请稍后刷新本页下载。",
        "package": "材料包正在生成，完成后会发到您的聊天窗口，也可稍后在本页下载。"}
DONE_UNREACHED = {"approved": "已同意，全部审批已完成。", "moved": "已同意，已通知下一步审批人。",
                  "moved_nobody": "已同意。下一步还没有人担任审批人，请联系管理员在「管理」中设置。", "returned": "已退回修改。",
                  "rejected": "已记录不同意。"}
UNREACHED = "领衔人和成员尚未绑定企业微信或钉钉账号，聊天中未能通知到，请另行告知。"
EXPORT_LIMIT = 5000


def _int(value):
    try:
        return int(value or 0) or None
    except (TypeError, ValueError):
        return None


def register(bp, bot):

    @bp.get("/applications")
    @access.page(Do.READ_APPLICATION, "申报审批")
    def application_list():
        viewer = g.viewer
        year = _int(request.args.get("year")) or year_now(bot)
        q = (request.args.get("q") or "").strip()[:50]
        unit_id, step = _int(request.args.get("unit")), _int(request.args.get("step"))
        status = request.args.get("status") or ""
        query = studio_rows(viewer, year, q=q, unit_id=unit_id, only_applications=True)
        if status in STATUSES:
            query = query.where(Application.status == status)
        if step:
            query = query.where(select(ReviewStep.id).where(
                ReviewStep.application_id == Application.id, ReviewStep.step == step,
                ReviewStep.status == StepStatus.PENDING).exists())
        with bot.db.reading() as session:
            units = units_of(session, viewer, year)
            if request.args.get("export") == "xlsx":
                rows = enrich(session, bot, session.execute(query.limit(EXPORT_LIMIT)).all(), year)
                page = None
            else:
                page = page_of(session, query, bot.config.console_page_size)
                rows = enrich(session, bot, page.rows, year)
        if page is None:
            return export.xlsx(f"{year}年申报审批.xlsx", f"{year}年申报审批", STUDIO_HEADER,
                               [studio_line(r) for r in rows], caption=f"{year} 年度 · {len(rows)} 份申报",
                               object_type="applications", object_id=str(year))
        return render("console/applications.html", block="rows", rows=rows, page=page, year=year, q=q,
                      unit_id=unit_id, step=step, chosen=status, units=units, statuses=STATUSES,
                      steps=[(n, STEP_NAMES[r]) for n, r in ((1, "union"), (2, "tech"), (3, "party"), (4, "group"))])

    @bp.get("/applications/<int:app_id>")
    @access.page(Do.READ_APPLICATION, "申报审批")
    def application_page(app_id):
        refused = _refusal(bot, app_id)
        if refused is not None:
            return _refused(refused)
        with bot.db.reading() as session:
            app = session.get(Application, app_id)
            # rendered while the session is open: the page reads the rows it was given
            return render("console/application.html", v=_view(session, bot, app),
                          done=(DONE_UNREACHED if request.args.get("unreached") else DONE).get(
                              request.args.get("done", ""), ""),
                          unreached=UNREACHED if request.args.get("unreached") else "")

    @bp.post("/applications/<int:app_id>/decide")
    @access.page(Do.REVIEW, "审批")
    def decide(app_id):
        form = request.form
        decision = form.get("decision", "")
        step_id, version = _int(form.get("step_id")), _int(form.get("version")) or 0
        refused = _refusal(bot, app_id)
        if refused is not None:
            return _refused(refused)
        with bot.db.transaction() as session:
            app = session.get(Application, app_id)
            step = session.get(ReviewStep, step_id) if step_id else None
            if step is None or step.application_id != app_id:
                raise UserError("这一步不属于这份申报表，请刷新页面后重试。")
            ctx = Context(session, g.viewer, bot.clock, bot.config)
            if decision == "transfer":
                outcome = review.transfer(ctx, step_id, version, _int(form.get("person_id")))
            elif decision == "return":
                # a field is to be revised when ticked, or when the reviewer wrote a comment for it
                chosen = list(dict.fromkeys([k for k in form.getlist("fields") if k] + [
                    k[len("comment."):] for k, v in form.items() if k.startswith("comment.") and v.strip()]))
                opinion = _return_opinion(app.year, form.get("opinion", ""), chosen, form)
                outcome = review.decide(ctx, step_id, version, "return", opinion, fields=chosen or None)
            else:
                outcome = review.decide(ctx, step_id, version, decision, form.get("opinion", ""))
        reached = outcome.get("applicant_told", outcome.told) if outcome.what != "transferred" else True
        done = "moved_nobody" if outcome.what == "moved" and not outcome.get("reviewers") else outcome.what
        target = f"/console/applications/{app_id}?done={done}" + ("" if reached else "&unreached=1")
        if request.headers.get("HX-Request"):       # the form stays as typed on a refusal; done: the page anew
            return "", 200, {"HX-Redirect": target}
        return redirect(target)

    @bp.post("/applications/<int:app_id>/docx")
    @access.page(Do.READ_APPLICATION, "申报表")
    def docx(app_id):
        refused = _refusal(bot, app_id)
        if refused is not None:
            return _refused(refused)
        with bot.db.transaction() as session:
            app = session.get(Application, app_id)
            ctx = Context(session, g.viewer, bot.clock, bot.config)
            outcome = documents.application(ctx, bot, app, text="申报表：",
                                            dedupe_key=f"console:{g.viewer.person_id}:{app.id}:v{app.version}")
            token = outcome["file"].token if outcome.what == "ready" else None
        if token:
            return redirect(links.signed_path(bot.config, bot.clock, token))
        return redirect(f"/console/applications/{app_id}?done=docx")

    @bp.post("/applications/<int:app_id>/package")
    @access.page(Do.READ_APPLICATION, "材料包")
    def package(app_id):
        refused = _refusal(bot, app_id)
        if refused is not None:
            return _refused(refused)
        with bot.db.transaction() as session:
            app = session.get(Application, app_id)
            ctx = Context(session, g.viewer, bot.clock, bot.config)
            documents.application_package(ctx, app, recipients=[{"person_id": g.viewer.person_id}],
                                          dedupe_key=f"console-package:{g.viewer.person_id}:{app.id}:v{app.version}")
        return redirect(f"/console/applications/{app_id}?done=package")


def _refusal(bot, app_id):
    """None when the viewer may read the application, else what stops it (for ``_refused``, answered
    after this session has ended: the refusal is audited in its own transaction)."""
    with bot.db.reading() as session:
        app = session.get(Application, app_id)
        if app is None:
            return {}
        if not policy.may_read_application(g.viewer, app, steps_of(session, app)):
            return {"object_id": app.id, "application_id": app.id, "studio_id": app.studio_id,
                    "unit_id": app.studio.unit_id}
    return None


def _refused(problem):
    """The 404 page, or the 403 page with its audit row (``console.refused`` naming the application)."""
    if not problem:
        return render("console/message.html", block="message", status=404, title="没有这份申报表",
                      message="没有找到这份申报表，可能已被删除或链接有误。")
    reason = "您无权查看这份申报表（不在您的管理范围内）。"
    access.refuse(reason, object_type="application", **problem)
    return render("console/message.html", block="message", status=403, title="无权访问", message=reason)


def _return_opinion(year, opinion, chosen, form):
    """The 退回's opinion: the general words, then each flagged field with its own comment."""
    items = application_form(year).by_key
    lines = [opinion.strip()] if opinion.strip() else []
    for key in chosen:
        comment = (form.get(f"comment.{key}") or "").strip()
        if key in items and comment:
            lines.append(f"{items[key].qualified}：{comment}")
    return "\n".join(lines)


# -- what the page shows -----------------------------------------------------------------------------

@dataclass
class Entry:
    item: object
    value: str
    rows: list = field(default_factory=list)        # a group's rows: [[cell, …]]
    columns: list = field(default_factory=list)
    history: list = field(default_factory=list)     # (when, who, before, after)
    proofs: list = field(default_factory=list)      # (name, url, is_image)
    lacking: bool = False
    revise: bool = False


def _view(session, bot, app):
    viewer, clock, config = g.viewer, bot.clock, bot.config
    studio = app.studio
    form = application_form(app.year)
    answers = answers_store.load_answers(session, app.id)
    values = form.complete_values(answers)
    steps = steps_of(session, app)
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(
        {s.decided_by for s in steps if s.decided_by} | {s.assignee_id for s in steps if s.assignee_id}
        | {studio.leader_id or 0}))).all())
    history = {}
    for row in audit.answer_history(session, app.id):
        item = form.by_key.get(row.key)
        history.setdefault(row.key, []).append((_when(clock, row.at), row.actor or "系统",
                                                _shown(item, row.before), _shown(item, row.after)))
    files = {}
    for att, stored in proofs.proofs_of(session, app.id):
        if stored.deleted_at is None:
            files.setdefault(att.field_key, []).append(
                (stored.name, links.signed_path(config, clock, stored.token),
                 (stored.content_type or "").startswith("image/")))
    revise = set((app.flags or {}).get("revise") or [])
    sections, seen = [], set()
    for item in form.items:
        block = item.block or "其他"
        if block not in seen:
            seen.add(block)
            sections.append((block, []))
        value = values.get(item.key)
        entry = Entry(item, _shown(item, value), history=history.get(item.key, []), proofs=files.get(item.key, []),
                      lacking=bool(item.proof and proofs.needs_proof(item, value) and not files.get(item.key)),
                      revise=item.key in revise)
        if isinstance(item, Group):
            entry.columns = [f.label for f in item.fields]
            entry.rows = [[f.display(row.get(f.key)) if row.get(f.key) not in (None, "") else "" for f in item.fields]
                          for row in value or []]
        sections[-1][1].append(entry)
    others = [(seven_record.key_label(k) or ("其他证明材料" if k == proofs.OTHER.key else k), fs)
              for k, fs in files.items() if k not in form.by_key]
    haves = seven_record.check(session, app, values, config)
    ctx = Context(session, viewer, clock, config)
    current = next((s for s in steps if s.status == StepStatus.PENDING), None)
    may_decide = current is not None and policy.may_decide(viewer, app, current)
    colleagues = review.colleagues_for_transfer(ctx, current, app) if may_decide else []
    log = [(_when(clock, row.at), row.actor or "系统", REVIEW_ACTIONS.get(row.action, row.action), row.key, row.detail)
           for row in audit.review_log(session, app.id)]
    docx = document_tasks.application_cache_key(session, app)
    ready = stored_files.by_cache_key(session, docx)
    package_name = f"{safe_filename(f'{studio.name}-{app.year}年度')}申报材料包.pdf"     # handlers/application/package.py
    package = session.scalar(select(StoredFile).where(StoredFile.owner_person_id == viewer.person_id,
                                                      StoredFile.content_type == "application/pdf",
                                                      StoredFile.name == package_name,
                                                      StoredFile.deleted_at.is_(None))
                             .order_by(StoredFile.id.desc()).limit(1)) if viewer.person_id else None
    return {
        "app": app, "studio": studio, "unit": studio.unit.name if studio.unit else "", "year": app.year,
        "status": status_text(session, app), "leader": names.get(studio.leader_id, ""),
        "sections": sections, "others": others, "haves": haves, "marks": seven.MARK,
        "summary": seven.summary(haves), "done": len(form.asked) - len(form.missing(
            answers, set((app.flags or {}).get("skipped", [])))), "total": len(form.asked),
        "steps": [(s, STEP_NAMES[s.role], STEP_STATUS.get(s.status, s.status), names.get(s.decided_by, ""),
                   _when(clock, s.decided_at) if s.decided_at else "") for s in steps],
        "log": log, "current": current, "may_decide": may_decide, "colleagues": colleagues,
        "fields": [(i.key, i.qualified) for i in form.asked],
        "revise_comment": (app.flags or {}).get("revise_comment", ""),
        "docx_ready": ready is not None,
        "package_url": links.signed_path(config, clock, package.token) if package else None,
        "package_name": package.name if package else "",
    }


def _when(clock, moment):
    return clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _shown(item, value):
    if value in (None, "", []):
        return "（未填）"
    if item is None:
        return str(value)
    if getattr(item, "kind", "") == "longtext" and isinstance(value, str):
        return f"{value}\n（{len(value)} 字）"       # the reviewer reads the whole text, not its length
    try:
        return item.display(value)
    except (TypeError, ValueError, KeyError, AttributeError):
        return str(value)
