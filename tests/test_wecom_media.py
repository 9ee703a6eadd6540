"""A picture WeCom will never hand over is acknowledged at once, and the user is told so, once."""
from sqlalchemy import select

from bot.tasks import TaskRunner
from storage.models import InboxEntry, Task
from tests.support.wecom import USER, app, count, fake, inner_xml, make_wecom_bot, wbot, wx  # noqa: F401


def test_an_invalid_media_id_is_acked_and_the_user_told_once(wx, fake):
    qs, body = wx.peer.envelope(inner_xml(USER, "image", PicUrl="http://example/p.png",
                                          MediaId="no-such-media", MsgId="777"))
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 200 and res.data == b""
    TaskRunner(wx.bot).run_all()                 # one try: WeCom calls the media id invalid, no retries
    texts = wx.texts_to(USER)
    assert texts[-1] == "抱歉，您发送的图片没能接收成功（可能已过期），请重新发送一次。"
    assert len(fake.requests_to("media/get")) == 1
    with wx.bot.db.session() as session:
        assert session.scalars(select(InboxEntry.message_id)).all() == ["777"]
        assert session.scalar(select(Task.status)) == "failed"
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)        # WeCom's retry anyway
    TaskRunner(wx.bot).run_all()
    assert res.status_code == 200
    assert wx.texts_to(USER) == texts and count(wx.bot, InboxEntry) == 1
