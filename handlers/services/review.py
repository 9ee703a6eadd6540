"""The approval chain's operations: submit, withdraw, decide (同意 / 退回修改 / 不同意), transfer, reopen, 催办.

An application goes 所在单位工会 → 所在单位技术部门 → 所在单位党委 → 集团工会联合会. A decision names
the step and the version it decides: whoever decides first (a chat button, the console) wins, and
the other gets 「这一步已处理」. Every change writes one audit row (``review.*``).
"""
import re

from sqlalchemy import select

from bot.actions import encode
from bot.errors import UserError
from bot.message import Button, Outgoing
from bot.workdays import workdays_between
from handlers import policy
from bot import cycle
from handlers.application import proofs
from handlers.application.current import named_refusal
from handlers.application.schema import application_form, figure_check
from handlers.notices.rules import draft_status
from handlers.policy import Do, Forbidden
from handlers.review import deadline, fields as review_fields
from handlers.review.prompts import prompt_message, prompt_reviewers, tell_applicant
from handlers.review.steps import (STATUS, STEP_NAMES, STEPS, make_pending, rejected_text, reviewers_for, role_holders,
                                   steps_of)
from handlers.services.context import Outcome
from storage import applications
from storage.models import Account, Application, Person, ReviewStep
from storage.statuses import EDITABLE, AppStatus, StepStatus, StudioStatus

DECISIONS = {"approve": "同意", "return": "退回修改", "reject": "不同意"}
DECIDED = {"approve": StepStatus.APPROVED, "return": StepStatus.RETURNED, "reject": StepStatus.REJECTED}
SHORT_COMMENT = 4          # a 退回 naming no field needs at least this many characters of request


def _audit(ctx, app, action, step=None, detail="", before=None, after=None):
    ctx.audit(f"review.{action}", object_type="application", object_id=app.id, application_id=app.id,
              studio_id=app.studio_id, unit_id=app.studio.unit_id, key=step.step if step else "",
              detail=detail, before=before, after=after)


def _own_application(ctx, app):
    policy.require(ctx.actor, Do.APPLY, "申报")
    if not ctx.actor.is_system and ctx.actor.studio_id != app.studio_id:
        raise Forbidden("这不是您所在工作室的申报表。")


# -- submission -------------------------------------------------------------------------------

def submit_refusal(ctx, app):
    """What stops a 提交 of ``app`` now whatever its answers (a message), or None: a studio already
    named is not named again; after the deadline a first submission needs a late window."""
    refusal = named_refusal(ctx.config, app.studio) if app.status != AppStatus.NAMED else None
    if refusal:
        return refusal
    resuming = any(s.status == StepStatus.RETURNED for s in steps_of(ctx.session, app))
    return deadline.submission_refusal(ctx.config, app, ctx.clock.now(), resuming=resuming)


def submit_problems(ctx, app, answers, skipped):
    """What stops 提交 in the answers: contradictions and figures that disagree (the 填报日期 within the
    cycle), then (with BOT_PROOFS_REQUIRED) starred items without proof. Returns (problems, lacking proofs)."""
    previous = cycle.calendar(ctx.config, app.year - 1).deadline
    problems = figure_check(app.year, answers, today=ctx.clock.today(), previous_deadline=previous, skipped=skipped)
    lacking = proofs.missing(ctx.session, app)
    return problems, lacking


