"""`python -m bot import people FILE`: the people list (CSV or XLSX) into the database."""
import click

from bot.cli.common import fail, make_bot
from handlers.people_import import ImportRefused, read_people
from handlers.services import people as people_service
from handlers.services.context import Context
from storage.actor import Actor


@click.group(name="import")
def import_():
    """Import data from spreadsheets."""


@import_.command("people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="only check the file, write nothing")
def import_people(file, dry_run):
    """Import people (姓名, 单位, 角色, at least one of 企业微信账号/钉钉账号/试用账号[, 手机][, 工作室]) from CSV or XLSX."""
    try:
        rows, problems = read_people(file)      # a malformed file is refused before the database
    except ImportRefused as exc:
        fail(str(exc))
    bot = make_bot()
    try:
        bot.migrate()
        with bot.db.transaction() as session:        # the console's import is the same service, audited
            ctx = Context(session, Actor.system("命令行", channel="cli"), bot.clock, bot.config)
            summary = people_service.import_people(ctx, rows, problems, dry_run=dry_run)["summary"]
    except ImportRefused as exc:
        fail(str(exc))
    finally:
        bot.db.dispose()
    click.echo(summary)
