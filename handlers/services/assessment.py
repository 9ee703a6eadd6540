"""考核验收 with scores: the year's round and its 百分制 rubric, the experts, their sheets, the results.

The group union opens the year's round (with the default rubric, handlers/office/rubric.py) and may
edit the rubric while no sheet is submitted; it invites experts (评审专家 role) and assigns them
applications that reached the group step, never a studio of the expert's own unit (回避). An
expert scores item by item with a comment and submits a complete sheet; the office sees the
averages, the spread between experts, the ranking, the ties (which it breaks with a reason) and
the year's quota; an expert sees only their own sheets until the office closes the round. A
closed round is the record of 考核验收 that naming requires (``assessed``). Every change is audited
(``assessment.*``).
"""
from decimal import Decimal

from sqlalchemy import func, select

from bot.errors import UserError
from handlers import policy
from handlers.office import ranking, rubric
from handlers.policy import Do, Forbidden
from handlers.review.steps import names_left, steps_of
from handlers.services.context import Outcome
from storage.models import Application, Person
from storage.office import AssessmentRound, RoundExpert, ScoreSheet
from storage.statuses import AppStatus, StepStatus

MAX_COMMENT = 1000


# -- reading ------------------------------------------------------------------------------------

def round_of(session, year):
    return session.scalar(select(AssessmentRound).where(AssessmentRound.year == year))


def assessed(session, app):
    """Whether ``app`` has its record of 考核验收: scored in its year's round, and the round closed."""
    round_ = round_of(session, app.year)
    if round_ is None or round_.status != "closed":
        return False
    return bool(session.scalar(select(func.count(ScoreSheet.id)).where(
        ScoreSheet.round_id == round_.id, ScoreSheet.application_id == app.id, ScoreSheet.submitted_at.is_not(None))))


def _round(ctx, year, *, open_only=True):
    round_ = round_of(ctx.session, year)
    if round_ is None:
        raise UserError(f"{year} 年度考核验收还没有开始。")
    if open_only and round_.status == "closed":
        raise UserError(f"{year} 年度考核验收已结束，评审记录不能再修改。")
    return round_


def _audit(ctx, action, round_, *, sheet=None, app=None, key="", before=None, after=None, detail=""):
    app = app or (sheet.application if sheet is not None else None)
    ctx.audit(f"assessment.{action}", object_type="score_sheet" if sheet is not None else "assessment_round",
              object_id=sheet.id if sheet is not None else round_.id,
              application_id=app.id if app else None, studio_id=app.studio_id if app else None,
              unit_id=app.studio.unit_id if app else None, key=key or str(round_.year),
              before=before, after=after, detail=detail)


def reached_group_step(session, app):
    """An application at the group union's step (pending there), or past it (approved)."""
    if app.status == AppStatus.APPROVED:
        return True
    if app.status != AppStatus.SUBMITTED:
        return False
    return any(s.role == "group" and s.status == StepStatus.PENDING for s in steps_of(session, app))


# -- the round and its rubric ---------------------------------------------------------------------

def open_round(ctx, year):
    """Open ``year``'s 考核验收 with the default rubric (once a year)."""
    policy.require(ctx.actor, Do.ASSESS_MANAGE, "考核验收")
    found = round_of(ctx.session, year)
    if found is not None:
        return Outcome("exists", {"round": found})
    round_ = AssessmentRound(year=year, rubric=rubric.default_items(), next_item=len(rubric.DEFAULT) + 1, ties=[],
                             status="open", created_by=ctx.actor.person_id, created_at=ctx.clock.utcnow())
    ctx.session.add(round_)
    ctx.session.flush()
    _audit(ctx, "open", round_, after={"rubric": round_.rubric}, detail=f"{year} 年度考核验收")
    return Outcome("opened", {"round": round_})


def _editable_rubric(ctx, year):
    policy.require(ctx.actor, Do.ASSESS_MANAGE, "修改评分细则")
    round_ = _round(ctx, year)
    submitted = ctx.session.scalar(select(func.count(ScoreSheet.id)).where(
        ScoreSheet.round_id == round_.id, ScoreSheet.submitted_at.is_not(None)))
    if submitted:
        raise UserError(f"已有 {submitted} 份评分表提交，评分细则不能再修改。")
    return round_


