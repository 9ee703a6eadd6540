"""A notice resent after an ambiguous failure reaches the member once (WeCom's duplicate check)."""
from bot.delivery import Delivery
from bot.message import Button, Outgoing
from tests.support.wecom import USER, advance, app, fake, make_wecom_bot, push, statuses, wbot, wx  # noqa: F401


def test_a_notice_whose_reply_was_lost_is_not_shown_twice(wx, fake):
    push(wx.bot, USER, Outgoing(text="申报截止还有 7 天", buttons=[Button("去填写", "apply")]),
         dedupe_key="deadline:2025-05-24:1")
    fake.fail_next("message/send", "lost_reply")     # WeCom took it, the answer never came back
    assert Delivery(wx.bot).drain() == 0
    assert statuses(wx.bot) == ["pending"]
    advance(fake, 10)
    assert Delivery(wx.bot).drain() == 1
    sends = [r["json"] for r in fake.requests_to("message/send")]
    assert len(sends) == 2 and sends[0] == sends[1]             # the same message, key and all
    assert sends[0]["enable_duplicate_check"] == 1 and sends[0]["duplicate_check_interval"] == 4 * 3600
    assert [m["msgtype"] for m in fake.messages_for(USER)] == ["template_card"]     # shown once


def test_replies_may_repeat_and_are_not_duplicate_checked(wx, fake):
    for _ in range(2):          # one after the other (replies pending together are merged into one)
        push(wx.bot, USER, Outgoing(text="没能识别这个日期"))
        assert Delivery(wx.bot).drain() == 1
    assert fake.texts_for(USER) == ["没能识别这个日期", "没能识别这个日期"]
    assert all("enable_duplicate_check" not in r["json"] for r in fake.requests_to("message/send"))