def submit(ctx, app):
    """The applicant confirmed 提交: start the chain, or resume it at the step that returned it.

    The steps are created once and never deleted (撤回 and 重新开放 set them back to waiting), so
    every round's step versions are new and each round's prompt reaches its reviewer. After the
    deadline a first submission is refused unless the group union granted a late window; a
    resubmission after a 退回 never is."""
    _own_application(ctx, app)
    session = ctx.session
    if app.status == AppStatus.REJECTED:
        raise UserError(rejected_text(session, app))
    if app.status not in EDITABLE:
        raise UserError(f"{app.year} 年度申报已提交，当前：{STATUS.get(app.status, app.status)}。")
    refusal = submit_refusal(ctx, app)
    if refusal:
        raise UserError(refusal)
    answers = applications.load_answers(session, app.id)
    skipped = set((app.flags or {}).get("skipped", []))
    problems, lacking = submit_problems(ctx, app, answers, skipped)
    if problems:
        raise UserError("以下内容前后不一致，暂不能提交：\n" + "\n".join(problems))
    if lacking and ctx.config.proofs_required:
        names = "、".join(i.qualified for i in lacking)
        raise UserError(f"以下 {len(lacking)} 项带 * 的内容还没有证明材料，暂不能提交：{names}。\n"
                        "请发送「证明 项目名」后发送照片或文件，补齐后再说「提交」。")
    steps = steps_of(session, app)
    if not steps:
        steps = [ReviewStep(application_id=app.id, step=n, role=role, status=StepStatus.WAITING, opinion="",
                            reminders=0, version=0) for n, role in STEPS]
        session.add_all(steps)
        session.flush()
    current = next((s for s in steps if s.status in (StepStatus.RETURNED, StepStatus.PENDING)), None)
    action = "resubmit" if current is not None and current.status == StepStatus.RETURNED else "submit"
    current = current or steps[0]
    before = app.status
    late = deadline.overdue_text(session, ctx.config, app, ctx.clock.now())
    app.status = AppStatus.SUBMITTED
    app.submitted_at = ctx.clock.utcnow()
    applications.set_flag(app, "revise", [])
    make_pending(session, current, ctx.clock.utcnow())
    _audit(ctx, app, action, current, detail=late, before={"status": before}, after={"status": app.status})
    reviewers = prompt_reviewers(session, app, current)
    return Outcome(action, {"app": app, "step": current, "reviewers": reviewers, "late": late})


def withdraw(ctx, app):
    """撤回: possible until the first decision of the round."""
    _own_application(ctx, app)
    if app.status != AppStatus.SUBMITTED:
        raise UserError("没有可以撤回的申报（只有已提交、尚未审批的申报可以撤回）。")
    steps = steps_of(ctx.session, app)
    if any(s.decided_at for s in steps):
        raise UserError("审批已经开始，不能撤回。如需修改，请联系审批人退回。")
    if deadline.submission_refusal(ctx.config, app, ctx.clock.now(), resuming=False):
        raise UserError(f"{app.year} 年度申报已过截止时间，撤回后不能再次提交，所以现在不能撤回。"
                        "如需修改，请联系审批人「退回修改」（退回后重新提交不受截止时间限制）。")
    reset_steps(steps)
    app.status = AppStatus.WITHDRAWN
    _audit(ctx, app, "withdraw", before={"status": AppStatus.SUBMITTED}, after={"status": app.status})
    return Outcome("withdrawn", {"app": app})


def reset_steps(steps):
    """Every step back to waiting; versions go on growing, so old cards and prompt keys stay stale."""
    for step in steps:
        step.status, step.assignee_id, step.reminders = StepStatus.WAITING, None, 0
        step.decided_by, step.decided_at, step.opinion, step.pending_since = None, None, "", None
        step.version += 1


# -- decisions ------------------------------------------------------------------------------------

def step_to_decide(ctx, step_id, version, decision=None):
    """The step a decision names, checked: still pending, this version, and the actor may decide it;
    with ``decision``, also that the calendar allows it (the group step's 同意 waits for 考核验收)."""
    policy.require(ctx.actor, Do.REVIEW, "审批")
    step = ctx.session.get(ReviewStep, step_id)
    if step is None:
        raise UserError("这条审批已不存在。发送「审批」查看待办。")
    app = ctx.session.get(Application, step.application_id)
    if step.status != StepStatus.PENDING or step.version != version:
        done = STATUS.get(app.status, app.status) if step.status == StepStatus.PENDING else \
            {"approved": "已同意", "returned": "已退回修改", "rejected": "未通过", "waiting": "尚未开始"
             }.get(step.status, step.status)
        raise UserError(f"这一步已处理（{done}），无需重复操作。发送「审批」查看待办。")
    if not policy.may_decide(ctx.actor, app, step):
        if ctx.actor.studio_id is not None and ctx.actor.studio_id == app.studio_id:
            raise Forbidden("不能审批本工作室的申报。")
        raise Forbidden(f"您不是这一步（{STEP_NAMES[step.role]}）的审批人，无权操作。")
    refusal = deadline.final_opinion_refusal(ctx.config, app, step, decision, ctx.clock.today()) if decision else None
    if refusal:
        raise UserError(refusal)
    return step, app


