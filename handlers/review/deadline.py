"""The calendar's rules for one application: its deadline, a late window, 逾期, the group step's final opinion.

An application of year Y must reach the group union by the end of BOT_DEADLINE of Y (in
BOT_TIMEZONE), after the unit's three steps. After that moment a leader's first 提交 is refused
unless the group union granted the studio a late window (``flags["late_window"]``: until a date,
with a reason; handlers/services/late_windows.py); a resubmission after a 退回 or a 重新开放 is never
refused. An application whose unit steps were not all approved by the deadline is 逾期 from then
on, wherever it is shown. The group step's 同意 (the final opinion) waits for 考核验收
(BOT_REVIEW_PERIOD). Pure reads: the caller passes the config and the moment.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot import cycle
from handlers.review.steps import STEP_NAMES, steps_of
from storage.statuses import StepStatus

LATE_FLAG = "late_window"       # {"until": "YYYYMMDD", "reason": …, "by": name, "on": "YYYYMMDD"}
REOPENED_FLAG = "reopened"      # "YYYYMMDD" of the group union's 重新开放: what follows is a resubmission
UNIT_STEPS = 3                  # 所在单位工会、技术部门、党委


def long_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def due_moment(config, year):
    """The first moment after the deadline of ``year``'s applications (aware, BOT_TIMEZONE)."""
    deadline = cycle.calendar(config, year).deadline
    return datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=ZoneInfo(config.timezone))


def past_deadline(config, year, now):
    """Whether ``now`` (aware) is after the end of ``year``'s deadline day."""
    return now >= due_moment(config, year)


def _as_utc(moment):
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def late_window(app):
    """The late window granted to ``app`` (a dict), or None."""
    return (app.flags or {}).get(LATE_FLAG) or None


def window_until(app):
    window = late_window(app)
    if not window:
        return None
    text = str(window["until"])
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def window_open(app, today):
    until = window_until(app)
    return until is not None and today <= until


def unit_steps_done_by(session, app, moment_utc):
    """Whether the unit's three steps were all approved by ``moment_utc`` (naive UTC)."""
    steps = [s for s in steps_of(session, app) if s.step <= UNIT_STEPS]
    return len(steps) == UNIT_STEPS and all(
        s.status == StepStatus.APPROVED and s.decided_at is not None and s.decided_at <= moment_utc for s in steps)


def is_overdue(session, config, app, now):
    """逾期: ``now`` is after ``app``'s deadline and its unit steps were not all done by then."""
    if not past_deadline(config, app.year, now):
        return False
    return not unit_steps_done_by(session, app, _as_utc(due_moment(config, app.year)))


def overdue_text(session, config, app, now):
    """「逾期（…）」 for an overdue application ("" otherwise), with its late window when granted."""
    if not is_overdue(session, config, app, now):
        return ""
    deadline = cycle.calendar(config, app.year).deadline
    text = f"逾期（未在 {long_date(deadline)}截止前完成所在单位三步审批报送{config.union_name}"
    until = window_until(app)
    if until is not None:
        text += f"；已准予延期至 {long_date(until)}"
    return text + "）"


def first_submission(app, resuming):
    """Whether a 提交 starts the chain (not a resubmission after a 退回 or a 重新开放)."""
    return not resuming and not (app.flags or {}).get(REOPENED_FLAG)


def submission_refusal(config, app, now, *, resuming):
    """Why a 提交 of ``app`` at ``now`` is refused by the calendar, or None."""
    if not first_submission(app, resuming) or not past_deadline(config, app.year, now):
        return None
    today = now.date()
    if window_open(app, today):
        return None
    deadline = cycle.calendar(config, app.year).deadline
    text = (f"{app.year} 年度申报已于 {long_date(deadline)}截止（申报须在截止前经所在单位工会、技术部门、党委"
            f"三步审批后报送{config.union_name}），现在不能首次提交。")
    until = window_until(app)
    if until is not None:
        text += f"集团工会准予的延期已于 {long_date(until)}结束。"
    return text + (f"如有特殊情况，请所在单位工会联系{config.union_name}办公室，由集团工会准予延期"
                   "（「延期 工作室名称 日期 理由」）后再提交。")


def final_opinion_from(config, year):
    """The first day the group step may give its final opinion (同意): 考核验收 has begun."""
    cal = cycle.calendar(config, year)
    return max(cal.review_start, cal.deadline + timedelta(days=1))


def final_opinion_refusal(config, app, step, decision, today):
    """Why the group step's 同意 cannot be given on ``today`` (before 考核验收), or None."""
    if step.role != "group" or decision != "approve":
        return None
    first = final_opinion_from(config, app.year)
    if today >= first:
        return None
    cal = cycle.calendar(config, app.year)
    return (f"{STEP_NAMES['group']}的最终意见（同意）须在考核验收期间给出：{app.year} 年度申报 "
            f"{cycle.chinese_date(cal.deadline)}截止，{cycle.chinese_date(cal.review_start)}至"
            f"{cycle.chinese_date(cal.review_end)}考核验收，下半年命名。请在 {long_date(first)}以后再同意；"
            "需要修改的，现在可以「退回修改」。")


def aim_text(config, year):
    """When the deadline is a day off: submissions are still taken that day, and the last working day
    before it is the one to aim for ("" when the deadline is a working day)."""
    cal = cycle.calendar(config, year)
    if cal.aim == cal.deadline:
        return ""
    return (f"{cycle.chinese_date(cal.deadline)}是{cycle.weekday_name(cal.deadline)}（休息日），当天仍可提交；"
            f"请以最后一个工作日 {cycle.chinese_date(cal.aim)}（{cycle.weekday_name(cal.aim)}）为目标完成所在单位审批和报送。")
