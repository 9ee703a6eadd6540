"""Yearly-cycle notices: who gets what and when (decisions), the tick job, operator commands, the CLI.

Decisions are pure reads of the database returning ``Notice`` objects; writing them to the outbox
with their dedupe keys is what makes every (notice, recipient) pair go out exactly once across
retries, restarts and two racing workers. Delivery (retries, backoff, failures) is bot/delivery.py.
"""
import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot import clock, cycle, scheduler
from bot.clock import TZ
from bot.errors import UserError
from bot.message import Button, Outgoing
from bot.outbox import enqueue, push_to_person
from bot.workdays import is_workday, workdays_between
from storage.models import (ROLES, Account, Application, CacheEntry, LedgerEntry, OutboxMessage, Person,
                            PersonRole, RobotGroup, Studio)

log = logging.getLogger("bot.notices")

TYPES = {
    "deadline": "申报截止提醒", "review": "审批待办提醒", "chase": "审批催办", "selfcheck": "季度自查",
    "project": "立项提醒", "spotcheck_due": "抽查到期提醒",
    "naming": "命名公告", "spotcheck": "抽查通知", "spotcheck_result": "抽查结果",
    # written by the approval chain (handlers/review.py), shown by 通知记录
    "review_prompt": "审批待办", "review_chase": "审批催办", "review_result": "审批结果",
}
ROW_TYPES = {"chase": ("chase", "review_chase"), "review": ("review", "review_prompt")}   # kind -> outbox notice values
SCHEDULED = ("deadline", "review", "chase", "selfcheck", "project", "spotcheck_due")   # decided by tick
ALIASES = {"截止": "deadline", "申报": "deadline", "审批": "review", "待办": "review", "催办": "chase",
           "自查": "selfcheck", "立项": "project", "抽查提醒": "spotcheck_due", "到期": "spotcheck_due",
           "命名": "naming", "抽查": "spotcheck", "结果": "spotcheck_result"}
SUBMITTED = ("submitted", "approved", "rejected", "named")
UNFINISHED = ("draft", "returned")
MAX_MISSING_NAMES = 8
PAUSE_PREFIX = "notice-paused:"
FAR_FUTURE = datetime(9999, 12, 31)
CURRENT_BOT = None          # set by the worker before it starts the scheduler (see tick)


# --- the notice and writing it -------------------------------------------------------

@dataclass
class Notice:
    """One message to one person (on every account) or one subscribed group, with its dedupe key."""
    type: str
    key: str
    message: Outgoing
    person: object = None
    group: object = None
    batch_key: str | None = None

    @property
    def to(self):
        return f"群「{self.group.name}」" if self.group is not None else self.person.name

    def write(self, session):
        """Rows written to the outbox (0 when this pair was written before)."""
        if self.group is not None:
            return int(enqueue(session, self.group.channel, f"group:{self.group.name}", self.message,
                               dedupe_key=self.key, batch_key=self.batch_key, notice=self.type))
        return push_to_person(session, self.person, self.message, dedupe_key=self.key,
                              batch_key=self.batch_key, notice=self.type)

    def written_before(self, session):
        column = OutboxMessage.dedupe_key
        cond = column == self.key if self.group is not None else column.startswith(self.key + "|", autoescape=True)
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(cond)) > 0


def batch_key(prefix, message):
    """Same key for the same content, so one API call can carry it to many recipients."""
    return f"{prefix}:{hashlib.sha1(message.text.encode()).hexdigest()[:12]}"


def subscribed_groups(session):
    return session.scalars(select(RobotGroup).where(RobotGroup.subscribed.is_(True)).order_by(RobotGroup.id)).all()


def to_groups(session, kind, key_prefix, message):
    bk = batch_key(key_prefix + ":group", message)
    return [Notice(kind, f"{key_prefix}:group:{g.name}", message, group=g, batch_key=bk)
            for g in subscribed_groups(session)]


def unit_unions(session, unit_id):
    if unit_id is None:
        return []
    return session.scalars(select(Person).join(PersonRole).where(PersonRole.role == "union",
                                                                  Person.unit_id == unit_id)
                           .order_by(Person.id)).all()


def named_studios(session):
    return session.scalars(select(Studio).where(Studio.status == "named").order_by(Studio.unit_id, Studio.id)).all()


# --- deadline countdown --------------------------------------------------------------

