"""`python -m bot db upgrade` and `python -m bot demo`: the schema and the demo data."""
import sys

import click

from bot import demo as demo_data
from bot.cli.common import make_bot


@click.group()
def db():
    """Database migrations."""


@db.command("upgrade")
def db_upgrade():
    """Apply every migration (safe to run again)."""
    bot = make_bot(migrate=True)
    click.echo(f"数据库已是最新版本：{bot.db.engine.url.render_as_string(hide_password=True)}")


@click.command()
def demo():
    """Load the demo unit, studio and people (loading twice changes nothing); never in production."""
    bot = make_bot()
    if bot.config.env == "production":
        # the demo identities (an administrator among them) are try-out accounts anyone could act as
        click.echo("生产环境不能加载演示数据（BOT_ENV=production）：演示身份（包括管理员）谁都可以冒用。", err=True)
        sys.exit(2)
    bot.migrate()
    with bot.db.transaction() as session:
        n = demo_data.load(session, bot.config)
    click.echo(f"演示数据已就绪：{n} 个试用身份（leader、member、union、tech、party、group、admin）。")
