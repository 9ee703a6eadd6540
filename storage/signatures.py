"""Used callback signatures: which messages a (timestamp, sign) pair of a DingTalk callback carried.

DingTalk signs only the timestamp (shared/protocols/dingtalk.md §1), so a captured signature is
valid for any body for an hour, and two genuine callbacks sent in the same millisecond carry the
same pair. A pair is therefore shared for ``share`` (a few seconds) from its first sight on our
clock (so clock skew with DingTalk does not matter): every message arriving with it meanwhile is
recorded with it. After that the pair is bound to those messages: one of them again is a retry
(the inbox drops it), any other message with the pair is a forgery. Each row is kept until the pair
could no longer pass the one-hour window.
"""
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Index, String, UniqueConstraint, case, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

WINDOW = timedelta(hours=1)      # how far a timestamp may be from now either way
SIGN_CHARS = 100


class UsedSignature(Base):
    """One message a callback signature carried, within the signature's validity window."""
    __tablename__ = "used_signatures"
    __table_args__ = (UniqueConstraint("channel", "timestamp", "sign", "message_id",
                                       name="uq_used_signatures_message"),
                      Index("ix_used_signatures_expires_at", "expires_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    timestamp: Mapped[str] = mapped_column(String(20))
    sign: Mapped[str] = mapped_column(String(SIGN_CHARS))
    message_id: Mapped[str] = mapped_column(String(255))
    first_seen: Mapped[datetime] = mapped_column(DateTime)      # when the pair was first seen (our clock)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


def claim(session, channel, timestamp, sign, message_id, signed_at, now, share=timedelta(seconds=5)):
    """Whether the pair may carry ``message_id``: it is new, it carried this message before, or it
    was first seen no longer than ``share`` ago (then the message is recorded with it).

    ``signed_at`` is the timestamp as naive UTC: the rows are kept until it falls out of the
    window. Expired rows are deleted on the way (they could not pass verification any more).
    A refusal writes nothing.
    """
    pair = (UsedSignature.channel == channel, UsedSignature.timestamp == timestamp,
            UsedSignature.sign == sign[:SIGN_CHARS])
    seen = session.execute(select(func.min(UsedSignature.first_seen),
                                  func.count(case((UsedSignature.message_id == message_id, 1))))
                           .where(*pair)).first()
    first_seen, mine = seen if seen is not None else (None, None)
    if mine:
        return True                     # a retry of a message this pair carried
    if first_seen is not None and now - first_seen > share:
        return False                    # the pair is bound to the messages that used it
    session.execute(delete(UsedSignature).where(UsedSignature.expires_at < now))
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(UsedSignature).values(
        channel=channel, timestamp=timestamp, sign=sign[:SIGN_CHARS], message_id=message_id,
        first_seen=first_seen or now, expires_at=signed_at + WINDOW)
        .on_conflict_do_nothing(index_elements=["channel", "timestamp", "sign", "message_id"]))
    return True
