"""Messenger outages as every process sees them: one cache row per channel whose API keeps failing.

The worker's delivery writes them (bot/outages.py); /healthz reads them. A record is a dict:
``since`` (ISO, naive UTC, the first failure), ``error`` (the last one) and ``announced`` (the
outage was long enough to be logged and told to the admins).
"""
import json
from datetime import datetime

from sqlalchemy import select

from storage import cache
from storage.models import CacheEntry

PREFIX = "outage:"
NEVER = datetime(9999, 12, 31)      # a record lives until the outage ends


def get(session, channel):
    value = cache.get(session, PREFIX + channel, datetime(1970, 1, 1))
    return json.loads(value) if value is not None else None


def put(session, channel, record):
    cache.put(session, PREFIX + channel, json.dumps(record, ensure_ascii=False), NEVER)


def remove(session, channel):
    cache.remove(session, PREFIX + channel)


def every(session):
    """{channel: record} of every outage recorded."""
    rows = session.scalars(select(CacheEntry).where(CacheEntry.key.startswith(PREFIX))).all()
    return {row.key[len(PREFIX):]: json.loads(row.value) for row in rows}
