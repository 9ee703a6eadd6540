"""The command line (`python -m bot ...`), the outermost layer: every command, grouped by subject.

Commands call handler and storage functions; nothing below imports this package.
"""
import click
from dotenv import load_dotenv

from bot.cli.audit import audit_group
from bot.cli.chat import chat
from bot.cli.console import console
from bot.cli.db import db, demo
from bot.cli.export import export
from bot.cli.groups import groups
from bot.cli.holidays import holidays
from bot.cli.notices import notices
from bot.cli.outbox import outbox
from bot.cli.people import import_
from bot.cli.processes import check_config, dingtalk_stream, worker
from bot.cli.rejudge import rejudge


@click.group()
def cli():
    """创新工作室助手 command line."""
    load_dotenv()


for command in (db, demo, chat, worker, dingtalk_stream, check_config, export, import_, groups, notices, outbox,
                holidays, audit_group, rejudge, console):
    cli.add_command(command)
