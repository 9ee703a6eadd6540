"""The clock: one object per Bot, with a decision reading and a wall reading (no module state).

``Clock`` is made by the Bot from ``BOT_TIMEZONE`` and handed to its Database, so every session
the Database makes carries it (``of(session)``): storage stamps rows with it, handlers reach it as
``turn.clock`` / ``ctx.clock`` / ``bot.clock``. ``notices run --now`` and tests fix the decision
reading; only tests move the wall reading.
"""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def of(session):
    """The clock of the Bot whose Database made ``session``."""
    return session.info["clock"]


class Clock:
    """One per Bot (``bot.clock``), with two readings.

    The *decision* reading (``now``, ``utcnow``, ``today``) is the moment the assistant decides
    for: which notices are due, which year an application belongs to, deadlines, the dates stamped
    on what users do. ``notices run --now`` and tests fix it (``fix``). The *wall* reading
    (``wall_now``, ``wall_utcnow``, ``wall_ms``) is when things really happen: signing requests, rate
    limits, token expiry, leases and retries, ``sent_at``; only a test may move it (``advance``).
    ``tz`` is ``BOT_TIMEZONE`` (default Asia/Shanghai): the zone of dates users see.
    """

    def __init__(self, tz=DEFAULT_TZ):
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