def decide_deadline(bot, session, now, forced=False):
    from handlers.application import application_year
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
    text = (f"【申报提醒】{year} 年{config.org_name}劳模（工匠人才）创新工作室申报将于 {ends} 截止，还有 {left} 天。"
            f"请各单位工会督促领衔人在机器人中完成申报表。已提交 {submitted} 家，填写中 {len(unfinished)} 家。")
    notices = to_groups(session, "deadline", f"deadline:{year}:{occasion}", Outgoing(text=text))
    by_leader = {}
    for app in unfinished:
        if app.studio.leader_id:
            by_leader.setdefault(app.studio.leader_id, []).append(app)
    for leader_id, leader_apps in by_leader.items():
        leader = session.get(Person, leader_id)
        lines = [draft_status(session, app) for app in leader_apps]
        msg = Outgoing(text=f"{leader.name}您好，" + "\n".join(lines) + f"\n{ends}截止，还有 {left} 天。",
                       buttons=[Button("继续填写", "申报")])
        notices.append(Notice("deadline", f"deadline:{year}:{occasion}:{leader.id}", msg, person=leader))
    return notices


def draft_status(session, app):
    """What is still missing from an unfinished application, in one sentence."""
    from handlers.application_schema import application_form
    from storage.applications import load_answers
    form = application_form(app.year)
    missing = form.missing(load_answers(session, app.id), set((app.flags or {}).get("skipped", [])))
    names = "、".join(item.qualified for item in missing[:MAX_MISSING_NAMES])
    more = f" 等 {len(missing)} 项" if len(missing) > MAX_MISSING_NAMES else ""
    what = f"您的 {app.year} 年度申报表"
    if app.status == "returned":
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
    from handlers import review
    todo = {}
    for step, app in review.pending_steps(session):
        for person in review.reviewers_for(session, app, step):
            todo.setdefault(person.id, (person, []))[1].append((step, app))
    notices = []
    for person, items in todo.values():
        lines = [f"【审批提醒】{person.name}您好，您有 {len(items)} 份创新工作室申报待审批："]
        for i, (step, app) in enumerate(items, 1):
            since = step.pending_since.replace(tzinfo=timezone.utc).astimezone(TZ).date() if step.pending_since else today
            unit = app.studio.unit.name if app.studio.unit else ""
            lines.append(f"{i}. {app.studio.name}（{unit}）— {ROLES.get(step.role, step.role)}审批，"
                         f"已等待 {workdays_between(since, today)} 个工作日")
        lines.append("发送「审批」逐一处理。")
        msg = Outgoing(text="\n".join(lines), buttons=[Button("去审批", "审批")])
        notices.append(Notice("review", f"review:{occasion}:{person.id}", msg, person=person))
    return notices


def chase(bot, session, now):
    """催办 is the approval chain's own decision (handlers.review.chase_overdue), run daily."""
    from handlers import review
    return review.chase_overdue(bot, session, now.date()) or 0


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


def studio_health(session, studio, today):
    """The 七有 status and ledger gaps of a named studio, as of the quarter that just ended."""
    from handlers import seven, statistics
    from handlers.application_schema import application_form
    from storage.applications import load_answers
    q_first, q_last, ref_year, ref_q = cycle.quarter_before(today)
    app = session.scalar(select(Application).where(Application.studio_id == studio.id)
                         .order_by(Application.year.desc()).limit(1))
    values = application_form(app.year).complete_values(load_answers(session, app.id)) if app else {}
    # facts() looks back from an application year: ref_year + 1 makes "last year" the year under review
    haves = seven.check(values, statistics.facts(session, studio.id, ref_year + 1), app.year if app else ref_year)
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
    from handlers import seven
    today = now.date()
    quarter = cycle.calendar(bot.config, today.year).quarter_of_check(today)
    if quarter is None and not forced:
        return []
    occasion = f"{today.year}Q{quarter}" if quarter else f"now{today:%Y%m%d}"
    title = f"{today.year} 年{cycle.QUARTER_NAMES[quarter or (today.month - 1) // 3 + 1]}"
    notices, by_unit = [], {}
    for studio in named_studios(session):
        health = studio_health(session, studio, today)
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
        lines.append("请补齐台账和材料，所在单位工会将据此检查考核。")
        notices.append(Notice("selfcheck", f"selfcheck:{occasion}:{studio.id}:{leader.id}",
                              Outgoing(text="\n".join(lines), buttons=[Button("七有自查", "七有")]), person=leader))
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


