"""Group robots without an app: WeCom 群机器人 and DingTalk 自定义机器人 need no app credentials.

When WECOM_CORP_ID / DINGTALK_APP_KEY are not set the app channel is not registered, yet a group
robot added with ``groups add`` can still post: delivery uses these robot-only channels for that
channel's rows. They receive nothing (no callback route); a row for a person fails at once with a
configuration error, which the delivery reports to the admins in chat (bot/alerts.py).
"""
from bot.channels.base import GROUP_PREFIX, Channel
from bot.channels.dingtalk.channel import DingTalkChannel
from bot.channels.dingtalk.api import DingTalkClient
from bot.channels.wecom.channel import WeComChannel
from bot.channels.wecom.api import WeComClient
from bot.errors import ChannelError

NOT_CONFIGURED = {
    "wecom": "未配置企业微信自建应用（WECOM_CORP_ID 等），只能发往群机器人，无法发给个人",
    "dingtalk": "未配置钉钉应用（DINGTALK_APP_KEY 等），只能发往自定义群机器人，无法发给个人",
}


class _RobotsOnly:
    """Mixed into a channel: group recipients as usual, people refused as a configuration error."""

    callback_path = None            # no app: nothing arrives

    def push(self, recipients, payload, **options):
        people = [r for r in recipients if not r.startswith(GROUP_PREFIX)]
        if people:
            raise ChannelError("not_configured", NOT_CONFIGURED[self.name], fatal_config=True)
        return super().push(recipients, payload, **options)


class WeComRobots(_RobotsOnly, WeComChannel):
    def __init__(self, bot, store):
        Channel.__init__(self, bot, store)
        self.envelope = None                # no app: no callbacks to open
        self.client = WeComClient(self.config, store)


class DingTalkRobots(_RobotsOnly, DingTalkChannel):
    def __init__(self, bot, store):
        Channel.__init__(self, bot, store)
        self.api = DingTalkClient(self.config, store)
        self.oapi = self.config.dingtalk_oapi_base.rstrip("/")


ROBOT_CHANNELS = {"wecom": WeComRobots, "dingtalk": DingTalkRobots}


def robots_only(bot, name, store):
    """A robot-only channel for ``name`` with its ``store`` (None for a channel without group robots)."""
    factory = ROBOT_CHANNELS.get(name)
    return factory(bot, store) if factory is not None else None