def _item(round_, key):
    item = next((i for i in round_.rubric if i["key"] == key), None)
    if item is None:
        raise UserError("没有这个评分项，可能已被删除。")
    return item


def add_item(ctx, year, name, maximum, basis=""):
    round_ = _editable_rubric(ctx, year)
    if len(round_.rubric) >= rubric.MAX_ITEMS:
        raise UserError(f"评分项最多 {rubric.MAX_ITEMS} 项。")
    name, maximum, basis = rubric.checked_item(name, maximum, basis)
    if any(i["name"] == name for i in round_.rubric):
        raise UserError(f"已有评分项「{name}」。")
    item = {"key": f"i{round_.next_item}", "name": name, "max": maximum, "basis": basis}
    round_.rubric = [*round_.rubric, item]
    round_.next_item += 1
    _audit(ctx, "rubric.add", round_, key=item["key"], after=item, detail=name)
    return Outcome("added", {"round": round_, "item": item, "problem": rubric.not_full_marks(round_.rubric)})


def change_item(ctx, year, key, *, name=None, maximum=None, basis=None):
    round_ = _editable_rubric(ctx, year)
    item = _item(round_, key)
    new_name, new_max, new_basis = rubric.checked_item(item["name"] if name is None else name,
                                                       item["max"] if maximum is None else maximum,
                                                       item["basis"] if basis is None else basis)
    if new_name != item["name"] and any(i["name"] == new_name for i in round_.rubric):
        raise UserError(f"已有评分项「{new_name}」。")
    changed = {**item, "name": new_name, "max": new_max, "basis": new_basis}
    if changed == item:
        return Outcome("unchanged", {"round": round_, "item": item, "problem": rubric.not_full_marks(round_.rubric)})
    round_.rubric = [changed if i["key"] == key else i for i in round_.rubric]
    _scrub_drafts(ctx, round_, key, Decimal(new_max))
    _audit(ctx, "rubric.change", round_, key=key, before=item, after=changed, detail=new_name)
    return Outcome("changed", {"round": round_, "item": changed, "problem": rubric.not_full_marks(round_.rubric)})


def remove_item(ctx, year, key):
    round_ = _editable_rubric(ctx, year)
    item = _item(round_, key)
    round_.rubric = [i for i in round_.rubric if i["key"] != key]
    _scrub_drafts(ctx, round_, key, None)
    _audit(ctx, "rubric.remove", round_, key=key, before=item, detail=item["name"])
    return Outcome("removed", {"round": round_, "item": item, "problem": rubric.not_full_marks(round_.rubric)})


def _scrub_drafts(ctx, round_, key, maximum):
    """Draft points of an item removed, or above its new maximum, are cleared (to be scored again)."""
    for sheet in ctx.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id)):
        value = (sheet.scores or {}).get(key)
        if value is not None and (maximum is None or Decimal(value) > maximum):
            sheet.scores = {k: v for k, v in sheet.scores.items() if k != key}


# -- experts and assignments ------------------------------------------------------------------------

def experts(session, round_):
    return session.scalars(select(Person).join(RoundExpert, RoundExpert.person_id == Person.id)
                           .where(RoundExpert.round_id == round_.id).order_by(Person.id)).all()


def invite(ctx, year, person_id):
    """Invite a 评审专家 to ``year``'s round; they are told in chat."""
    policy.require(ctx.actor, Do.ASSESS_MANAGE, "邀请评审专家")
    round_ = _round(ctx, year)
    person = ctx.session.get(Person, person_id)
    if person is None:
        raise UserError("没有找到这位人员。")
    if "expert" not in person.role_names:
        raise UserError(f"{person.name}还没有「评审专家」角色，请管理员先添加角色（或在人员导入表中填写「评审专家」）。")
    if ctx.session.scalar(select(RoundExpert).where(RoundExpert.round_id == round_.id,
                                                    RoundExpert.person_id == person.id)) is not None:
        return Outcome("already", {"round": round_, "expert": person})
    ctx.session.add(RoundExpert(round_id=round_.id, person_id=person.id, invited_by=ctx.actor.person_id,
                                invited_at=ctx.clock.utcnow()))
    ctx.session.flush()
    _audit(ctx, "invite", round_, key=str(person.id), after={"expert": person.id}, detail=person.name)
    told = [person] if ctx.tell(person, f"【评审邀请】{person.name}您好，{ctx.config.union_name}邀请您担任 {year} 年度"
                                        "劳模（工匠人才）创新工作室考核验收评审专家。分配给您的申报会逐一通知，"
                                        "请在管理台按评分细则逐项打分并填写评语。",
                                key=f"assessment:invite:{round_.id}:{person.id}", notice="assessment") else []
    return Outcome("invited", {"round": round_, "expert": person}, told=told)


