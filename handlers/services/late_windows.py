"""Late windows (延期): the group union lets one studio submit its application after the deadline.

A window is kept on the year's application (``flags["late_window"]``: until a date, the reason,
who granted it and when; handlers/review/deadline.py reads it), audited (``application.late_window``),
and the studio's leader and members and its unit's three reviewers are told. An application whose unit
steps end after the deadline stays marked 逾期: a late window lets it in, it does not make it timely.
"""
from datetime import timedelta

from sqlalchemy import select

from bot import cycle
from bot.errors import UserError
from bot.message import Button
from handlers import policy
from handlers.application.current import named_refusal
from handlers.policy import Do
from handlers.review.deadline import LATE_FLAG, long_date, past_deadline
from handlers.review.steps import STATUS, role_holders
from handlers.services.context import Outcome
from storage import applications
from storage.models import Person
from storage.statuses import AppStatus

UNIT_ROLES = ("union", "tech", "party")


def grant(ctx, studio, until, reason):
    """延期: ``studio``'s application of this year may be submitted (a first 提交) until ``until``."""
    policy.require(ctx.actor, Do.LATE_WINDOW, "延期")
    reason = (reason or "").strip()
    if not reason:
        raise UserError("请写明延期理由（会记入记录并告知领衔人和所在单位），例如「延期 工作室名称 6月10日 领衔人出国参加技术交流」。")
    today = ctx.clock.today()
    year = today.year
    cal = cycle.calendar(ctx.config, year)
    refusal = named_refusal(ctx.config, studio)
    if refusal:
        raise UserError(refusal)
    if until <= cal.deadline or until < today:
        raise UserError(f"延期日期应在 {year} 年度申报截止日（{long_date(cal.deadline)}）之后、且不早于今天，"
                        f"例如「延期 {studio.name} {cycle.chinese_date(max(today, cal.deadline) + timedelta(days=7))} 理由」。")
    if until > cal.review_end:
        raise UserError(f"延期日期不能晚于考核验收结束（{long_date(cal.review_end)}），否则来不及考核验收和命名。")
    app = applications.get_or_create(ctx.session, studio, year)
    if app.status == AppStatus.RETURNED:
        raise UserError(f"「{studio.name}」{year} 年度申报是退回修改，重新提交不受截止时间限制，无需延期。")
    if app.status == AppStatus.REJECTED:
        raise UserError(f"「{studio.name}」{year} 年度申报未通过，需先「重新开放」。")
    if app.status not in (AppStatus.DRAFT, AppStatus.WITHDRAWN):
        raise UserError(f"「{studio.name}」{year} 年度申报已提交（{STATUS.get(app.status, app.status)}），无需延期。")
    before = (app.flags or {}).get(LATE_FLAG)
    window = {"until": until.strftime("%Y%m%d"), "reason": reason, "by": ctx.actor.name,
              "on": today.strftime("%Y%m%d")}
    applications.set_flag(app, LATE_FLAG, window)
    ctx.audit("application.late_window", object_type="application", object_id=app.id, application_id=app.id,
              studio_id=studio.id, unit_id=studio.unit_id, detail=reason, before=before, after=window)
    told = _tell(ctx, app, studio, until, reason, cal)
    return Outcome("granted", {"app": app, "studio": studio, "until": until, "reason": reason,
                               "year": year, "before": before}, told=told)


def _tell(ctx, app, studio, until, reason, cal):
    """The studio's leader and members, then its unit's three reviewers, once per window."""
    when = long_date(until)
    key = f"late:{app.id}:{until:%Y%m%d}"
    people = ctx.session.scalars(select(Person).where(Person.studio_id == studio.id).order_by(Person.id)).all()
    told = []
    late = "" if not past_deadline(ctx.config, app.year, ctx.clock.now()) else "（截止日已过）"
    for person in people:
        if policy.STUDIO_PEOPLE & person.role_names:
            ctx.tell(person, f"【准予延期】{ctx.config.union_name}准予「{studio.name}」{app.year} 年度申报延期至 {when}"
                             f"{late}（理由：{reason}）。请在 {when}前完成申报表并「提交」（截止后才完成所在单位审批的申报标注为逾期）。",
                     key=f"{key}:{person.id}", notice="review_result", buttons=[Button("继续填写", "申报")])
            told.append(person)
    for role in UNIT_ROLES:
        for person in role_holders(ctx.session, role, studio.unit_id):
            if person.studio_id == studio.id or person in told:
                continue
            ctx.tell(person, f"【准予延期】{ctx.config.union_name}准予本单位「{studio.name}」{app.year} 年度申报延期至 "
                             f"{when}（理由：{reason}）。领衔人提交后请尽快完成所在单位审批"
                             f"（{cycle.chinese_date(cal.deadline)}截止后才完成所在单位审批的申报标注为逾期）。",
                     key=f"{key}:{person.id}", notice="review_result")
            told.append(person)
    return told

