"""The console's 抽查与整改: the reproducible draws with their seeds, the result per studio (合格 /
限期整改 / 撤销称号 with the 意见's grounds, notes and photos), the 整改 with their deadlines, the
withdrawals proposed and confirmed, each studio's history, and the quarterly self-check answers.
Every change goes through the chat's services (handlers/services/spotchecks.py, rectifications.py,
selfcheck.py); lists are scoped by the policy (a unit union sees its unit's studios)."""
from pathlib import Path

from flask import flash, g, get_flashed_messages, redirect, request
from sqlalchemy import select

from bot import files, links
from bot.console import access, export
from bot.console.render import render
from bot.errors import UserError
from handlers import policy
from handlers.notices import spotcheck as rules
from handlers.office import rectify
from handlers.policy import Do, Forbidden, allowed
from handlers.services import rectifications, selfcheck, spotchecks
from handlers.services.context import Context
from storage.models import Attachment, Person, SpotCheck, SpotCheckResult, StoredFile, Studio
from storage.office import SelfCheck

PHOTO_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".gif": "image/gif", ".heic": "image/heic"}
MAX_PHOTOS = 9
DRAWS_SHOWN = 20
DRAW_HEADER = ("次序", "抽取时间", "材料截止", "随机种子", "候选家数", "工作室", "所在单位", "结果", "撤销依据", "说明",
               "登记时间")
RECT_HEADER = ("工作室", "所在单位", "下达日期", "期限（工作日）", "整改截止", "整改要求", "状态", "整改报告", "核查情况")
SELFCHECK_HEADER = ("工作室", "所在单位", "季度", "完成时间", "自查项目", "回答", "更正内容")


def _ctx(session):
    return Context(session, g.viewer, g.bot.clock, g.bot.config)


def _local(moment):
    return g.bot.clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _link(token):
    return links.signed_path(g.bot.config, g.bot.clock, token)


def _photos(session, owner_kind, owner_ids):
    """{owner id: [(name, signed path)]} of the photos kept with spot check results or 整改."""
    found = {}
    if not owner_ids:
        return found
    for owner, name, token in session.execute(
            select(Attachment.owner_id, StoredFile.name, StoredFile.token)
            .join(StoredFile, StoredFile.id == Attachment.file_id)
            .where(Attachment.owner_kind == owner_kind, Attachment.owner_id.in_(list(owner_ids)),
                   StoredFile.deleted_at.is_(None)).order_by(Attachment.id)):
        found.setdefault(owner, []).append((name, _link(token)))
    return found


def _latest_checks(session, studio_ids):
    """{studio id: the id of its latest spot check} (the one a result is recorded on)."""
    latest = {}
    for check_id, studio_id in session.execute(select(SpotCheckResult.spot_check_id, SpotCheckResult.studio_id)
                                               .where(SpotCheckResult.studio_id.in_(list(studio_ids)))):
        latest[studio_id] = max(latest.get(studio_id, 0), check_id)
    return latest


def _rect_rows(session, found, today):
    """The 整改 rows a template shows, read out of the session."""
    photos = _photos(session, "rectification", [r.id for r, _, _ in found])
    return [{"id": r.id, "studio_id": r.studio_id, "studio": r.studio.name,
             "unit": r.studio.unit.name if r.studio.unit else "", "ordered_on": r.ordered_on,
             "working_days": r.working_days, "deadline": r.deadline, "requirements": r.requirements,
             "status": r.status, "state": text, "proposed": proposed, "overdue": rectify.overdue(r, today),
             "report": r.report, "finding": r.finding, "photos": photos.get(r.id, [])}
            for r, proposed, text in found]


