"""The whole application form filled through encrypted WeCom callbacks, the answers read from the fake API."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.clock import clock
from bot.delivery import Delivery
from bot.message import Button
from storage import applications
from storage.models import Application, OutboxMessage
from tests.form_data import SCALARS, fill_all
from tests.support.wecom import USER, WeComDriver, action_of, readable  # noqa: F401  (fixtures below)
from tests.support.wecom import app, fake, make_wecom_bot, wbot, wx  # noqa: F401


class Reply:
    def __init__(self, text, buttons):
        self.text, self.buttons = text, buttons


class WeComChat:
    """The transcript interface (send / press / last) over real encrypted callbacks and the fake API."""

    def __init__(self, driver, fake, user=USER):
        self.driver, self.fake, self.user = driver, fake, user
        self.seen = 0
        self.last = []

    def _deliver(self):
        bot = self.driver.bot
        delivery = Delivery(bot)
        for _ in range(40):
            delivery.drain()
            with bot.db.session() as s:
                waiting = s.scalar(select(OutboxMessage).where(OutboxMessage.status != "sent",
                                                               OutboxMessage.status != "failed"))
            if waiting is None:
                break
            self._advance(16)       # WeCom allows 30 a minute per member: let the window move
        messages = self.fake.messages_for(self.user)[self.seen:]
        self.seen += len(messages)
        self.last = [Reply(readable(m), [Button(b["text"], action_of(b["key"])) for b in
                                         (m.get("template_card") or {}).get("button_list", [])])
                     for m in messages]
        return "\n".join(r.text for r in self.last)

    def _advance(self, seconds):
        clock.advance(timedelta(seconds=seconds))
        self.fake.advance(seconds)

    def send(self, text):
        self._advance(3)
        self.driver.send_text(self.user, text)
        return self._deliver()

    def press(self, label):
        for reply in reversed(self.last):
            for button in reply.buttons:
                if label.startswith(button.label.rstrip("…")) or button.label.startswith(label):
                    self._advance(3)
                    self.driver.press(self.user, button.action)
                    return self._deliver()
        raise AssertionError(f"no button {label!r} in {[b.label for r in self.last for b in r.buttons]}")


def test_whole_form_through_encrypted_callbacks(wx, fake):
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    leader = WeComChat(wx, fake)
    assert "开始填写 2025 年度创新工作室申报表" in leader.send("申报")
    assert "没能识别这个日期" in leader.send("创建日期：18年春天吧")
    reply = fill_all(leader)
    assert "全部 52 项都已填写" in reply
    assert "确认提交吗" in leader.send("提交")
    assert "已提交 2025 年度申报表" in leader.press("确认提交")
    with wx.bot.db.session() as s:
        app = s.scalar(select(Application))
        values = applications.load_answers(s, app.id)
        assert app.status == "submitted"
    assert values["basics.created_on"] == "20180420"
    assert values["leader.phone"] == "13812345678"
    assert len(values["members"]) == 3
    assert not fake.dropped                  # nothing was silently dropped by WeCom's rate limit
