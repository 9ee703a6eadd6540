"""`python -m bot rejudge [--dry-run]`: stored expenses and 七有 verdicts judged again by the rules in force."""
import click

from bot.cli.common import make_bot
from handlers.services import rejudge as service
from handlers.services.context import Context
from storage.actor import Actor


@click.command("rejudge")
@click.option("--dry-run", is_flag=True, help="only list what would change; nothing is written or sent")
def rejudge(dry_run):
    """Judge stored expenses and 七有 verdicts again (once per version of the rules) and tell each unit union."""
    bot = make_bot(migrate=True)
    try:
        # a dry run reads in a session that is never committed; a run commits its changes and messages
        with (bot.db.reading() if dry_run else bot.db.transaction()) as session:
            outcome = service.run(Context(session, Actor.system(channel="cli"), bot.clock, bot.config),
                                  dry_run=dry_run)
            lines = [f"{c.studio.name} {c.line}" for c in outcome["changes"]]
    finally:
        bot.db.dispose()
    if outcome.what == "already":
        click.echo(f"已按现行规则（{outcome['rules']}）重新核对过，无需再次核对。")
        return
    head = "将会变化" if dry_run else "已重新核对"
    click.echo(f"{head}：{len(lines)} 项（规则版本 {outcome['rules']}）")
    for line in lines:
        click.echo(f"- {line}")
    if not dry_run:
        click.echo(f"已通知单位工会 {len(outcome.told)} 人次。")
