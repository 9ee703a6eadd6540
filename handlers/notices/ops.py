"""Operator chat commands for notices (通知预览, 立即发送, 暂停通知, 恢复通知, 通知记录) and the pause flags."""

from sqlalchemy import select

from bot.errors import UserError
from bot.workdays import is_workday
from handlers.notices.report import RunReport, apply
from handlers.notices.notice import FAR_FUTURE
from handlers import policy
from handlers.notices.rules import ALIASES, ROW_TYPES, SCHEDULED, TYPES
from handlers.policy import Do
from handlers.services.context import Outcome
from storage.models import Account, CacheEntry, OutboxMessage, Person

PAUSE_PREFIX = "notice-paused:"


def paused_types(session):
    keys = session.scalars(select(CacheEntry.key).where(CacheEntry.key.startswith(PAUSE_PREFIX))).all()
    return [k[len(PAUSE_PREFIX):] for k in keys]


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
    now = turn.clock.now()
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
    report = RunReport(at=turn.clock.now())
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


def pause(ctx, kind):
    """暂停通知: the scheduler skips the scheduled notice ``kind`` until it is resumed (chat and console)."""
    policy.require(ctx.actor, Do.NOTICES, "暂停通知")
    if kind not in SCHEDULED:
        raise UserError(f"「{TYPES.get(kind, kind)}」不是定时通知，不能暂停。")
    key = PAUSE_PREFIX + kind
    if ctx.session.get(CacheEntry, key) is not None:
        return Outcome("unchanged", {"kind": kind})
    ctx.session.add(CacheEntry(key=key, value=ctx.actor.name or "", expires_at=FAR_FUTURE))
    ctx.audit("notice.pause", object_type="notice", object_id=kind, after=TYPES[kind])
    return Outcome("paused", {"kind": kind})


def resume(ctx, kind):
    """恢复通知: the scheduled notice ``kind`` goes out again from the next run."""
    policy.require(ctx.actor, Do.NOTICES, "恢复通知")
    entry = ctx.session.get(CacheEntry, PAUSE_PREFIX + kind)
    if entry is None:
        return Outcome("unchanged", {"kind": kind})
    ctx.session.delete(entry)
    ctx.audit("notice.resume", object_type="notice", object_id=kind, before=TYPES.get(kind, kind))
    return Outcome("resumed", {"kind": kind})


def pause_command(turn, args):
    if not args.strip():
        paused = paused_types(turn.session)
        turn.reply("已暂停的通知：" + ("、".join(TYPES[k] for k in paused) if paused else "无")
                   + "。暂停：发送「暂停通知 类型」；恢复：发送「恢复通知 类型」。")
        return
    kind = parse_type(args, SCHEDULED)
    pause(turn.ctx, kind)
    turn.reply(f"已暂停「{TYPES[kind]}」：定时任务将跳过它，直到发送「恢复通知 {TYPES[kind]}」。")


def resume_command(turn, args):
    kind = parse_type(args, SCHEDULED)
    if resume(turn.ctx, kind).what == "unchanged":
        turn.reply(f"「{TYPES[kind]}」没有暂停。")
        return
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
    status = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败", "expired": "已过时效未发送"}
    lines = ["最近的通知（新的在前）："]
    for row in recent:
        when = local(turn.clock, row.sent_at) if row.sent_at else "—"
        retry = f"，第 {row.attempts} 次重试中：{row.last_error}" if row.status == "pending" and row.last_error else ""
        lines.append(f"· {TYPES.get(row.notice, row.notice)} → {recipient_name(turn.session, row)}："
                     f"{status.get(row.status, row.status)} {when}{retry}")
    if failed:
        lines.append("发送失败：")
        lines += [f"· {TYPES.get(r.notice, r.notice)} → {recipient_name(turn.session, r)}（{local(turn.clock, r.created_at)}）："
                  f"{r.last_error or '原因未知'}" for r in failed]
    turn.reply("\n".join(lines))


def local(clock, moment):
    return clock.local(moment).strftime("%m-%d %H:%M")


def recipient_name(session, row):
    if row.recipient.startswith("group:"):
        return f"群「{row.recipient[6:]}」"
    person = session.scalar(select(Person).join(Account).where(Account.channel == row.channel,
                                                               Account.external_id == row.recipient))
    return person.name if person else f"{row.channel}:{row.recipient}"
