"""The clock: real time by default, a fixed or shifted one for tests and `notices run --now`."""
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


def today():
    return now().date()


def set_now(moment):
    """Fix the clock (aware datetime, or naive meaning Asia/Shanghai); None releases it."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    _fixed = moment


def advance(delta):
    """Move the clock forward (works for a fixed or a real clock)."""
    global _fixed, _offset
    if _fixed is not None:
        _fixed = _fixed + delta
    else:
        _offset += delta