def assign(ctx, year, app_id, expert_id):
    """Assign an application at the group step to an invited expert (never one of its own unit)."""
    policy.require(ctx.actor, Do.ASSESS_MANAGE, "分配评审")
    round_ = _round(ctx, year)
    session = ctx.session
    app = session.get(Application, app_id)
    if app is None or app.year != year:
        raise UserError(f"没有找到这份 {year} 年度申报。")
    if not reached_group_step(session, app):
        raise UserError(f"「{app.studio.name}」{year} 年度申报还没有到集团工会审批这一步，不能分配评审。")
    expert = session.get(Person, expert_id)
    if expert is None or session.scalar(select(RoundExpert).where(RoundExpert.round_id == round_.id,
                                                                  RoundExpert.person_id == expert_id)) is None:
        raise UserError("请先邀请这位评审专家参加本年度考核验收。")
    if policy.conflict_of_interest(expert, app.studio):
        unit = app.studio.unit.name if app.studio.unit else "同一单位"
        raise UserError(f"不能分配：{expert.name}与「{app.studio.name}」同属{unit}，按回避原则，评审专家不评审本单位的工作室。")
    found = session.scalar(select(ScoreSheet).where(ScoreSheet.round_id == round_.id, ScoreSheet.application_id == app.id,
                                                    ScoreSheet.expert_id == expert.id))
    if found is not None:
        return Outcome("already", {"sheet": found, "app": app, "expert": expert})
    sheet = ScoreSheet(round_id=round_.id, application_id=app.id, expert_id=expert.id, scores={}, notes={}, comment="",
                       assigned_by=ctx.actor.person_id, assigned_at=ctx.clock.utcnow())
    session.add(sheet)
    session.flush()
    _audit(ctx, "assign", round_, sheet=sheet, key=str(expert.id), after={"expert": expert.id}, detail=expert.name)
    unit = app.studio.unit.name if app.studio.unit else ""
    told = [expert] if ctx.tell(expert, f"【评审任务】{expert.name}您好，「{app.studio.name}」（{unit}）{year} 年度申报"
                                        "已分配给您评分，请在管理台逐项打分、填写评语后提交。",
                                key=f"assessment:assign:{sheet.id}", notice="assessment") else []
    return Outcome("assigned", {"sheet": sheet, "app": app, "expert": expert}, told=told)


def unassign(ctx, sheet_id, reason):
    """Take back an unsubmitted sheet (the expert cannot score it), with a reason."""
    policy.require(ctx.actor, Do.ASSESS_MANAGE, "撤回评审分配")
    sheet = ctx.session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise UserError("没有找到这份评分表。")
    round_ = _round(ctx, ctx.session.get(AssessmentRound, sheet.round_id).year)
    if sheet.submitted_at is not None:
        raise UserError("这份评分表已提交，不能撤回分配。")
    reason = (reason or "").strip()
    if not reason:
        raise UserError("请写明撤回分配的理由。")
    _audit(ctx, "unassign", round_, sheet=sheet, before={"expert": sheet.expert_id, "scores": sheet.scores}, detail=reason)
    ctx.session.delete(sheet)
    ctx.session.flush()
    return Outcome("unassigned", {"reason": reason})


# -- scoring ------------------------------------------------------------------------------------------