def _check_row(session, check, scope_ids):
    results = {r.studio_id: r for r in session.scalars(select(SpotCheckResult)
                                                        .where(SpotCheckResult.spot_check_id == check.id))}
    studios = {s.id: s for s in session.scalars(select(Studio).where(Studio.id.in_(list(check.chosen))))}
    shown = [sid for sid in check.chosen if sid in scope_ids]
    photos = _photos(session, "spotcheck", [results[sid].id for sid in shown if sid in results])
    latest = _latest_checks(session, shown)
    rows = []
    for sid in shown:
        studio, result = studios.get(sid), results.get(sid)
        rows.append({"studio_id": sid, "studio": studio.name if studio else str(sid),
                     "unit": studio.unit.name if studio and studio.unit else "",
                     "status": studio.status if studio else "",
                     "result": result.result if result else "", "note": result.note if result else "",
                     "grounds": list(result.grounds or []) if result else [],
                     "recorded_at": _local(result.recorded_at) if result else "",
                     "photos": photos.get(result.id, []) if result else [],
                     "latest": latest.get(sid) == check.id,
                     "days": (rect.working_days if result and (rect := rectify.of_result(session, result)) else None),
                     "open": bool(result) and result.result != "撤销称号"})
    maker = session.get(Person, check.created_by) if check.created_by else None
    return {"id": check.id, "seed": check.seed, "candidates": list(check.candidates), "chosen": list(check.chosen),
            "due_on": check.due_on, "made": _local(check.created_at), "by": maker.name if maker else "",
            "rows": rows}


def _scope_ids(session):
    return set(session.scalars(select(Studio.id).where(policy.studio_scope(g.viewer))))


def _flashes():
    return get_flashed_messages(with_categories=True)


