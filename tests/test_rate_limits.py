"""The per-member minute limit counts the API messages a row becomes, not outbox rows."""
from sqlalchemy import select

from bot.channels.wecom.channel import TEXT_LIMIT, split_bytes
from bot.delivery import Delivery
from bot.message import Button, Outgoing
from storage.models import OutboxMessage
from tests.support.wecom import USER, advance, app, fake, make_wecom_bot, push, wbot, wx  # noqa: F401


def test_text_plus_file_rows_count_two_messages_each(wx, fake, tmp_path):
    path = tmp_path / "预览.docx"
    path.write_bytes(b"PK\x03\x04 preview")
    for i in range(20):            # 20 × 预览: each a text and a file
        push(wx.bot, USER, Outgoing(text=f"预览 {i}", file={"name": "预览.docx", "path": str(path),
                                                           "url": "http://x/files/t", "token": "t"}))
    assert Delivery(wx.bot).drain() == 15
    assert len(fake.messages_for(USER)) == 30 and fake.dropped == []
    with wx.bot.db.session() as session:
        sent = session.scalars(select(OutboxMessage.api_messages).where(OutboxMessage.status == "sent")).all()
        assert sent == [2] * 15
    advance(fake, 65)
    assert Delivery(wx.bot).drain() == 5
    assert len(fake.messages_for(USER)) == 40 and fake.dropped == []


def test_a_split_text_and_a_card_fill_the_minute_by_their_parts(wx, fake):
    long_text = "\n".join("很长的说明文字" * 20 for _ in range(30))      # several 2048-byte parts
    push(wx.bot, USER, Outgoing(text=long_text))
    parts = len(split_bytes(long_text, TEXT_LIMIT))
    assert parts > 1
    for i in range(30):
        push(wx.bot, USER, Outgoing(text=f"请确认 {i}\n" + "说明" * 100, buttons=[Button("确认", f"ok:{i}")]))
    Delivery(wx.bot).drain()
    assert len(fake.messages_for(USER)) <= 30 and fake.dropped == []
    advance(fake, 65)
    Delivery(wx.bot).drain()
    advance(fake, 65)
    Delivery(wx.bot).drain()
    assert fake.dropped == []
    assert len(fake.messages_for(USER)) == parts + 60      # every card came with its text
