"""`python -m bot groups ...`: the group robots that receive notices, from the command line."""
import click

from bot.cli.common import fail as _fail, migrated_transaction as _cli_session
from handlers.admin import group_line, groups_text
from storage import people as store


@click.group()
def groups():
    """Group robots that receive notices (WeCom webhooks, signed DingTalk robots)."""


@groups.command("add")
@click.option("--name", required=True, help="group name, unique")
@click.option("--wecom-webhook", help="WeCom group robot webhook URL")
@click.option("--dingtalk-webhook", help="DingTalk custom robot webhook URL")
@click.option("--dingtalk-secret", help="DingTalk robot signing secret (SEC...)")
def groups_add(name, wecom_webhook, dingtalk_webhook, dingtalk_secret):
    """Add a group robot, or update the one with this name."""
    if bool(wecom_webhook) == bool(dingtalk_webhook):
        _fail("请二选一：--wecom-webhook URL，或 --dingtalk-webhook URL --dingtalk-secret SEC…")
    if wecom_webhook and dingtalk_secret:
        _fail("--dingtalk-secret 只用于钉钉群机器人。")
    if not name.strip():
        _fail("--name 不能为空。")
    channel = "wecom" if wecom_webhook else "dingtalk"
    webhook, secret = wecom_webhook or dingtalk_webhook, dingtalk_secret or ""
    problems = store.group_problems(channel, webhook, secret)
    if problems:
        _fail("；".join(problems))
    with _cli_session() as session:
        group, created = store.save_group(session, name.strip(), channel, webhook, secret)
        click.echo(f"{'已添加' if created else '已更新'}群机器人：{group_line(group)}")


@groups.command("list")
def groups_list():
    """List the group robots."""
    with _cli_session() as session:
        click.echo(groups_text(store.list_groups(session)))


@groups.command("remove")
@click.option("--name", required=True)
def groups_remove(name):
    """Remove a group robot."""
    with _cli_session() as session:
        removed = store.remove_group(session, name.strip())
    if not removed:
        _fail(f"没有名为「{name}」的群机器人。")
    click.echo(f"已删除群机器人「{name}」。")