def register(bp, bot):

    @bp.get("/spotchecks")
    @access.page(Do.SPOTCHECK_READ, "抽查与整改")
    def spotchecks_page():
        today = bot.clock.today()
        with bot.db.reading() as session:
            ctx = _ctx(session)
            scope_ids = _scope_ids(session)
            checks = session.scalars(select(SpotCheck).order_by(SpotCheck.id.desc())).all()
            shown = [c for c in checks if set(c.chosen) & scope_ids][:DRAWS_SHOWN]
            draws = [_check_row(session, c, scope_ids) for c in shown]
            rects = _rect_rows(session, rectifications.listing(ctx), today)
            proposals = {p.id for p in rectifications.proposals(ctx)} if allowed(g.viewer, Do.REVOKE) else set()
        asked = request.args.get("export")
        if asked == "draws":
            return export.xlsx("不定期抽查.xlsx", "不定期抽查", DRAW_HEADER, [
                (d["id"], d["made"], d["due_on"].strftime("%Y-%m-%d"), d["seed"], len(d["candidates"]), r["studio"],
                 r["unit"], r["result"] or "待登记", "、".join(r["grounds"]), r["note"], r["recorded_at"])
                for d in draws for r in d["rows"]], caption="不定期抽查及结果", object_type="spot_check")
        if asked == "rectifications":
            return export.xlsx("限期整改.xlsx", "限期整改", RECT_HEADER, [
                (r["studio"], r["unit"], r["ordered_on"].strftime("%Y-%m-%d"), r["working_days"],
                 r["deadline"].strftime("%Y-%m-%d"), r["requirements"], r["state"], r["report"], r["finding"])
                for r in rects], caption="限期整改", object_type="rectification")
        return render("console/spotchecks.html", title="抽查与整改", draws=draws, rects=rects,
                      proposals=proposals, grounds=spotchecks.GROUNDS, default_n=rules.DEFAULT_N,
                      may_draw=allowed(g.viewer, Do.SPOTCHECK), may_verify=allowed(g.viewer, Do.SPOTCHECK_RESULT),
                      may_revoke=allowed(g.viewer, Do.REVOKE), quarter=selfcheck.quarter_of(today),
                      flashes=_flashes())

    @bp.post("/spotchecks/draw")
    @access.page(Do.SPOTCHECK, "抽查")
    def spotcheck_draw():
        n = request.form.get("n", "").strip()
        if not (n.isascii() and n.isdigit() and len(n) <= 4):
            raise UserError("请填写抽取的家数（1 以上的整数）。")
        with bot.db.transaction() as session:
            outcome = spotchecks.draw(_ctx(session), int(n))
            check = outcome["check"]
            check_id, count, total, seed = check.id, len(check.chosen), len(check.candidates), check.seed
        flash(f"已完成第 {check_id} 次抽查：从 {total} 家已命名工作室中随机抽取 {count} 家（随机种子 {seed}），"
              "已通知领衔人和所在单位工会。")
        return redirect(f"/console/spotchecks/{check_id}", 303)

    def draw_page(check_id, again=None):
        with bot.db.reading() as session:
            check = session.get(SpotCheck, check_id)
            if check is None:
                raise UserError(f"没有第 {check_id} 次抽查。")
            scope_ids = _scope_ids(session)
            if not set(check.chosen) & scope_ids:
                raise Forbidden("您无权查看这次抽查。")
            draw = _check_row(session, check, scope_ids)
            if again is not None:
                outcome = spotchecks.reproduce(_ctx(session), check_id)
                again = {"again": outcome["again"], "same": outcome["same"],
                         "names": [outcome["names"].get(i, str(i)) for i in outcome["again"]]}
        return render("console/spotcheck.html", block="reproduced" if again else None,
                      title=f"第 {check_id} 次抽查", draw=draw, again=again, results=spotchecks.RESULTS,
                      grounds=spotchecks.GROUNDS, default_days=bot.config.rectify_working_days,
                      may_record=allowed(g.viewer, Do.SPOTCHECK_RESULT),
                      may_reproduce=allowed(g.viewer, Do.SPOTCHECK_REPRODUCE), flashes=_flashes(),
                      max_photos=MAX_PHOTOS, max_kb=bot.config.max_body_bytes // 1024)

    @bp.get("/spotchecks/<int:check_id>")
    @access.page(Do.SPOTCHECK_READ, "抽查与整改")
    def spotcheck_page(check_id):
        return draw_page(check_id)

    @bp.get("/spotchecks/<int:check_id>/reproduce")
    @access.page(Do.SPOTCHECK_REPRODUCE, "复现抽查")
    def spotcheck_reproduce(check_id):
        return draw_page(check_id, again=True)

    @bp.post("/spotchecks/<int:check_id>/results/<int:studio_id>")
    @access.page(Do.SPOTCHECK_RESULT, "登记抽查结果")
    def spotcheck_result(check_id, studio_id):
        form = request.form
        result = form.get("result", "")
        days = form.get("working_days", "").strip()
        if result == "限期整改" and days and not (days.isascii() and days.isdigit() and len(days) <= 3):
            raise UserError("整改期限请填写工作日天数（整数）。")
        uploads = [f for f in request.files.getlist("photos") if f and f.filename]
        if len(uploads) > MAX_PHOTOS:
            raise UserError(f"一次最多上传 {MAX_PHOTOS} 张照片。")
        for upload in uploads:
            if Path(upload.filename).suffix.lower() not in PHOTO_TYPES:
                raise UserError(f"「{upload.filename}」不是照片，请上传 jpg、png、webp、gif 或 heic 格式的图片。")
        saved, photo_ids = [], []
        try:
            with bot.db.transaction() as session:
                latest = _latest_checks(session, [studio_id]).get(studio_id)
                if latest != check_id:
                    raise UserError("只能登记工作室最近一次抽查的结果，请刷新页面后重试。")
                for upload in uploads:
                    stored = files.save(bot, session, upload.filename, upload.read(),
                                        owner_person_id=g.viewer.person_id,
                                        content_type=PHOTO_TYPES[Path(upload.filename).suffix.lower()])
                    saved.append(stored.path)
                    photo_ids.append(stored.id)
                outcome = spotchecks.record_result(_ctx(session), studio_id, result, form.get("note", ""),
                                                   grounds=form.getlist("grounds"), photos=photo_ids,
                                                   working_days=int(days) if result == "限期整改" and days else None)
                row, rect, name = outcome["row"], outcome["rectification"], outcome["studio"].name
                extra = "，已撤销其称号" if row.result == "撤销称号" else ""
                if rect is not None:
                    extra = f"，整改期限 {rect.working_days} 个工作日（{rect.deadline:%Y-%m-%d} 前）"
                message = f"已登记「{name}」的抽查结果：{row.result}{extra}。已通知领衔人和所在单位工会。"
        except Exception:
            for path in saved:
                Path(path).unlink(missing_ok=True)
            raise
        flash(message)
        return redirect(f"/console/spotchecks/{check_id}", 303)

    @bp.post("/spotchecks/rectifications/<int:rect_id>/verify")
    @access.page(Do.SPOTCHECK_RESULT, "核查整改")
    def rectification_verify(rect_id):
        passed = request.form.get("passed") == "1"
        with bot.db.transaction() as session:
            outcome = rectifications.verify(_ctx(session), rect_id, passed, request.form.get("finding", ""))
            name = outcome["rectification"].studio.name
        flash(f"已登记「{name}」整改核查结果：{'整改合格' if passed else '整改不合格，已提请撤销称号'}。")
        return redirect("/console/spotchecks#rectifications", 303)

    @bp.post("/spotchecks/rectifications/<int:rect_id>/withdraw")
    @access.page(Do.REVOKE, "撤销称号")
    def rectification_withdraw(rect_id):
        with bot.db.transaction() as session:
            outcome = rectifications.confirm_withdrawal(_ctx(session), rect_id, request.form.getlist("grounds"),
                                                        request.form.get("note", ""))
            name = outcome["studio"].name
        flash(f"已确认撤销「{name}」的称号，证书已作废，已通知领衔人和所在单位工会。")
        return redirect("/console/spotchecks#rectifications", 303)

    @bp.get("/spotchecks/studios/<int:studio_id>")
    @access.page(Do.SPOTCHECK_READ, "抽查历史")
    def spotcheck_studio(studio_id):
        today = bot.clock.today()
        with bot.db.reading() as session:
            ctx = _ctx(session)
            history = [(_local(at), who, what, detail) for at, who, what, detail
                       in rectifications.history(ctx, studio_id)]
            studio = session.get(Studio, studio_id)
            info = {"id": studio.id, "name": studio.name, "unit": studio.unit.name if studio.unit else "",
                    "status": studio.status, "named_on": studio.named_on}
            rects = _rect_rows(session, rectifications.listing(ctx, studio_id=studio_id), today)
            checks = [_check_view(c) for c in selfcheck.of_studio(ctx, studio_id)]
        return render("console/spotcheck_studio.html", title=f"{info['name']} · 抽查与整改", studio=info,
                      history=history, rects=rects, checks=checks)

    @bp.get("/spotchecks/selfchecks")
    @access.page(Do.SELFCHECK_READ, "自查结果")
    def selfchecks_page():
        today = bot.clock.today()
        quarter = request.args.get("quarter", "") or selfcheck.quarter_of(today)
        if not _valid_quarter(quarter):
            raise UserError("季度请写成 2026Q3 这样的格式。")
        with bot.db.reading() as session:
            outcome = selfcheck.answers(_ctx(session), quarter)
            checks = [_check_view(c) for c in outcome["checks"]]
            missing = [(s.id, s.name, s.unit.name if s.unit else "") for s in outcome["missing"]]
            quarters = sorted(set(session.scalars(select(SelfCheck.quarter).distinct()))
                              | {selfcheck.quarter_of(today), quarter}, reverse=True)
        if request.args.get("export") == "xlsx":
            return export.xlsx(f"季度自查-{quarter}.xlsx", "季度自查", SELFCHECK_HEADER, [
                (c["studio"], c["unit"], c["quarter_name"], c["finished_at"] or "未完成", line["item"],
                 {"confirm": "属实", "correct": "更正"}.get(line["answer"], line["answer"] or "未回答"), line["text"])
                for c in checks for line in c["lines"]], caption=f"{selfcheck.quarter_name(quarter)}季度自查",
                object_type="self_check")
        return render("console/selfchecks.html", title="季度自查", quarter=quarter,
                      quarter_name=selfcheck.quarter_name(quarter), quarters=quarters, checks=checks,
                      missing=missing, name_of=selfcheck.quarter_name)


def _valid_quarter(quarter):
    year, _, q = quarter.partition("Q")
    return len(quarter) == 6 and year.isdigit() and q in ("1", "2", "3", "4")


def _check_view(check):
    """A self-check as the templates show it: each item with its answer."""
    answers = list(check.answers or [])
    items = []
    for n, item in enumerate(check.items or []):
        given = answers[n] if n < len(answers) else None
        items.append({"item": item.get("item", ""), "shown": item.get("shown", ""),
                      "answer": given["answer"] if given else "", "text": given.get("text", "") if given else ""})
    return {"id": check.id, "studio_id": check.studio_id, "studio": check.studio.name,
            "unit": check.studio.unit.name if check.studio.unit else "", "quarter": check.quarter,
            "quarter_name": selfcheck.quarter_name(check.quarter), "finished": check.finished_at is not None,
            "finished_at": _local(check.finished_at), "lines": items,
            "corrections": sum(1 for a in answers if a.get("answer") == "correct")}