def decide_project(bot, session, now, forced=False):
    today = now.date()
    scheduled = today == cycle.calendar(bot.config, today.year).q4_warning
    if not scheduled and not forced:
        return []
    occasion = f"{today.year}" if scheduled else f"now{today:%Y%m%d}"
    notices = []
    for studio in named_studios(session):
        if ledger_counts(session, studio.id, date(today.year, 1, 1), today).get("project") or not studio.leader_id:
            continue
        leader = session.get(Person, studio.leader_id)
        text = (f"【立项提醒】{leader.name}您好，七有要求每年至少立项 1 项创新课题或攻关项目，"
                f"「{studio.name}」{today.year} 年的创新成果台账中还没有立项记录。"
                f"请在年底前完成立项（含计划和目标），并记入创新成果台账。")
        notices.append(Notice("project", f"project:{occasion}:{studio.id}:{leader.id}", Outgoing(text=text), person=leader))
    return notices


def decide_spotcheck_due(bot, session, now, forced=False):
    from handlers import spotcheck
    return spotcheck.decide_due(bot, session, now, forced)


DECIDERS = {"deadline": decide_deadline, "review": decide_review, "selfcheck": decide_selfcheck,
            "project": decide_project, "spotcheck_due": decide_spotcheck_due}


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
    stmt = insert(CacheEntry).values(key=f"notice-once:{name}"[:128], value=clock.utcnow().isoformat(),
                                     expires_at=FAR_FUTURE)
    return session.execute(stmt.on_conflict_do_nothing(index_elements=["key"]).returning(CacheEntry.key)).first() is not None


# --- running: the tick, pauses, one type --------------------------------------------------

@dataclass
class RunReport:
    at: datetime
    dry_run: bool = False
    skipped: str = ""
    decided: dict = field(default_factory=dict)     # type -> list[(Notice, rows written or "new"/"sent")]
    written: dict = field(default_factory=dict)     # type -> rows written
    paused: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)

    def text(self, detail=False):
        head = f"通知 {self.at:%Y-%m-%d %H:%M}{'（预览，未发送）' if self.dry_run else ''}："
        if self.skipped:
            return f"{head}{self.skipped}，没有通知。"
        lines = [head]
        for kind, items in self.decided.items():
            if not items:
                continue
            if self.dry_run:
                new = sum(1 for n, state in items if state == "new")
                lines.append(f"· {TYPES[kind]}：{len(items)} 条，其中未发送过 {new} 条")
            else:
                lines.append(f"· {TYPES[kind]}：{len(items)} 条，新写入发件箱 {self.written.get(kind, 0)} 条")
            if detail:
                lines += [f"  → {n.to}{'（已发送过）' if state == 'sent' else ''}" for n, state in items[:20]]
                if items:
                    lines.append("  内容示例：" + items[0][0].message.text.replace("\n", "\n  "))
        for kind in self.written:
            if kind not in self.decided and self.written[kind]:
                lines.append(f"· {TYPES[kind]}：新写入 {self.written[kind]} 条")
        if len(lines) == 1:
            lines.append("今天没有到期的通知。")
        if self.paused:
            lines.append("已暂停（未发送）：" + "、".join(TYPES[k] for k in self.paused))
        for kind, error in self.errors.items():
            lines.append(f"出错：{TYPES[kind]} — {error}")
        return "\n".join(lines)


def paused_types(session):
    keys = session.scalars(select(CacheEntry.key).where(CacheEntry.key.startswith(PAUSE_PREFIX))).all()
    return [k[len(PAUSE_PREFIX):] for k in keys]


def apply(bot, session, now, kind, report, *, dry_run=False, forced=False):
    """Decide one type for ``now`` and (unless dry_run) write it in ``session``."""
    if kind == "chase":
        if not dry_run:
            report.written[kind] = chase(bot, session, now)
        return
    notices = DECIDERS[kind](bot, session, now, forced)
    if dry_run:
        report.decided[kind] = [(n, "sent" if n.written_before(session) else "new") for n in notices]
    else:
        report.decided[kind] = [(n, n.write(session)) for n in notices]
        report.written[kind] = sum(w for _, w in report.decided[kind])


def run(bot, now=None, *, types=None, dry_run=False, forced=False):
    """What the scheduler does at ``now``: on working days from the notice time, every type not paused.

    Each type is decided and written in its own transaction, so one failing type never holds
    back the others; running again the same day writes nothing new (the dedupe keys).
    """
    now = now or clock.now()
    now = now.astimezone(TZ) if now.tzinfo else now.replace(tzinfo=TZ)
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


def tick():
    """The scheduler's job target: run the notices for this moment with the worker's bot."""
    bot = CURRENT_BOT or _bot_from_env()
    report = run(bot, clock.now())
    log.info("notices tick: %s", report.text().replace("\n", " | "))


_ENV_BOT = None


