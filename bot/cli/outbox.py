"""`python -m bot outbox failed` and `outbox resend`: the messages given up, listed and sent again."""

import click

from bot.cli.common import fail, migrated_transaction
from handlers.services import outbox as outbox_service
from handlers.services.context import Context
from storage import clock, deliveries
from storage.actor import Actor


@click.group()
def outbox():
    """Messages that could not be delivered: list them, send them again."""


@outbox.command("failed")
@click.option("--channel", default=None, help="only this channel (wecom, dingtalk, web)")
@click.option("--limit", default=50, show_default=True, help="at most this many, newest first")
def failed(channel, limit):
    """List the failed messages with their reasons."""
    with migrated_transaction() as session:
        rows = deliveries.failed_rows(session, channel, limit)
        local = clock.of(session).local
    if not rows:
        click.echo("没有发送失败的消息。")
        return
    for row in rows:
        made = local(row.created_at).strftime("%Y-%m-%d %H:%M")
        kind = f"通知 {row.notice}" if row.notice else "回复"
        click.echo(f"#{row.id} {row.channel} → {row.recipient}（{kind}，{made}，尝试 {row.attempts} 次）：{row.last_error}")
    click.echo("重发：python -m bot outbox resend 编号…（或 --all）")


@outbox.command("resend")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "every", is_flag=True, help="every failed message (of --channel, if given)")
@click.option("--channel", default=None, help="only this channel (wecom, dingtalk, web)")
def resend(ids, every, channel):
    """Send failed messages again (notices included): the worker delivers them."""
    if not ids and not every:
        fail("请写明要重发的消息编号（python -m bot outbox failed 可查看），或用 --all 重发全部失败的消息。")
    with migrated_transaction() as session:        # the console's 重发 is the same service, audited
        ctx = Context(session, Actor.system("命令行", channel="cli"), clock.of(session), session.info["config"])
        count = outbox_service.resend(ctx, None if every else ids, channel)["count"]
    click.echo(f"已将 {count} 条失败的消息重新排队，由 worker 发送。"
               "企业微信的通知在 4 小时内重复发送会被企业微信去重（收件人只看到一次）；"
               "钉钉和回复没有去重，可能重复送达。")
