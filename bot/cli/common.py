"""What every command shares: the Bot built from the environment, a migrated transaction, a failure exit."""
import sys

import click

from bot.config import Config
from bot.core import Bot, configure_logging
from bot.errors import ConfigError


def make_bot(migrate=False):
    """The Bot from the environment, its database migrated when ``migrate``; an invalid configuration
    exits with its reasons (status 2)."""
    try:
        config = Config.from_env()
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    configure_logging(config.log_level)
    bot = Bot(config)
    if migrate:
        bot.migrate()
    return bot


def fail(message):
    """Say why on stderr and exit with status 1."""
    click.echo(message, err=True)
    sys.exit(1)


class migrated_transaction:
    """A migrated database transaction for one command, the database disposed afterwards."""

    def __enter__(self):
        self.bot = make_bot(migrate=True)
        self.tx = self.bot.db.transaction()
        session = self.tx.__enter__()
        session.info["config"] = self.bot.config
        return session

    def __exit__(self, *exc):
        try:
            return self.tx.__exit__(*exc)
        finally:
            self.bot.db.dispose()
