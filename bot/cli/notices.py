"""`python -m bot notices run`: the scheduler's decisions for a moment, then the outbox drained."""
import time
from datetime import datetime

import click
from sqlalchemy import func, select

from bot.cli.common import make_bot
from bot.delivery import Delivery
from handlers.notices.rules import SCHEDULED
from handlers.notices.run import run
from storage.models import OutboxMessage
from storage.statuses import Delivery as D


@click.group("notices")
def notices():
    """Yearly-cycle notices: run the scheduler's decisions for a moment."""


@notices.command("run")
@click.option("--now", "moment", default=None,
              help="decide for this moment, e.g. 2025-05-26T09:00 (Asia/Shanghai); sending keeps real time")
@click.option("--dry-run", is_flag=True, help="only print what would go out")
@click.option("--type", "kinds", multiple=True, type=click.Choice(SCHEDULED), help="only these types")
@click.option("--timeout", default=60.0, show_default=True, help="seconds to wait for delivery")
def run_command(moment, dry_run, kinds, timeout):
    """Decide, write and deliver the notices due at --now (default: the current time)."""
    fixed = None
    if moment:
        try:
            fixed = datetime.fromisoformat(moment)
        except ValueError:
            raise click.BadParameter("应写成 2025-05-26T09:00", param_hint="--now") from None
    bot = make_bot()
    bot.clock.fix(fixed)                # decisions for that moment; sending, signing and limits keep real time
    try:
        bot.migrate()           # a dry run writes no notice, but reads the tables (a new database has none)
        started = bot.clock.utcnow()
        report = run(bot, bot.clock.now(), types=kinds or None, dry_run=dry_run)
        click.echo(report.text(detail=dry_run))
        if not dry_run:
            click.echo(deliver_due(bot, started, timeout))
    finally:
        bot.db.dispose()
    if report.errors:
        raise SystemExit(1)


def deliver_due(bot, since, timeout=60.0):
    """Drain the outbox until nothing is due at this moment; a summary of this run's rows."""
    delivery = Delivery(bot)
    until = time.monotonic() + timeout
    while True:
        delivery.drain()
        with bot.db.session() as session:
            due = session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status.in_((D.PENDING, D.SENDING)), OutboxMessage.next_attempt_at <= bot.clock.wall_utcnow()))
        if not due or time.monotonic() > until:
            break
    with bot.db.session() as session:
        counts = dict(session.execute(select(OutboxMessage.status, func.count())
                                      .where(OutboxMessage.notice.is_not(None), OutboxMessage.created_at >= since)
                                      .group_by(OutboxMessage.status)).all())
    expired = f"，已过时效未发送 {counts['expired']} 条" if counts.get("expired") else ""
    return (f"投递：已发送 {counts.get('sent', 0)} 条，失败 {counts.get('failed', 0)} 条，"
            f"稍后重试 {counts.get('pending', 0) + counts.get('sending', 0)} 条{expired}。")
