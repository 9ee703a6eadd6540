"""The approval chain's state: its four steps, who reviews each, what the applicant and documents are told.

Read by the approval chain's service (handlers/services/review.py), the prompts
(handlers/review/prompts.py), the documents and the notices; it writes only step fields it is handed
and the audit rows of what the assistant itself does (a missing reviewer, 催办).
"""
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.cycle import calendar
from storage import audit, clock
from storage.actor import Actor
from storage.models import Application, Person, PersonRole, ReviewStep
from storage.statuses import AppStatus, StepStatus

STEPS = ((1, "union"), (2, "tech"), (3, "party"), (4, "group"))


STEP_NAMES = {"union": "所在单位工会", "tech": "所在单位技术部门", "party": "所在单位党委", "group": "集团工会联合会"}


STATUS = {AppStatus.DRAFT: "填写中", AppStatus.SUBMITTED: "审批中", AppStatus.RETURNED: "已退回修改",
          AppStatus.APPROVED: "审批通过", AppStatus.REJECTED: "未通过", AppStatus.NAMED: "已命名",
          AppStatus.WITHDRAWN: "已撤回"}


DECISIONS = {"approve": "同意", "return": "退回修改", "reject": "不同意"}


NO_REVIEWER_NOTE = "注意：{step}还没有绑定审批人员，申报暂时无法继续，已通知所在单位工会、集团工会和管理员。"


RETURN_TODO = ("请按意见补充或更正：证明材料（如加盖财务章的原件扫描件）可在「申报」中进入相应字段后"
               "直接发送照片或文件；需要改的内容发送「修改 字段名」。")


def log_system(session, app, action, step=None, detail="", at=None):
    """An audit row for what the assistant itself did in the chain (a missing reviewer, 催办)."""
    audit.record(session, Actor.system(), f"review.{action}", at=at or clock.of(session).utcnow(), object_type="application",
                 object_id=app.id, application_id=app.id, studio_id=app.studio_id, unit_id=app.studio.unit_id,
                 key=step or "", detail=detail)


def role_holders(session, role, unit_id=None):
    query = select(Person).join(PersonRole).where(PersonRole.role == role)
    if unit_id is not None and role != "group":
        query = query.where(Person.unit_id == unit_id)
    return session.scalars(query.order_by(Person.id)).all()


def reviewers_for(session, app, step):
    """The people who decide ``step``: its assignee after a transfer, else every holder of the role."""
    if step.assignee_id:
        return [session.get(Person, step.assignee_id)]
    people = role_holders(session, step.role, app.studio.unit_id)
    return [p for p in people if p.studio_id != app.studio_id]



def steps_of(session, app):
    return session.scalars(select(ReviewStep).where(ReviewStep.application_id == app.id)
                           .order_by(ReviewStep.step)).all()


def pending_steps(session):
    return session.execute(select(ReviewStep, Application).join(Application)
                           .where(ReviewStep.status == StepStatus.PENDING).order_by(ReviewStep.id)).all()


def rejected_text(session, app):
    """What the applicant is told about a rejected application: final for the year, who may reopen."""
    step = next((s for s in steps_of(session, app) if s.status == StepStatus.REJECTED), None)
    where = f"第 {step.step} 步 {STEP_NAMES[step.role]}" if step else "审批"
    opinion = f"（意见：{step.opinion}）" if step and step.opinion else ""
    return (f"您的 {app.year} 年度申报未通过{where}{opinion}，本年度申报流程已结束，不能再修改或提交。"
            "如有异议，请联系集团工会联合会办公室；只有集团工会可以重新开放本年度申报。")


def make_pending(session, step, now):
    step.status, step.pending_since, step.reminders = StepStatus.PENDING, now, 0
    step.decided_by, step.decided_at, step.opinion = None, None, ""
    step.version += 1


def status_text(session, app):
    if app.status not in (AppStatus.SUBMITTED, AppStatus.RETURNED):
        return STATUS.get(app.status, app.status)
    current = next((s for s in steps_of(session, app) if s.status in (StepStatus.PENDING, StepStatus.RETURNED)), None)
    if current is None:
        return STATUS.get(app.status, app.status)
    verb = "审批中" if current.status == StepStatus.PENDING else "退回修改"
    return f"第 {current.step} 步 {STEP_NAMES[current.role]}{verb}"


def naming_window(config, year):
    """(first, last) day a ``year`` application may be named: from BOT_NAMING_FROM, after the
    deadline and once 考核验收 has begun, to the year's end (下半年适时进行命名)."""
    cal = calendar(config, year)
    first = max(cal.naming_from, cal.review_start, cal.deadline + timedelta(days=1))
    return first, date(year, 12, 31)


def names_left(session, config, year):
    """(named so far, left) of ``year``'s quota (BOT_NAMING_QUOTA, 每年10个)."""
    named = session.scalar(select(func.count(Application.id)).where(Application.year == year,
                                                                     Application.status == AppStatus.NAMED)) or 0
    return named, max(0, config.naming_quota - named)


def opinions_for_document(session, app):
    """Each decided step's opinion, reviewer name and date, for the DOCX opinion boxes."""
    result = {}
    for step in steps_of(session, app):
        if step.decided_at and step.status in (StepStatus.APPROVED, StepStatus.RETURNED, StepStatus.REJECTED):
            person = session.get(Person, step.decided_by)
            local = clock.of(session).local(step.decided_at)
            result[step.role] = {"opinion": step.opinion if step.status != StepStatus.RETURNED else f"退回修改：{step.opinion}",
                                 "name": person.name if person else "", "date": local.strftime("%Y%m%d")}
    return result
