"""The worker prunes duplicate guards after the retry windows; an old WeCom callback cannot replay."""
from datetime import timedelta

from sqlalchemy import select

from tests.support.clock import clock
from bot.worker import Worker
from storage.models import InboxEntry
from tests.support.wecom import USER, app, count, fake, inner_xml, make_wecom_bot, wbot, wx  # noqa: F401


def test_the_worker_step_prunes_inbox_rows_older_than_a_day(any_bot):
    now = clock.real_utcnow()
    with any_bot.db.transaction() as session:
        session.add_all([InboxEntry(channel="wecom", message_id="old", received_at=now - timedelta(hours=25)),
                         InboxEntry(channel="dingtalk", message_id="recent", received_at=now - timedelta(hours=23))])
    worker = Worker(any_bot)
    worker.step()
    with any_bot.db.session() as session:
        assert session.scalars(select(InboxEntry.message_id)).all() == ["recent"]
    clock.advance(timedelta(hours=2))
    worker.step()                          # within ten minutes of the last prune: not again yet
    assert count(any_bot, InboxEntry) == 1
    worker.next_prune = 0
    worker.step()
    assert count(any_bot, InboxEntry) == 0


def test_a_wecom_callback_signed_long_ago_is_refused_and_touches_nothing(wx, fake):
    qs, body = wx.peer.envelope(inner_xml(USER, "text", Content="帮助", MsgId="900"))
    clock.advance(timedelta(hours=7))       # older than any inbox row is kept for sure
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 403 and res.get_json() == {"error": "回调时间戳已过期，请求已拒绝"}
    assert count(wx.bot, InboxEntry) == 0 and wx.texts_to(USER) == []
