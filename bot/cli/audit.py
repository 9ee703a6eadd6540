"""`python -m bot audit purge`: delete audit rows past the retention period — the one way rows leave the trail."""
import click

from bot.cli.common import migrated_transaction
from storage import audit, clock
from storage.actor import Actor


@click.group("audit")
def audit_group():
    """The audit trail."""


@audit_group.command("purge")
@click.option("--days", type=int, default=None,
              help="keep rows this many days (default BOT_AUDIT_RETENTION_DAYS; at least 180)")
@click.option("--by", "operator", default="", help="who runs the purge (recorded in its own audit row)")
def purge(days, operator):
    """Delete audit rows older than the retention period; the purge itself is recorded."""
    with migrated_transaction() as session:
        config = session.info["config"]
        keep = days if days is not None else config.audit_retention_days
        if keep < audit.MIN_RETENTION_DAYS:
            raise click.BadParameter(f"审计记录至少保留 {audit.MIN_RETENTION_DAYS} 天", param_hint="--days")
        actor = Actor.system(name=f"命令行{('：' + operator) if operator else ''}", channel="cli")
        removed = audit.purge(session, actor, now=clock.of(session).wall_utcnow(), retention_days=keep)
    click.echo(f"已删除 {removed} 条超过 {keep} 天的审计记录（本次清理已记入审计）。")