def _own_sheet(ctx, sheet_id, what="评分"):
    policy.require(ctx.actor, Do.ASSESS_SCORE, what)
    sheet = ctx.session.get(ScoreSheet, sheet_id)
    if sheet is None:
        raise UserError("没有找到这份评分表。")
    if sheet.expert_id != ctx.actor.person_id:
        raise Forbidden("这份评分表不是分配给您的。")
    round_ = ctx.session.get(AssessmentRound, sheet.round_id)
    if round_.status == "closed":
        raise UserError(f"{round_.year} 年度考核验收已结束，评分不能再修改。")
    if sheet.submitted_at is not None:
        raise UserError("这份评分表已提交，不能再修改。")
    return sheet, round_


def save_sheet(ctx, sheet_id, scores=None, notes=None, comment=None):
    """Save an expert's draft: ``scores`` {item key: points typed}, ``notes`` {item key: text},
    ``comment`` (the sheet's 评语). Items not given keep their value; a blank point clears it."""
    sheet, round_ = _own_sheet(ctx, sheet_id)
    items = {i["key"]: i for i in round_.rubric}
    new_scores, new_notes = dict(sheet.scores or {}), dict(sheet.notes or {})
    for key, text in (scores or {}).items():
        if key not in items:
            raise UserError("评分项已变更，请刷新后再评分。")
        if text in (None, ""):
            new_scores.pop(key, None)
        else:
            new_scores[key] = rubric.points(text, f"「{items[key]['name']}」的得分", items[key]["max"])
    for key, text in (notes or {}).items():
        if key not in items:
            raise UserError("评分项已变更，请刷新后再评分。")
        text = (text or "").strip()
        if len(text) > MAX_COMMENT:
            raise UserError(f"「{items[key]['name']}」的说明不能超过 {MAX_COMMENT} 字。")
        if text:
            new_notes[key] = text
        else:
            new_notes.pop(key, None)
    new_comment = sheet.comment if comment is None else comment.strip()
    if len(new_comment) > MAX_COMMENT:
        raise UserError(f"评语不能超过 {MAX_COMMENT} 字。")
    before = {"scores": sheet.scores, "notes": sheet.notes, "comment": sheet.comment}
    after = {"scores": new_scores, "notes": new_notes, "comment": new_comment}
    if before == after:
        return Outcome("unchanged", {"sheet": sheet, "missing": missing_items(round_, sheet)})
    sheet.scores, sheet.notes, sheet.comment = new_scores, new_notes, new_comment
    _audit(ctx, "score", round_, sheet=sheet, before=before, after=after)
    return Outcome("saved", {"sheet": sheet, "total": ranking.sheet_total(new_scores),
                             "missing": missing_items(round_, sheet)})


def score(ctx, sheet_id, key, points, note=None):
    """One item's points (and its note): the phone's way, item by item."""
    return save_sheet(ctx, sheet_id, {key: points}, None if note is None else {key: note})


def missing_items(round_, sheet):
    return [i["name"] for i in round_.rubric if i["key"] not in (sheet.scores or {})]


def submit_sheet(ctx, sheet_id):
    """提交 a complete sheet: every item scored, a comment written, the rubric at 100 points."""
    sheet, round_ = _own_sheet(ctx, sheet_id, "提交评分")
    problem = rubric.not_full_marks(round_.rubric)
    if problem:
        raise UserError(problem.replace("请先调整评分项", "请联系集团工会调整评分项"))
    missing = missing_items(round_, sheet)
    if missing:
        raise UserError(f"评分表还没有填完，不能提交：{'、'.join(missing)} 未打分。")
    if not (sheet.comment or "").strip():
        raise UserError("请填写评语后再提交。")
    sheet.submitted_at = ctx.clock.utcnow()
    total = ranking.sheet_total(sheet.scores)
    _audit(ctx, "submit", round_, sheet=sheet, after={"total": rubric.format_points(total)},
           detail=f"{rubric.format_points(total)} 分")
    return Outcome("submitted", {"sheet": sheet, "total": total})


def sheets(ctx, year, *, app_id=None):
    """Score sheets of ``year``: the office sees every one; an expert only their own until the round
    is closed, then every one."""
    policy.require(ctx.actor, Do.ASSESS_READ, "评分表")
    round_ = _round(ctx, year, open_only=False)
    query = select(ScoreSheet).where(ScoreSheet.round_id == round_.id)
    if not policy.sees_all(ctx.actor) and round_.status != "closed":
        query = query.where(ScoreSheet.expert_id == ctx.actor.person_id)
    if app_id is not None:
        query = query.where(ScoreSheet.application_id == app_id)
    return ctx.session.scalars(query.order_by(ScoreSheet.application_id, ScoreSheet.expert_id)).all()


