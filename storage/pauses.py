"""Recipients held back for a while (a throttled group robot): one cache row per (channel, recipient)."""
from datetime import timedelta

from sqlalchemy import select


from storage.models import CacheEntry


def _key(channel_name, recipient):
    return f"pause:{channel_name}:{recipient}"


def pause(db, channel_name, recipient, seconds):
    """Hold every message to ``recipient`` for ``seconds``; returns until when (naive UTC)."""
    until = db.clock.wall_utcnow() + timedelta(seconds=seconds)
    with db.transaction() as session:
        entry = session.get(CacheEntry, _key(channel_name, recipient))
        if entry is None:
            session.add(CacheEntry(key=_key(channel_name, recipient), value="paused", expires_at=until))
        else:
            entry.expires_at = until
    return until


def paused(db, channel_name, recipients, now):
    """{recipient: until} of those among ``recipients`` still held back at ``now``."""
    keys = {_key(channel_name, r): r for r in recipients}
    if not keys:
        return {}
    with db.session() as session:
        rows = session.scalars(select(CacheEntry).where(CacheEntry.key.in_(list(keys)),
                                                        CacheEntry.expires_at > now)).all()
        return {keys[row.key]: row.expires_at for row in rows}