def _bot_from_env():
    """A Bot built from the environment, once per process (when the worker did not set CURRENT_BOT)."""
    global _ENV_BOT
    if _ENV_BOT is None:
        from bot.config import Config
        from bot.core import Bot
        _ENV_BOT = Bot(Config.from_env())
    return _ENV_BOT


def _notice_clock():
    """Hour and minute of BOT_NOTICE_TIME for the cron trigger (the config validates it at start-up)."""
    from bot.config import Config
    text = os.environ.get("BOT_NOTICE_TIME") or Config.notice_hour
    try:
        hour, minute = (int(x) for x in text.split(":"))
        return hour, minute
    except ValueError:
        return 9, 0


# at the notice time, then hourly until the evening: a worker that was down at 09:00 still sends
# the same day (the dedupe keys make the extra ticks harmless); run() itself skips days off
_HOUR, _MINUTE = _notice_clock()
scheduler.add_job("notices.tick", "handlers.notices:tick", trigger="cron", hour=f"{_HOUR}-23", minute=_MINUTE)


# --- operator commands -------------------------------------------------------------------

def parse_type(text, allowed=None):
    text = text.strip()
    allowed = allowed or tuple(TYPES)
    names = "、".join(TYPES[k] for k in allowed)
    if not text:
        raise UserError(f"请写明通知类型，例如「暂停通知 季度自查」。可选：{names}")
    for kind in allowed:
        if text in (kind, TYPES[kind]):
            return kind
    for alias, kind in ALIASES.items():
        if alias in text and kind in allowed:
            return kind
    raise UserError(f"没有「{text}」这种通知。可选：{names}")


def preview_command(turn, args):
    kinds = (parse_type(args, SCHEDULED),) if args.strip() else SCHEDULED
    now = clock.now()
    report = RunReport(at=now, dry_run=True)
    paused = set(paused_types(turn.session))
    for kind in kinds:
        if kind != "chase":
            apply(turn.bot, turn.session, now, kind, report, dry_run=True)
    text = report.text(detail=True)
    if not is_workday(now.date()):
        text += "\n（今天不是工作日，定时任务今天不会发送。）"
    elif now.time() < turn.config.notice_time:
        text += f"\n（定时任务将于 {turn.config.notice_hour} 发送。）"
    paused_here = [TYPES[k] for k in kinds if k in paused]
    if paused_here:
        text += "\n已暂停，定时任务不会发送：" + "、".join(paused_here)
    turn.reply(text)


def send_now_command(turn, args):
    kind = parse_type(args, SCHEDULED)
    report = RunReport(at=clock.now())
    apply(turn.bot, turn.session, report.at, kind, report, forced=True)
    decided = len(report.decided.get(kind, []))
    written = report.written.get(kind, 0)
    if kind == "chase":
        turn.reply(f"已执行{TYPES[kind]}，写入 {written} 条，将由后台发送。")
    elif not decided:
        turn.reply(f"现在没有需要发送的「{TYPES[kind]}」。")
    else:
        turn.reply(f"「{TYPES[kind]}」：{decided} 位接收人，新写入 {written} 条，将由后台发送；"
                   f"已发送过的不会重复发送。发送「通知记录」查看发送结果。")


def pause_command(turn, args):
    if not args.strip():
        paused = paused_types(turn.session)
        turn.reply("已暂停的通知：" + ("、".join(TYPES[k] for k in paused) if paused else "无")
                   + "。暂停：发送「暂停通知 类型」；恢复：发送「恢复通知 类型」。")
        return
    kind = parse_type(args, SCHEDULED)
    key = PAUSE_PREFIX + kind
    if turn.session.get(CacheEntry, key) is None:
        turn.session.add(CacheEntry(key=key, value=turn.person.name, expires_at=FAR_FUTURE))
    turn.reply(f"已暂停「{TYPES[kind]}」：定时任务将跳过它，直到发送「恢复通知 {TYPES[kind]}」。")


def resume_command(turn, args):
    kind = parse_type(args, SCHEDULED)
    entry = turn.session.get(CacheEntry, PAUSE_PREFIX + kind)
    if entry is None:
        turn.reply(f"「{TYPES[kind]}」没有暂停。")
        return
    turn.session.delete(entry)
    turn.reply(f"已恢复「{TYPES[kind]}」，下次定时任务起照常发送（当天已到期的也会补发）。")


