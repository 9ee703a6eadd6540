"""`python -m bot groups ...`: the group robots from the command line, and their listing text.

The listing lines (`_group_line`, `_groups_text`) are shared with the `群` chat commands in
handlers.admin.
"""
import sys

import click

from storage import people as store


def _fail(message):
    click.echo(message, err=True)
    sys.exit(1)


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
        click.echo(f"{'已添加' if created else '已更新'}群机器人：{_group_line(group)}")


@groups.command("list")
def groups_list():
    """List the group robots."""
    with _cli_session() as session:
        click.echo(_groups_text(store.list_groups(session)))


@groups.command("remove")
@click.option("--name", required=True)
def groups_remove(name):
    """Remove a group robot."""
    with _cli_session() as session:
        removed = store.remove_group(session, name.strip())
    if not removed:
        _fail(f"没有名为「{name}」的群机器人。")
    click.echo(f"已删除群机器人「{name}」。")


class _cli_session:
    """A migrated database transaction for one CLI command, disposed afterwards."""

    def __enter__(self):
        from bot.cli import make_bot
        self.bot = make_bot()
        self.bot.migrate()
        self.tx = self.bot.db.transaction()
        return self.tx.__enter__()

    def __exit__(self, *exc):
        try:
            return self.tx.__exit__(*exc)
        finally:
            self.bot.db.dispose()


def _group_line(group):
    state = "已订阅" if group.subscribed else "已退订"
    return f"{group.name}｜{store.CHANNEL_LABELS[group.channel]}｜{state}｜{store.masked_webhook(group.webhook)}"


def _groups_text(rows):
    if not rows:
        return "还没有群机器人。添加：群 添加 名称 企业微信 webhook地址"
    lines = [f"群机器人（共 {len(rows)} 个，通知只发给已订阅的群）："]
    return "\n".join(lines + ["· " + _group_line(g) for g in rows])
