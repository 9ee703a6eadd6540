"""The whole application form filled over DingTalk HTTP mode: signed callbacks in, the fake's records out."""
from datetime import datetime, timedelta

from sqlalchemy import select

from tests.support.clock import clock
from bot.channels.dingtalk.channel import ACTION_MARKER
from bot.delivery import Delivery
from bot.message import Button
from storage import applications
from storage.models import Application
from tests.form_data import fill_all
from tests.support.dingtalk import USER, buttons_in, dbot, fake, http, post, robot_message  # noqa: F401


class Reply:
    def __init__(self, text, buttons):
        self.text, self.buttons = text, buttons


class DingTalkChat:
    """send / press / last over signed HTTP-mode callbacks; buttons are dtmd links sending '#act …'."""

    def __init__(self, bot, fake, http, user=USER):
        self.bot, self.fake, self.http, self.user = bot, fake, http, user
        self.seen, self.last = 0, []

    def _turn(self, text):
        clock.advance(timedelta(seconds=2))
        response = post(self.http, robot_message(self.fake, text, self.user))
        assert response.status_code == 200
        Delivery(self.bot).drain_all(timeout=5)
        messages = self.fake.messages_to(self.user)[self.seen:]
        self.seen += len(messages)
        self.last = [Reply(m.get("text") or m.get("content", ""),
                           [Button(b["label"], b["action"]) for b in buttons_in([m])]) for m in messages]
        return "\n".join(r.text for r in self.last)

    def send(self, text):
        return self._turn(text)

    def press(self, label):
        for reply in reversed(self.last):
            for button in reply.buttons:
                if button.label == label or button.label.startswith(label):
                    return self._turn(ACTION_MARKER + button.action)
        raise AssertionError(f"no button {label!r} in {[b.label for r in self.last for b in r.buttons]}")


def test_whole_form_over_dingtalk_http_mode(dbot, fake, http):
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    leader = DingTalkChat(dbot, fake, http)
    assert "开始填写 2025 年度创新工作室申报表" in leader.send("申报")
    assert "没能识别这个日期" in leader.send("创建日期：18年春天吧")
    assert "全部 52 项都已填写" in fill_all(leader)
    assert "确认提交吗" in leader.send("提交")
    assert "已提交 2025 年度申报表" in leader.press("确认提交")
    with dbot.db.session() as s:
        app = s.scalar(select(Application))
        values = applications.load_answers(s, app.id)
    assert app.status == "submitted"
    assert values["cover.filled_on"] == "20250520" and values["basics.area"] == "25"
    assert [m["name"] for m in values["members"]] == ["孙立", "李娜", "赵磊"]
