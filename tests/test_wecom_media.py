"""A picture WeCom will never hand over is acknowledged at once, and the user is told so."""
from sqlalchemy import select

from storage.models import InboxEntry
from tests.test_wecom import USER, app, count, fake, inner_xml, make_wecom_bot, wbot, wx  # noqa: F401


def test_an_invalid_media_id_is_acked_and_the_user_told_once(wx, fake):
    qs, body = wx.peer.envelope(inner_xml(USER, "image", PicUrl="http://example/p.png",
                                          MediaId="no-such-media", MsgId="777"))
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)
    assert res.status_code == 200 and res.data == b""
    assert wx.texts_to(USER) == ["没能接收您发送的图片：企业微信提示该图片无效或已过期。请重新发送一次。"]
    with wx.bot.db.session() as session:
        assert session.scalars(select(InboxEntry.message_id)).all() == ["777"]
    res = wx.client.post(f"/wecom/callback?{qs}", data=body)        # WeCom's retry anyway
    assert res.status_code == 200
    assert len(wx.texts_to(USER)) == 1 and count(wx.bot, InboxEntry) == 1