def log_command(turn, args):
    kind = parse_type(args) if args.strip() else None
    query = select(OutboxMessage).where(OutboxMessage.notice.is_not(None))
    if kind:
        query = query.where(OutboxMessage.notice.in_(ROW_TYPES.get(kind, (kind,))))
    recent = turn.session.scalars(query.order_by(OutboxMessage.id.desc()).limit(20)).all()
    failed = turn.session.scalars(query.where(OutboxMessage.status == "failed")
                                  .order_by(OutboxMessage.id.desc()).limit(10)).all()
    if not recent:
        turn.reply("最近没有发出通知。")
        return
    status = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败"}
    lines = ["最近的通知（新的在前）："]
    for row in recent:
        when = local(row.sent_at) if row.sent_at else "—"
        retry = f"，第 {row.attempts} 次重试中：{row.last_error}" if row.status == "pending" and row.last_error else ""
        lines.append(f"· {TYPES.get(row.notice, row.notice)} → {recipient_name(turn.session, row)}："
                     f"{status.get(row.status, row.status)} {when}{retry}")
    if failed:
        lines.append("发送失败：")
        lines += [f"· {TYPES.get(r.notice, r.notice)} → {recipient_name(turn.session, r)}（{local(r.created_at)}）："
                  f"{r.last_error or '原因未知'}" for r in failed]
    turn.reply("\n".join(lines))


def local(moment):
    return moment.replace(tzinfo=timezone.utc).astimezone(TZ).strftime("%m-%d %H:%M")


def recipient_name(session, row):
    if row.recipient.startswith("group:"):
        return f"群「{row.recipient[6:]}」"
    person = session.scalar(select(Person).join(Account).where(Account.channel == row.channel,
                                                               Account.external_id == row.recipient))
    return person.name if person else f"{row.channel}:{row.recipient}"


def register(router):
    from handlers import spotcheck
    operators = ["admin", "group"]
    router.add_command("通知预览", preview_command, roles=operators, help="预览现在会发出的通知（不发送）")
    router.add_command("立即发送", send_now_command, roles=operators, help="立即发送某类通知（不会重复发送）")
    router.add_command("暂停通知", pause_command, roles=operators, help="暂停某类定时通知")
    router.add_command("恢复通知", resume_command, roles=operators, help="恢复某类定时通知")
    router.add_command("通知记录", log_command, roles=operators, help="查看最近发出的通知和失败原因")
    spotcheck.register(router)


# --- command line ------------------------------------------------------------------------

def _cli():
    import click

    @click.group("notices")
    def notices_cli():
        """Yearly-cycle notices: run the scheduler's decisions for a moment."""

    @notices_cli.command("run")
    @click.option("--now", "moment", default=None, help="e.g. 2025-05-26T09:00 (Asia/Shanghai)")
    @click.option("--dry-run", is_flag=True, help="only print what would go out")
    @click.option("--type", "kinds", multiple=True, type=click.Choice(SCHEDULED), help="only these types")
    @click.option("--timeout", default=60.0, show_default=True, help="seconds to wait for delivery")
    def run_command(moment, dry_run, kinds, timeout):
        """Decide, write and deliver the notices due at --now (default: the current time)."""
        from bot.cli import make_bot
        if moment:
            try:
                clock.set_now(datetime.fromisoformat(moment))
            except ValueError:
                raise click.BadParameter("应写成 2025-05-26T09:00", param_hint="--now") from None
        bot = make_bot()
        try:
            if not dry_run:
                bot.migrate()
            started = clock.utcnow()
            report = run(bot, clock.now(), types=kinds or None, dry_run=dry_run)
            click.echo(report.text(detail=dry_run))
            if not dry_run:
                click.echo(deliver_due(bot, started, timeout))
        finally:
            if moment:
                clock.set_now(None)
            bot.db.dispose()
        if report.errors:
            raise SystemExit(1)

    return notices_cli


def deliver_due(bot, since, timeout=60.0):
    """Drain the outbox until nothing is due at this moment; a summary of this run's rows."""
    import time
    from bot.delivery import Delivery
    delivery = Delivery(bot)
    until = time.monotonic() + timeout
    while True:
        delivery.drain()
        with bot.db.session() as session:
            due = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.next_attempt_at <= clock.utcnow()))
        if not due or time.monotonic() > until:
            break
    with bot.db.session() as session:
        counts = dict(session.execute(select(OutboxMessage.status, func.count())
                                      .where(OutboxMessage.notice.is_not(None), OutboxMessage.created_at >= since)
                                      .group_by(OutboxMessage.status)).all())
    return (f"投递：已发送 {counts.get('sent', 0)} 条，失败 {counts.get('failed', 0)} 条，"
            f"稍后重试 {counts.get('pending', 0) + counts.get('sending', 0)} 条。")


CLI_COMMANDS = [_cli()]
