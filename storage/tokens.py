"""Access tokens cached in the database, so every process shares one and refreshes it once."""
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as pg_insert


from storage.models import CacheEntry

NEVER_VALID = datetime(1970, 1, 1)      # the expiry of a row made only to be locked


class TokenCache:
    """``get(fetch)`` returns a live token, calling ``fetch() -> (token, expires_in)`` when needed.

    Tokens are refreshed ``margin`` seconds before they expire; ``invalidate()`` drops one that
    the platform refused (40014 / 42001) so the next ``get`` fetches anew.
    """

    def __init__(self, db, key, margin=300):
        self.db, self.key, self.margin = db, f"token:{key}", margin
        self._known = None          # (token, expires_at) last read or fetched by this process

    def get(self, fetch):
        now = self.db.clock.wall_utcnow()
        known = self._known
        if known is not None and known[1] - timedelta(seconds=self.margin) > now:
            return known[0]         # no database read per API call while the token lives
        with self.db.session() as session:
            entry = session.get(CacheEntry, self.key)
            if entry is not None and entry.expires_at - timedelta(seconds=self.margin) > now:
                self._known = (entry.value, entry.expires_at)
                return entry.value
        # single flight: the row lock (PostgreSQL) / write lock (SQLite) serialises refreshers; on
        # PostgreSQL an expired row is made first, so there is a row to lock even before the first token
        with self.db.transaction() as session:
            query = session.query(CacheEntry).filter(CacheEntry.key == self.key)
            if not self.db.is_sqlite:
                session.execute(pg_insert(CacheEntry).values(key=self.key, value="", expires_at=NEVER_VALID)
                                .on_conflict_do_nothing(index_elements=["key"]))
                query = query.with_for_update()
            entry = query.one_or_none()
            if entry is not None and entry.expires_at - timedelta(seconds=self.margin) > self.db.clock.wall_utcnow():
                self._known = (entry.value, entry.expires_at)
                return entry.value          # another process refreshed it while we waited
            token, expires_in = fetch()
            until = self.db.clock.wall_utcnow() + timedelta(seconds=int(expires_in))
            if entry is None:
                session.add(CacheEntry(key=self.key, value=token, expires_at=until))
            else:
                entry.value, entry.expires_at = token, until
        self._known = (token, until)
        return token

    def invalidate(self, token=None):
        self._known = None
        with self.db.transaction() as session:
            entry = session.get(CacheEntry, self.key)
            if entry is not None and (token is None or entry.value == token):
                session.delete(entry)