# -- results, ties, closing -------------------------------------------------------------------------

def standings(session, round_):
    """The ranked standings of a round (handlers/office/ranking.py), each with its application."""
    rows = session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id)).all()
    by_app = {}
    for sheet in rows:
        s = by_app.setdefault(sheet.application_id, ranking.Standing(sheet.application_id))
        s.assigned += 1
        if sheet.submitted_at is not None:
            s.totals.append(ranking.sheet_total(sheet.scores))
    ordered = ranking.rank(list(by_app.values()), round_.ties or [])
    apps = {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(list(by_app))))}
    return [(s, apps[s.app_id]) for s in ordered]


def results(ctx, year):
    """The office's view: per application the average, the spread, each sheet's total, the rank,
    the ties; with the year's quota. An expert sees it only once the round is closed."""
    policy.require(ctx.actor, Do.ASSESS_READ, "评审结果")
    round_ = _round(ctx, year, open_only=False)
    if not policy.sees_all(ctx.actor) and round_.status != "closed":
        raise Forbidden("考核验收结束前，评审专家只能查看自己的评分表。")
    ordered = standings(ctx.session, round_)
    named, left = names_left(ctx.session, ctx.config, year)
    return Outcome("results", {"round": round_, "standings": ordered,
                               "ties": ranking.unbroken_ties([s for s, _ in ordered]),
                               "quota": ctx.config.naming_quota, "named": named, "left": left})


def break_tie(ctx, year, app_ids, reason):
    """The office orders a group of applications with equal averages, with a reason (audited)."""
    policy.require(ctx.actor, Do.ASSESS_MANAGE, "确定并列名次")
    round_ = _round(ctx, year, open_only=False)
    reason = (reason or "").strip()
    if not reason:
        raise UserError("请写明确定名次的理由，例如「创新成果获省部级奖项更多」。")
    ids = [int(i) for i in app_ids]
    groups = ranking.unbroken_ties([s for s, _ in standings(ctx.session, round_)])
    if sorted(ids) not in groups or len(set(ids)) != len(ids):
        raise UserError("这些申报现在并不并列（或还有其他并列的申报没有列入），请刷新后再确定名次。")
    before = list(round_.ties or [])
    round_.ties = [t for t in before if set(t["apps"]) != set(ids)] + [{"apps": ids, "reason": reason}]
    _audit(ctx, "tie", round_, key=",".join(map(str, ids)), before=before, after=round_.ties, detail=reason)
    return Outcome("broken", {"round": round_, "order": ids, "reason": reason})


def close_round(ctx, year):
    """结束考核验收: every assigned sheet submitted; the round becomes the record naming requires."""
    policy.require(ctx.actor, Do.ASSESS_MANAGE, "结束考核验收")
    round_ = _round(ctx, year)
    rows = ctx.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == round_.id)).all()
    if not rows:
        raise UserError(f"{year} 年度考核验收还没有分配任何评审，不能结束。")
    waiting = [s for s in rows if s.submitted_at is None]
    if waiting:
        names = "、".join(f"{s.expert.name}（{s.application.studio.name}）" for s in waiting[:8])
        raise UserError(f"还有 {len(waiting)} 份评分表没有提交：{names}。请催办，或撤回分配后再结束。")
    round_.status, round_.closed_by, round_.closed_at = "closed", ctx.actor.person_id, ctx.clock.utcnow()
    _audit(ctx, "close", round_, before={"status": "open"}, after={"status": "closed"},
           detail=f"{len({s.application_id for s in rows})} 份申报、{len(rows)} 份评分表")
    told = []
    for expert in experts(ctx.session, round_):
        if ctx.tell(expert, f"【考核验收结束】{expert.name}您好，{year} 年度考核验收已结束，感谢您的评审。"
                            "现在可以在管理台查看全部评审结果。", key=f"assessment:close:{round_.id}:{expert.id}",
                    notice="assessment"):
            told.append(expert)
    return Outcome("closed", {"round": round_, "sheets": len(rows)}, told=told)
