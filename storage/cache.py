"""Short-lived keyed values every process sees (sessionWebhooks, card labels, a configuration block):
the ``cache`` table, read and written only through these functions."""
from sqlalchemy import bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.models import CacheEntry

KEY_CHARS = 128


def get(session, key, valid_after):
    """The value under ``key`` while it expires after ``valid_after`` (naive UTC), else None."""
    entry = session.get(CacheEntry, key[:KEY_CHARS])
    if entry is None or entry.expires_at <= valid_after:
        return None
    return entry.value


def _upsert(insert):
    stmt = insert(CacheEntry.__table__).values(
        key=bindparam("key"), value=bindparam("value"), expires_at=bindparam("expires_at"))
    return stmt.on_conflict_do_update(
        index_elements=["key"], set_={"value": stmt.excluded.value, "expires_at": stmt.excluded.expires_at})


_PUT = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}     # built once: a card sends one


def put(session, key, value, expires_at):
    """Set ``key`` (a new value replaces the old one), in the caller's transaction."""
    connection = session.connection()
    connection.execute(_PUT[connection.dialect.name],
                       {"key": key[:KEY_CHARS], "value": value, "expires_at": expires_at})


def remove(session, key):
    session.execute(delete(CacheEntry).where(CacheEntry.key == key[:KEY_CHARS]))


def prune(session, prefix, now):
    """Drop the expired values whose keys start with ``prefix``."""
    session.execute(delete(CacheEntry).where(CacheEntry.key.startswith(prefix, autoescape=True),
                                             CacheEntry.expires_at < now))
