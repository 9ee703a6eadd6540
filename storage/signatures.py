"""Used callback signatures: one (timestamp, sign) pair of a DingTalk callback stands for one message.

DingTalk signs only the timestamp (shared/protocols/dingtalk.md §1), so a captured signature is
valid for any body for an hour. Each pair is kept, with the msgId it came with, until it could no
longer pass the one-hour window; the same pair with another msgId is a forgery.
"""
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Index, String, UniqueConstraint, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

WINDOW = timedelta(hours=1)      # how far a timestamp may be from now either way


class UsedSignature(Base):
    """One callback signature seen within its validity window, and the message it carried."""
    __tablename__ = "used_signatures"
    __table_args__ = (UniqueConstraint("channel", "timestamp", "sign"),
                      Index("ix_used_signatures_expires_at", "expires_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    timestamp: Mapped[str] = mapped_column(String(20))
    sign: Mapped[str] = mapped_column(String(100))
    message_id: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(DateTime)


def claim(session, channel, timestamp, sign, message_id, signed_at, now):
    """Record the pair for ``message_id``; False when it was already used for another message.

    ``signed_at`` is the timestamp as naive UTC: the pair is kept until it falls out of the
    window. Expired pairs are deleted on the way (they could not pass verification any more).
    """
    sign = sign[:100]
    mine = (UsedSignature.channel == channel, UsedSignature.timestamp == timestamp, UsedSignature.sign == sign)
    owner = session.scalar(select(UsedSignature.message_id).where(*mine))
    if owner is not None:
        return owner == message_id          # a refusal writes nothing
    session.execute(delete(UsedSignature).where(UsedSignature.expires_at < now))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(UsedSignature).values(
        channel=channel, timestamp=timestamp, sign=sign, message_id=message_id,
        expires_at=signed_at + WINDOW).on_conflict_do_nothing(index_elements=["channel", "timestamp", "sign"]))
    return session.scalar(select(UsedSignature.message_id).where(*mine)) == message_id   # a concurrent claim won
