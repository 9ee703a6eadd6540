"""PostgreSQL dropped the pool's connections (a restart, a failover): the next request fails with a
clean Chinese 500 and stores nothing, and WeCom's retry is answered, once."""
import pytest
from sqlalchemy import create_engine, select, text

from storage.models import InboxEntry
from tests.support.wecom import USER, app, count, fake, inner_xml, make_wecom_bot, wbot, wx  # noqa: F401


def _drop_connections(url):
    """What a database restart does to every connection the bot holds."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        dropped = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    admin.dispose()
    return dropped


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_after_the_database_dropped_its_connections_a_retried_callback_is_answered_once(wx):
    wx.send_text(USER, "帮助", msg_id="1")
    assert _drop_connections(wx.bot.db.url) >= 1          # the pool kept the turn's connection

    qs, body = wx.peer.envelope(inner_xml(USER, "text", Content="进度", MsgId="2"))
    first = wx.client.post(f"/wecom/callback?{qs}", data=body, content_type="text/xml")
    # no ping per checkout: the dead connection is handed out once, fails cleanly, and the pool is replaced
    assert first.status_code == 500 and first.get_json() == {"error": "服务器内部错误"}
    with wx.bot.db.session() as session:                  # the failed try stored nothing
        assert session.scalars(select(InboxEntry.message_id)).all() == ["1"]
    again = wx.client.post(f"/wecom/callback?{qs}", data=body, content_type="text/xml")   # WeCom's retry
    assert again.status_code == 200 and again.data == b""

    assert count(wx.bot, InboxEntry, InboxEntry.message_id == "2") == 1
    said = "\n".join(wx.texts_to(USER))                   # replies pending together may go as one message
    assert said.count("您可以发送") == 1                   # 帮助's answer once
    assert said.count("还没有申报表") == 1                 # 进度's answer once
