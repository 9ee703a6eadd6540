"""The clock: real time by default, a fixed or shifted one for tests and `notices run --now`.

Two readings: ``now``/``utcnow``/``today`` are the moment the bot *decides* for (fixed by
``set_now``: which notices are due, which year an application belongs to); ``real_now``/
``real_utcnow`` are the moment things *happen* (sending, signing requests, rate limits,
``sent_at``, token and link expiry) and ignore ``set_now``. ``advance`` moves both, so a test can
still let time pass.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
_offset = timedelta(0)
_fixed = None


def now():
    """The current moment, aware, in Asia/Shanghai."""
    if _fixed is not None:
        return _fixed
    return datetime.now(TZ) + _offset


def utcnow():
    """The current moment as naive UTC, the form stored in the database."""
    if _fixed is None:       # the common case, without a time zone conversion
        return datetime.now(timezone.utc).replace(tzinfo=None) + _offset
    return _fixed.astimezone(timezone.utc).replace(tzinfo=None)


def real_now():
    """The real current moment (aware, Asia/Shanghai); ``set_now`` does not change it."""
    return datetime.now(TZ) + _offset


def real_utcnow():
    """The real current moment as naive UTC; ``set_now`` does not change it."""
    return datetime.now(timezone.utc).replace(tzinfo=None) + _offset


def real_ms():
    """The real current moment in epoch milliseconds (request signatures)."""
    return int(real_now().timestamp() * 1000)


def today():
    return now().date()


def set_now(moment):
    """Fix the clock (aware datetime, or naive meaning Asia/Shanghai); None releases it."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    _fixed = moment


def advance(delta):
    """Move the clock forward: a fixed moment and the real clock alike."""
    global _fixed, _offset
    if _fixed is not None:
        _fixed = _fixed + delta
    _offset += delta
