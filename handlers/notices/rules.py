"""Notice decisions: who gets what and when (the decide_* functions), and their helpers.

Decisions are pure reads of the database returning ``Notice`` objects; writing them to the outbox
with their dedupe keys is what makes every (notice, recipient) pair go out exactly once across
retries, restarts and two racing workers. Delivery (retries, backoff, failures) is bot/delivery.py.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot import cycle
from bot.message import Button, Outgoing
from bot.workdays import missing_years, workdays_between
from handlers.application import honours, seven, seven_record
from handlers.application.current import application_year
from handlers.application.schema import application_form
from handlers.ledgers import statistics
from handlers.notices import rectify, spotcheck
from handlers.notices.notice import Notice, named_studios, timely, to_groups, unit_unions
from handlers.review import deadline
from handlers.review.prompts import chase_overdue
from handlers.review.steps import pending_steps, reviewers_for, steps_of
from storage.applications import load_answers
from storage.models import ROLES, Application, LedgerEntry, Person, PersonRole, Studio
from storage.statuses import AppStatus, StepStatus, StudioStatus

TYPES = {
    "deadline": "申报截止提醒", "review": "审批待办提醒", "chase": "审批催办", "selfcheck": "季度自查",
    "project": "立项提醒", "spotcheck_due": "抽查到期提醒", "holidays": "节假日安排缺失",
    "naming": "命名公告", "spotcheck": "抽查通知", "spotcheck_result": "抽查结果",
    # written by the approval chain (handlers/review/), shown by 通知记录
    "review_prompt": "审批待办", "review_chase": "审批催办", "review_result": "审批结果",
    "outage": "消息平台故障",      # written by the delivery (bot/outages.py)
    # the office's year (handlers/services/assessment.py, publicity.py, rectifications.py; handlers/notices/rectify.py)
    "assessment": "考核验收", "publicity": "公示", "rectify": "整改提醒",
}
ROW_TYPES = {"chase": ("chase", "review_chase"), "review": ("review", "review_prompt")}   # kind -> outbox notice values
SCHEDULED = ("deadline", "review", "chase", "selfcheck", "project", "spotcheck_due", "holidays",
             "rectify")   # decided by tick
ALIASES = {"截止": "deadline", "申报": "deadline", "审批": "review", "待办": "review", "催办": "chase",
           "自查": "selfcheck", "立项": "project", "抽查提醒": "spotcheck_due", "到期": "spotcheck_due",
           "命名": "naming", "抽查": "spotcheck", "结果": "spotcheck_result", "整改": "rectify"}
SUBMITTED = (AppStatus.SUBMITTED, AppStatus.APPROVED, AppStatus.REJECTED, AppStatus.NAMED)
UNFINISHED = (AppStatus.DRAFT, AppStatus.RETURNED)
UNIT_ROLES = ("union", "tech", "party")
MAX_MISSING_NAMES = 8


# --- the notice and writing it -------------------------------------------------------


# --- deadline countdown --------------------------------------------------------------

def decide_deadline(bot, session, now, forced=False):
    config, today = bot.config, now.date()
    year = application_year(config, today)
    cal = cycle.calendar(config, year)
    days = cal.countdown.get(today)
    if days is None and not forced:
        return []
    occasion = str(days) if days is not None else f"now{today:%Y%m%d}"
    left = (cal.deadline - today).days
    apps = session.scalars(select(Application).where(Application.year == year).order_by(Application.id)).all()
    submitted = sum(a.status in SUBMITTED for a in apps)
    unfinished = [a for a in apps if a.status in UNFINISHED]
    ends = cycle.chinese_date(cal.deadline)
    aim = deadline.aim_text(config, year)
    package = package_line(config, ends) + aim
    # "还有 N 天" holds for the day it was decided on; after the deadline the notice is pointless
    bound = timely(now, bot.clock.wall_utcnow(), datetime.combine(today + timedelta(days=1), time(0), now.tzinfo),
                   datetime.combine(cal.deadline + timedelta(days=1), time(0), now.tzinfo))
    text = (f"【申报提醒】{year} 年{config.org_name}劳模（工匠人才）创新工作室申报将于 {ends} 截止，还有 {left} 天。"
            f"请各单位工会督促领衔人在机器人中完成申报表。已提交 {submitted} 家，填写中 {len(unfinished)} 家。{package}")
    notices = to_groups(session, "deadline", f"deadline:{year}:{occasion}", Outgoing(text=text, timely=bound))
    by_leader = {}
    for app in unfinished:
        if app.studio.leader_id:
            by_leader.setdefault(app.studio.leader_id, []).append(app)
    for leader_id, leader_apps in by_leader.items():
        leader = session.get(Person, leader_id)
        lines = [draft_status(session, app) for app in leader_apps]
        msg = Outgoing(text=f"{leader.name}您好，" + "\n".join(lines) + f"\n{ends}截止，还有 {left} 天。{package}",
                       buttons=[Button("继续填写", "申报")], timely=bound)
        notices.append(Notice("deadline", f"deadline:{year}:{occasion}:{leader.id}", msg, person=leader))
    notices += _unit_countdown(session, year, apps, unfinished, f"deadline:{year}:{occasion}", ends, left, bound,
                               aim)
    return notices


def package_line(config, ends):
    """What goes with the form by the deadline (五（五）: 装订成册一式两份，同时报送电子版)."""
    return (f"申报材料（申报表、附件2 材料和证明材料）须装订成册一式两份，同时报送电子版，"
            f"{ends}前报送{config.union_name}办公室。")


def _unit_countdown(session, year, apps, unfinished, key, ends, left, bound=None, aim=""):
    """The countdown for unit reviewers: the applications waiting on them, and the unit's drafts."""
    todo = {}
    for app in apps:
        for step in steps_of(session, app):
            if step.status == StepStatus.PENDING and step.role in UNIT_ROLES:
                for person in reviewers_for(session, app, step):
                    todo.setdefault(person.id, [person, [], []])[1].append((step, app))
    for app in unfinished:
        for person in unit_unions(session, app.studio.unit_id):
            if person.studio_id != app.studio_id:
                todo.setdefault(person.id, [person, [], []])[2].append(app)
    notices = []
    for person, waiting, drafts in todo.values():
        lines = [f"【申报截止提醒】{person.name}您好，{year} 年度申报将于 {ends} 截止，还有 {left} 天。"]
        if waiting:
            lines.append(f"以下 {len(waiting)} 份申报正在等待您审批：")
            lines += [f"{i}. {app.studio.name}（第 {step.step} 步 {ROLES.get(step.role, step.role)}）"
                      for i, (step, app) in enumerate(waiting, 1)]
        if drafts:
            lines.append(f"本单位还有 {len(drafts)} 家在填写中：" + "、".join(a.studio.name for a in drafts[:MAX_MISSING_NAMES]))
        lines.append("请在截止前审批并督促领衔人提交。" + aim)
        buttons = [Button("去审批", "审批")] if waiting else []
        notices.append(Notice("deadline", f"{key}:unit:{person.id}",
                              Outgoing(text="\n".join(lines), buttons=buttons, timely=bound), person=person))
    return notices