def fields_named(app, text):
    """Field keys an opinion names, in form order (handlers/review/fields.py: labels, aliases, blocks, years)."""
    return review_fields.named(application_form(app.year), text, app.year)


def _check_return(opinion, fields):
    """A 退回 says what to change: fields flagged, or a request of a few words at least."""
    if not fields and len(re.sub(r"\s", "", opinion or "")) < SHORT_COMMENT:
        raise UserError("请写明需要修改或补充的内容，例如「2024年经费来源请补充来源单位和金额」"
                        "或「经济效益证明材料须加盖单位财务章原件」。")


def return_fields(ctx, step_id, version, opinion):
    """Before a 退回 is confirmed: the step checked, and the fields its ``opinion`` names (the reviewer
    may add or remove some, then ``decide`` with ``fields``). Outcome ``fields`` with ``app``, ``step``
    and ``fields`` (keys in form order)."""
    step, app = step_to_decide(ctx, step_id, version)
    named = fields_named(app, opinion)
    _check_return(opinion, named)
    return Outcome("fields", {"app": app, "step": step, "fields": named})


def decide(ctx, step_id, version, decision, opinion, fields=None):
    """同意 / 退回修改 (with the fields to revise: ``fields`` as given, else those the opinion names)
    / 不同意 of one step at one version."""
    if decision not in DECISIONS:
        raise UserError("没有这种审批结果。")
    step, app = step_to_decide(ctx, step_id, version, decision)
    session = ctx.session
    opinion = (opinion or "").strip()
    revise = []
    if decision == "return":
        form = application_form(app.year)
        revise = [k for k in (fields if fields is not None else fields_named(app, opinion)) if k in form.by_key]
        _check_return(opinion, revise)
    if decision == "reject" and not opinion:
        raise UserError("请写明不同意的理由。")
    now = ctx.clock.utcnow()
    step.status = DECIDED[decision]
    step.decided_by, step.decided_at, step.opinion = ctx.actor.person_id, now, opinion
    step.version += 1
    _audit(ctx, app, decision, step, opinion, before={"status": StepStatus.PENDING}, after={"status": step.status})
    name = STEP_NAMES[step.role]
    key = f"result:{step.id}:{step.version}"
    facts = {"app": app, "step": step, "studio": app.studio.name}
    if decision == "approve":
        following = session.scalar(select(ReviewStep).where(ReviewStep.application_id == app.id,
                                                            ReviewStep.step == step.step + 1))
        if following is None:
            app.status = AppStatus.APPROVED
            told = tell_applicant(session, app, f"您的 {app.year} 年度申报已通过全部审批（{name}：{opinion or '同意'}）。"
                                                 "等待命名。", key=key)
            return Outcome("approved", facts, told=told)
        make_pending(session, following, now)
        told = tell_applicant(session, app, f"第 {step.step} 步 {name}已同意（{ctx.actor.name}：{opinion or '同意'}）。"
                                             f"现由第 {following.step} 步 {STEP_NAMES[following.role]}审批。", key=key)
        reviewers = prompt_reviewers(session, app, following)
        return Outcome("moved", {**facts, "following": following, "reviewers": reviewers}, told=told)
    if decision == "return":
        app.status = AppStatus.RETURNED
        form = application_form(app.year)
        labels = [form.by_key[k].qualified for k in revise]
        applications.set_flag(app, "revise", revise)
        applications.set_flag(app, "revise_comment", opinion)
        todo = f"需修改：{'、'.join(labels)}。" if labels else RETURN_TODO
        told = tell_applicant(session, app, f"您的 {app.year} 年度申报被 {name}退回修改。\n意见：{opinion}\n"
                                             f"{todo}改好后请再次「提交」。",
                              [Button("修改申报表", "申报")], key=key)
        return Outcome("returned", {**facts, "fields": revise, "labels": labels}, told=told)
    app.status = AppStatus.REJECTED
    applicant = tell_applicant(session, app, f"很遗憾，您的 {app.year} 年度申报未通过 {name}审批。\n意见：{opinion}\n"
                                             "本年度申报流程已结束；如有异议，请联系集团工会联合会办公室。", key=key)
    told = _tell_rejection(ctx, app, step, opinion, key)
    return Outcome("rejected", {**facts, "applicant_told": applicant}, told=told)


