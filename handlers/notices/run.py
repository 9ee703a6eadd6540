"""Running yearly-cycle notices: run(), the scheduler's tick and its job, the naming announcement, the commands.

Decisions live in handlers/notices/rules.py, a run's report in handlers/notices/report.py, the operator
commands and pause flags in handlers/notices/ops.py and the command line in bot/cli/notices.py.
"""
import hashlib
import logging

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot import cycle
from storage import clock
from bot.message import Outgoing
from bot.workdays import is_workday
from handlers.notices.ops import (log_command, pause_command, paused_types, preview_command, resume_command,
                                  send_now_command)
from handlers.notices.report import RunReport, apply
from handlers.notices.notice import FAR_FUTURE, Notice, to_groups
from handlers.notices.rules import SCHEDULED
from handlers.policy import Do
from storage.models import CacheEntry, Person

log = logging.getLogger("bot.notices")


# --- naming (called by the approval chain) -----------------------------------------------

def announce_naming(session, config, studios, named_on):
    """Tell the groups and the leaders that ``studios`` were named; once per (studio, date)."""
    fresh = [s for s in studios if claim_once(session, f"naming:{s.id}:{named_on:%Y%m%d}")]
    if not fresh:
        return 0
    day = f"{named_on.year}年{cycle.chinese_date(named_on)}"
    lines = [f"【命名公告】经{config.union_name}审批，{day}命名以下 {len(fresh)} 家工作室为"
             f"“{config.org_name}劳模（工匠人才）创新工作室”："]
    for i, s in enumerate(fresh, 1):
        leader = session.get(Person, s.leader_id) if s.leader_id else None
        unit = s.unit.name if s.unit else ""
        lines.append(f"{i}. {s.name}（{unit}{'，领衔人 ' + leader.name if leader else ''}）")
    lines.append(f"每家工作室一次性补助经费 {config.grant_wan} 万元。")
    ids = hashlib.sha1(",".join(str(s.id) for s in sorted(fresh, key=lambda s: s.id)).encode()).hexdigest()[:12]
    notices = to_groups(session, "naming", f"naming:{named_on:%Y%m%d}:{ids}", Outgoing(text="\n".join(lines)))
    for s in fresh:
        if not s.leader_id:
            continue
        leader = session.get(Person, s.leader_id)
        text = (f"【命名公告】{leader.name}您好，祝贺！您领衔的「{s.name}」已于{day}被命名为"
                f"“{config.org_name}劳模（工匠人才）创新工作室”，将获一次性补助经费 {config.grant_wan} 万元。"
                f"请继续记好台账，每季度初我会提醒您自查七有。")
        notices.append(Notice("naming", f"naming:{named_on:%Y%m%d}:{s.id}:{leader.id}", Outgoing(text=text), person=leader))
    return sum(n.write(session) for n in notices)


def claim_once(session, name):
    """True the first time ``name`` is claimed (a unique row, safe against concurrent callers)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(CacheEntry).values(key=f"notice-once:{name}"[:128], value=clock.of(session).utcnow().isoformat(),
                                     expires_at=FAR_FUTURE)
    return session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]).returning(CacheEntry.key)).first() is not None


# --- running: the tick and its job -------------------------------------------------------

def run(bot, now=None, *, types=None, dry_run=False, forced=False):
    """What the scheduler does at ``now``: on working days from the notice time, every type not paused.

    Each type is decided and written in its own transaction, so one failing type never holds
    back the others; running again the same day writes nothing new (the dedupe keys).
    """
    now = now or bot.clock.now()
    now = now.astimezone(bot.clock.tz) if now.tzinfo else now.replace(tzinfo=bot.clock.tz)
    report = RunReport(at=now, dry_run=dry_run)
    if not forced and not is_workday(now.date()):
        report.skipped = "今天不是工作日"
        return report
    if not forced and now.time() < bot.config.notice_time:
        report.skipped = f"还没到通知时间 {bot.config.notice_hour}"
        return report
    with bot.db.session() as session:
        paused = set(paused_types(session))
    for kind in types or SCHEDULED:
        if kind in paused and not forced:
            report.paused.append(kind)
            continue
        try:
            if dry_run:
                with bot.db.session() as session:
                    apply(bot, session, now, kind, report, dry_run=True)
            else:
                with bot.db.transaction() as session:
                    apply(bot, session, now, kind, report, forced=forced)
        except Exception as exc:    # one broken decision must not stop the other notices
            log.exception("notice %s failed at %s", kind, now)
            report.errors[kind] = f"{type(exc).__name__}: {exc}"
    return report


def tick(bot):
    """The scheduler's job: run the notices for this moment with the worker's bot."""
    report = run(bot, bot.clock.now())
    log.info("notices tick: %s", report.text().replace("\n", " | "))


def register_jobs(jobs, config):
    """At the notice time, then hourly until the evening: a worker that was down at 09:00 still sends
    the same day (the dedupe keys make the extra ticks harmless); run() itself skips days off."""
    hour, minute = config.notice_time.hour, config.notice_time.minute
    jobs.add("notices.tick", tick, trigger="cron", hour=f"{hour}-23", minute=minute)


# --- operator commands (handlers/notices/ops.py) ----------------------------------------------

def register(router):
    router.add_command("notice_preview", preview_command, do=Do.NOTICES, help="预览现在会发出的通知（不发送）")
    router.add_command("notice_now", send_now_command, do=Do.NOTICES, help="立即发送某类通知（不会重复发送）")
    router.add_command("notice_pause", pause_command, do=Do.NOTICES, help="暂停某类定时通知")
    router.add_command("notice_resume", resume_command, do=Do.NOTICES, help="恢复某类定时通知")
    router.add_command("notice_log", log_command, do=Do.NOTICES, help="查看最近发出的通知和失败原因")