def draft_status(session, app):
    """What is still missing from an unfinished application, in one sentence."""
    form = application_form(app.year)
    missing = form.missing(load_answers(session, app.id), set((app.flags or {}).get("skipped", [])))
    names = "、".join(item.qualified for item in missing[:MAX_MISSING_NAMES])
    more = f" 等 {len(missing)} 项" if len(missing) > MAX_MISSING_NAMES else ""
    what = f"您的 {app.year} 年度申报表"
    if app.status == AppStatus.RETURNED:
        what += "（已退回修改，尚未重新提交）"
    if not missing:
        return f"{what}已填写完整，但还没有提交，请点「继续填写」预览并提交。"
    return f"{what}还差 {len(missing)} 项：{names}{more}。"


# --- review period -------------------------------------------------------------------

def decide_review(bot, session, now, forced=False):
    today = now.date()
    cal = cycle.calendar(bot.config, today.year)
    if today not in cal.review_reminders and not forced:
        return []
    occasion = f"{today:%Y%m%d}" if today in cal.review_reminders else f"now{today:%Y%m%d}"
    todo = {}
    for step, app in pending_steps(session):
        for person in reviewers_for(session, app, step):
            todo.setdefault(person.id, (person, []))[1].append((step, app))
    notices = []
    for person, items in todo.values():
        lines = [f"【审批提醒】{person.name}您好，您有 {len(items)} 份创新工作室申报待审批："]
        for i, (step, app) in enumerate(items, 1):
            since = bot.clock.local(step.pending_since).date() if step.pending_since else today
            unit = app.studio.unit.name if app.studio.unit else ""
            late = deadline.overdue_text(session, bot.config, app, now)
            lines.append(f"{i}. {app.studio.name}（{unit}）— {ROLES.get(step.role, step.role)}审批，"
                         f"已等待 {workdays_between(since, today)} 个工作日" + (f"，⚠ {late}" if late else ""))
        lines.append("发送「审批」逐一处理。")
        msg = Outgoing(text="\n".join(lines), buttons=[Button("去审批", "审批")])
        notices.append(Notice("review", f"review:{occasion}:{person.id}", msg, person=person))
    return notices


