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


def local(naive_utc):
    return naive_utc.replace(tzinfo=timezone.utc).astimezone(TZ)


def set_now(moment):
    """Fix the clock (aware datetime, or naive meaning Asia/Shanghai); None releases it."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    _fixed = moment


def fix(moment):
    """The Clock's name for ``set_now`` (the Bot calls ``bot.clock.fix``, module or Clock alike)."""
    set_now(moment)


def advance(delta):
    """Move the clock forward: a fixed moment and the real clock alike."""
    global _fixed, _offset
    if _fixed is not None:
        _fixed = _fixed + delta
    _offset += delta


class Clock:
    """One per Bot (``bot.clock``), with two readings.

    The *decision* reading (``now``, ``utcnow``, ``today``) is the moment the assistant decides
    for: which notices are due, which year an application belongs to, deadlines, the dates stamped
    on what users do. ``notices run --now`` and tests fix it (``fix``). The *wall* reading
    (``wall_now``, ``wall_utcnow``, ``wall_ms``) is when things really happen: signing requests, rate
    limits, token expiry, leases and retries, ``sent_at``; only a test may move it (``advance``).
    ``tz`` is ``BOT_TIMEZONE`` (default Asia/Shanghai): the zone of dates users see.
    """

    def __init__(self, tz="Asia/Shanghai"):
        self.tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._fixed = None
        self._offset = timedelta(0)

    # -- the decision reading ----------------------------------------------------------------------
    def now(self):
        """The moment decided for, aware, in ``tz``."""
        return self._fixed if self._fixed is not None else self.wall_now()

    def utcnow(self):
        """The moment decided for, as naive UTC (the form stored in the database)."""
        if self._fixed is None:
            return self.wall_utcnow()
        return self._fixed.astimezone(timezone.utc).replace(tzinfo=None)

    def today(self):
        return self.now().date()

    # -- the wall reading --------------------------------------------------------------------------
    def wall_now(self):
        return datetime.now(self.tz) + self._offset

    def wall_utcnow(self):
        return datetime.now(timezone.utc).replace(tzinfo=None) + self._offset

    def wall_ms(self):
        """Epoch milliseconds (request signatures)."""
        return int(self.wall_now().timestamp() * 1000)

    # -- conversions -------------------------------------------------------------------------------
    def local(self, naive_utc):
        """A stored naive-UTC moment as an aware moment in ``tz`` (for what users read)."""
        return naive_utc.replace(tzinfo=timezone.utc).astimezone(self.tz)

    # -- moving it ---------------------------------------------------------------------------------
    def fix(self, moment):
        """Fix the decision reading (aware, or naive meaning ``tz``); None releases it."""
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        self._fixed = moment

    def advance(self, delta):
        """Tests only: move both readings forward (a fixed decision moment too)."""
        if self._fixed is not None:
            self._fixed = self._fixed + delta
        self._offset += delta