RETURN_TODO = ("请按意见补充或更正：证明材料（如加盖财务章的原件扫描件）可在「申报」中进入相应字段后"
               "直接发送照片或文件；需要改的内容发送「修改 字段名」。")


def _tell_rejection(ctx, app, step, opinion, key):
    """A 不同意 ends the year's application: every earlier step's reviewer and the group union are told."""
    session = ctx.session
    people = {}
    for earlier in steps_of(session, app):
        if earlier.step < step.step and earlier.decided_by:
            person = session.get(Person, earlier.decided_by)
            if person is not None:
                people[person.id] = person
    if step.role != "group":
        for person in role_holders(session, "group"):
            people.setdefault(person.id, person)
    people.pop(ctx.actor.person_id, None)
    text = (f"【审批结果】{app.studio.name} {app.year} 年度申报在第 {step.step} 步 {STEP_NAMES[step.role]}"
            f"未获同意（{ctx.actor.name}：{opinion}），本年度申报流程结束。如需重新开放，由集团工会发送"
            "「重新开放 工作室名称 理由」。")
    for person in people.values():
        ctx.tell(person, text, key=f"{key}:reject:{person.id}", notice="review_result")
    return list(people.values())


def colleagues_for_transfer(ctx, step, app):
    return [p for p in role_holders(ctx.session, step.role, app.studio.unit_id)
            if p.id != ctx.actor.person_id and p.studio_id != app.studio_id]


def transfer(ctx, step_id, version, person_id):
    """转交: the step goes to a colleague of the same role (and unit), who gets the prompt."""
    step, app = step_to_decide(ctx, step_id, version)
    colleague = ctx.session.get(Person, person_id)
    if colleague is None or step.role not in colleague.role_names or colleague.studio_id == app.studio_id or \
            (step.role != "group" and colleague.unit_id != app.studio.unit_id):
        raise UserError("只能转交给同一角色、同一单位的同事。")
    before = step.assignee_id
    step.assignee_id = colleague.id
    step.version += 1
    step.pending_since = ctx.clock.utcnow()
    _audit(ctx, app, "transfer", step, f"转交给 {colleague.name}", before={"assignee": before},
           after={"assignee": colleague.id})
    prompt_reviewers(ctx.session, app, step)
    return Outcome("transferred", {"app": app, "step": step, "to": colleague})


def reopen(ctx, app, reason):
    """重新开放: only the group union reopens a rejected application; it starts again at step 1."""
    policy.require(ctx.actor, Do.REOPEN, "重新开放")
    if app.status != AppStatus.REJECTED:
        raise UserError(f"「{app.studio.name}」{app.year} 年度申报没有未通过，无需重新开放。")
    reason = (reason or "").strip()
    if not reason:
        raise UserError("请写明理由（会记入审批记录并告知领衔人），例如「重新开放 工作室名称 复核后场所已达标」。")
    steps = steps_of(ctx.session, app)
    reset_steps(steps)
    app.status = AppStatus.DRAFT
    applications.set_flag(app, deadline.REOPENED_FLAG, ctx.clock.today().strftime("%Y%m%d"))
    _audit(ctx, app, "reopen", detail=reason, before={"status": AppStatus.REJECTED}, after={"status": app.status})
    first = STEP_NAMES[STEPS[0][1]]
    tell_applicant(ctx.session, app, f"集团工会联合会已重新开放您的 {app.year} 年度申报（理由：{reason}）。"
                                      f"请发送「申报」修改后再次提交，将从第 1 步 {first}重新审批。",
                   [Button("修改申报表", "申报")], key=f"reopen:{app.id}:{steps[0].version if steps else 0}")
    return Outcome("reopened", {"app": app, "first": first, "reason": reason})