def chase(bot, session, now):
    """催办 is the approval chain's own decision (handlers.review.chase_overdue), run daily."""
    return chase_overdue(bot, session, now.date()) or 0


# --- quarterly self-check and the fourth-quarter warning ------------------------------

def ledger_counts(session, studio_id, start, end, kind=None):
    entries = session.scalars(select(LedgerEntry).where(
        LedgerEntry.studio_id == studio_id, LedgerEntry.deleted_at.is_(None),
        LedgerEntry.entry_date >= start, LedgerEntry.entry_date <= end)).all()
    counts = {}
    for e in entries:
        counts[e.ledger] = counts.get(e.ledger, 0) + 1
        if e.ledger == "achievement" and (e.data or {}).get("kind") == "立项":
            counts["project"] = counts.get("project", 0) + 1
    return counts


def studio_health(session, studio, today, config):
    """The 七有 status and ledger gaps of a named studio, as of the quarter that just ended."""
    q_first, q_last, ref_year, ref_q = cycle.quarter_before(today)
    app = session.scalar(select(Application).where(Application.studio_id == studio.id)
                         .order_by(Application.year.desc()).limit(1))
    values = application_form(app.year).complete_values(load_answers(session, app.id)) if app else {}
    # facts() looks back from an application year: ref_year + 1 makes "last year" the year under review
    haves = seven.check(values, statistics.facts(session, studio.id, ref_year + 1), app.year if app else ref_year,
                        record=seven_record.facts(session, app) if app else None,
                        standard=seven.standard(config, honours.honours(session)))
    quarter = ledger_counts(session, studio.id, q_first, q_last)
    year = ledger_counts(session, studio.id, date(ref_year, 1, 1), today)
    gaps = []
    if not quarter.get("activity"):
        gaps.append(f"上季度（{ref_year} 年{cycle.QUARTER_NAMES[ref_q]}）活动台账没有记录")
    if not year.get("achievement"):
        gaps.append(f"{ref_year} 年创新成果台账还没有记录")
    if not year.get("project"):
        gaps.append(f"{ref_year} 年还没有立项记录（七有要求每年至少立项 1 项）")
    gaps += [f"{h.name}：{h.reason}" for h in haves if h.status == seven.NOT_MET]
    return {"haves": haves, "summary": seven.summary(haves), "activities": quarter.get("activity", 0),
            "achievements": year.get("achievement", 0), "projects": year.get("project", 0),
            "gaps": gaps, "ref_year": ref_year}


