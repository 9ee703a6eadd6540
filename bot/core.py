"""The Bot: configuration, database, router and channels wired together, with or without Flask."""
import logging

from bot import files, scheduler, tasks, turn
from bot.channel_store import ChannelStore
from bot.channels.base import ChannelRegistry
from bot.channels.dingtalk.channel import DingTalkChannel
from bot.channels.robots import robots_only
from bot.channels.web import WebChannel
from bot.channels.wecom.channel import WeComChannel
from bot.router import Router
from handlers.registry import register_all
from storage.clock import Clock
from storage.db import Database
from storage.migrate import upgrade


class Bot:
    """Owns everything a turn or a delivery needs; built once per process."""

    def __init__(self, config):
        self.config = config
        self.clock = Clock(config.timezone)
        if config.dev_moment is not None:      # BOT_DEV_TODAY (development only; production refuses it)
            self.clock.fix(config.dev_moment)
        self.db = Database(config.database_url, clock=self.clock)
        self.router = Router()
        self.tasks = tasks.Kinds()
        self.jobs = scheduler.Jobs()
        register_all(self.router, self.tasks, self.jobs, config)
        self.tasks.add(files.PURGE_TASK, files.purge_task)
        self.channels = ChannelRegistry()
        self._robots = {}
        self.channels.add(WebChannel(self, ChannelStore(self, WebChannel.name)))
        if config.wecom_enabled:
            self.channels.add(WeComChannel(self, ChannelStore(self, WeComChannel.name)))
        if config.dingtalk_enabled:
            self.channels.add(DingTalkChannel(self, ChannelStore(self, DingTalkChannel.name)))

    def robots_only(self, name):
        """A channel that only posts to group robots, for a messenger whose app is not configured
        (bot/channels/robots.py); made once, None for a channel without group robots."""
        if name not in self._robots:
            self._robots[name] = robots_only(self, name, ChannelStore(self, name))
        return self._robots[name]

    def handle(self, incoming):
        """Run one turn; returns the replies, or None for a duplicate delivery."""
        return turn.run(self, incoming)

    def migrate(self):
        upgrade(self.db)


def configure_logging(level="INFO"):
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