def remind(ctx, step_id):
    """催办 one pending step now (the console's button): its reviewers get the prompt's buttons with a
    reminder, at most once a day each."""
    policy.require(ctx.actor, Do.REMIND, "催办")
    step = ctx.session.get(ReviewStep, step_id)
    if step is None or step.status != StepStatus.PENDING:
        raise UserError("这一步已不在待审批状态，无需催办。")
    app = ctx.session.get(Application, step.application_id)
    if not policy.may_read_studio(ctx.actor, app.studio):
        raise Forbidden("这份申报不在您的管理范围内。")
    return _remind(ctx, app, step, reviewers_for(ctx.session, app, step))


def _remind(ctx, app, step, people):
    day = ctx.clock.today()
    text = (f"【催办】{app.studio.name} {app.year} 年申报在第 {step.step} 步 {STEP_NAMES[step.role]}"
            f"等待您审批，请尽快处理（{ctx.actor.name}提醒）。")
    message = Outgoing(text=text, buttons=prompt_message(ctx.session, app, step, ctx.config).buttons)
    told, already = [], []
    for person in people:
        if ctx.tell(person, message, key=f"remind:{step.id}:{day:%Y%m%d}:{person.id}", notice="review_chase"):
            told.append(person)
        else:
            already.append(person)
    if told:
        _audit(ctx, app, "remind", step, "、".join(p.name for p in told))
    return Outcome("reminded", {"app": app, "step": step, "already": already}, told=told)


NOT_SUBMITTED = frozenset({AppStatus.DRAFT, AppStatus.WITHDRAWN})


def remind_applicant(ctx, studio, year):
    """催办 a studio that has not submitted ``year``'s application (none, a draft, withdrawn): its
    leader gets what is still missing and the deadline, with 「继续填写」, at most once a day."""
    policy.require(ctx.actor, Do.REMIND, "催办")
    if not policy.may_read_studio(ctx.actor, studio):
        raise Forbidden("这个工作室不在您的管理范围内。")
    if studio.status != StudioStatus.ACTIVE:
        raise UserError(f"「{studio.name}」已命名或称号已撤销，不在本年度待申报之列，无需催办。")
    session = ctx.session
    app = session.scalar(select(Application).where(Application.studio_id == studio.id, Application.year == year))
    if app is not None and app.status not in NOT_SUBMITTED:
        raise UserError(f"「{studio.name}」{year} 年度申报已提交（{STATUS.get(app.status, app.status)}），无需催办。")
    cal = cycle.calendar(ctx.config, year)
    today = ctx.clock.today()
    left = workdays_between(today, cal.deadline)
    what = draft_status(session, app) if app is not None else \
        f"您的工作室还没有开始填写 {year} 年度申报表，请发送「申报」开始填写。"
    people = [session.get(Person, studio.leader_id)] if studio.leader_id else []
    people = [p for p in people if p is not None and p.studio_id == studio.id] or \
        [p for p in session.scalars(select(Person).where(Person.studio_id == studio.id)) if "leader" in p.role_names]
    told, already, unbound = [], [], []
    for person in people:
        if session.scalar(select(Account.id).where(Account.person_id == person.id).limit(1)) is None:
            unbound.append(person)
            continue
        text = (f"【催办】{person.name}您好，{what}\n申报将于 {cycle.chinese_date(cal.deadline)} 截止，"
                f"还有 {left} 个工作日（{ctx.actor.name}提醒）。")
        if ctx.tell(person, text, key=f"nudge:{studio.id}:{year}:{today:%Y%m%d}:{person.id}", notice="deadline",
                    buttons=[Button("继续填写", "申报")]):
            told.append(person)
        else:
            already.append(person)
    if told:
        ctx.audit("review.remind_applicant", object_type="studio", object_id=studio.id,
                  application_id=app.id if app is not None else None, studio_id=studio.id, unit_id=studio.unit_id,
                  detail="、".join(p.name for p in told))
    return Outcome("reminded", {"studio": studio, "app": app, "already": already, "unbound": unbound,
                                "people": people}, told=told)


def decision_action(verb, step):
    """The button action of a decision on ``step`` at its current version."""
    return encode("review", verb, step.id, step.version)