def decide_selfcheck(bot, session, now, forced=False):
    today = now.date()
    quarter = cycle.calendar(bot.config, today.year).quarter_of_check(today)
    if quarter is None and not forced:
        return []
    occasion = f"{today.year}Q{quarter}" if quarter else f"now{today:%Y%m%d}"
    title = f"{today.year} 年{cycle.QUARTER_NAMES[quarter or (today.month - 1) // 3 + 1]}"
    notices, by_unit = [], {}
    for studio in named_studios(session):
        health = studio_health(session, studio, today, bot.config)
        by_unit.setdefault(studio.unit_id, []).append((studio, health))
        leader = session.get(Person, studio.leader_id) if studio.leader_id else None
        if leader is None:
            continue
        lines = [f"【季度自查】{leader.name}您好，{title}开始了，请对「{studio.name}」进行自查。",
                 seven.report(health["haves"]).replace("七有自查：", f"{health['summary']}："),
                 f"台账：上季度活动 {health['activities']} 次；{health['ref_year']} 年成果 "
                 f"{health['achievements']} 项，其中立项 {health['projects']} 项。"]
        if health["gaps"]:
            lines.append("需要关注：\n" + "\n".join(f"· {g}" for g in health["gaps"]))
        lines.append("请点「开始自查」（或发送「自查」）逐项确认或更正，所在单位工会将据此检查考核。")
        notices.append(Notice("selfcheck", f"selfcheck:{occasion}:{studio.id}:{leader.id}",
                              Outgoing(text="\n".join(lines), buttons=[Button("开始自查", "自查")]), person=leader))
    for unit_id, rows in by_unit.items():
        unit_name = rows[0][0].unit.name if rows[0][0].unit else ""
        lines = [f"【季度自查汇总】{unit_name} {title}：本单位已命名工作室 {len(rows)} 家"]
        for i, (studio, health) in enumerate(rows, 1):
            flag = f"⚠ {len(health['gaps'])} 项需关注" if health["gaps"] else "✓"
            lines.append(f"{i}. {studio.name}：{health['summary']}；上季度活动 {health['activities']} 次；"
                         f"{health['ref_year']} 年成果 {health['achievements']} 项、立项 {health['projects']} 项 {flag}")
        lines.append("请对照七有检查考核，督促整改。")
        msg = Outgoing(text="\n".join(lines))
        for person in unit_unions(session, unit_id):
            notices.append(Notice("selfcheck", f"selfcheck:{occasion}:unit:{unit_id}:{person.id}", msg, person=person))
    return notices


def project_studios(session, today):
    """Every studio the 每年立项 rule concerns: named, or applying (an application this year or next)."""
    applying = set(session.scalars(select(Application.studio_id).where(
        Application.year.in_([today.year, today.year + 1]), Application.status != AppStatus.REJECTED)))
    studios = session.scalars(select(Studio).where(Studio.status != StudioStatus.REVOKED).order_by(Studio.id)).all()
    return [s for s in studios if s.status == StudioStatus.NAMED or s.id in applying]


def decide_project(bot, session, now, forced=False):
    today = now.date()
    warnings = cycle.calendar(bot.config, today.year).project_warnings
    scheduled = today in warnings
    if not scheduled and not forced:
        return []
    occasion = f"{today:%Y%m%d}" if scheduled else f"now{today:%Y%m%d}"
    notices = []
    for studio in project_studios(session, today):
        if ledger_counts(session, studio.id, date(today.year, 1, 1), today).get("project") or not studio.leader_id:
            continue
        leader = session.get(Person, studio.leader_id)
        why = "" if studio.status == StudioStatus.NAMED else \
            f"申报时将逐年核对近两年（{today.year} 年是 {today.year + 1}、{today.year + 2} 年度申报的近两年之一）。"
        text = (f"【立项提醒】{leader.name}您好，七有要求每年至少立项 1 项创新课题或攻关项目（含推进计划和目标），"
                f"「{studio.name}」{today.year} 年的创新成果台账中还没有立项记录。{why}"
                f"请在 12月31日前完成立项，并记入创新成果台账（例如「成果 立项 课题名称 日期」）。")
        notices.append(Notice("project", f"project:{occasion}:{studio.id}:{leader.id}", Outgoing(text=text), person=leader))
    return notices


def decide_spotcheck_due(bot, session, now, forced=False):
    return spotcheck.decide_due(bot, session, now, forced)


def holidays_text(year):
    """The warning while a year has no official holiday schedule (chat and check-config alike)."""
    return (f"警告：还没有 {year} 年的国务院节假日安排，通知日期暂按周一至周五并避开元旦、劳动节、国庆估算，"
            f"可能落在假日或调休日。请在安排公布后运行 python -m bot holidays load {year}.json。")


def decide_holidays(bot, session, now, forced=False):
    """The admins hear once per year that the coming year's schedule is missing (bot/workdays.py)."""
    admins = session.scalars(select(Person).join(PersonRole).where(PersonRole.role == "admin")
                             .order_by(Person.id)).all()
    return [Notice("holidays", f"holidays:{year}:{admin.id}", Outgoing(text="【节假日安排】" + holidays_text(year)),
                   person=admin)
            for year in missing_years(now.date()) for admin in admins]


DECIDERS = {"deadline": decide_deadline, "review": decide_review, "selfcheck": decide_selfcheck,
            "project": decide_project, "spotcheck_due": decide_spotcheck_due, "holidays": decide_holidays,
            "rectify": rectify.decide}
