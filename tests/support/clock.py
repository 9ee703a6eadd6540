"""Moving time in tests: every Bot a test makes shares one controller (``clock``).

Production has no module clock: each Bot owns a ``storage.clock.Clock``. A test fixes the decision
moment (``clock.set_now``) or lets time pass (``clock.advance``, which moves the wall reading too,
so rate limits, retries and expiries can be tested) for every Bot it made, before or after making
them; the readings (``now``, ``utcnow``, ``today``, ``real_now``, ``real_utcnow``, ``real_ms``) are
those of a Clock in the same state. Reset after every test (tests/conftest.py).
"""
from datetime import timedelta

from storage.clock import Clock


class Clocks:
    def __init__(self):
        self.reset()

    def reset(self):
        self._reference = Clock()
        self._attached = [self._reference]

    def attach(self, clock):
        """Bring a new Bot's clock to the test's moment (if the test set one), and keep it with the others."""
        if self._reference._fixed is not None:
            clock.fix(self._reference._fixed)
        clock._offset = self._reference._offset
        self._attached.append(clock)
        return clock

    def set_now(self, moment):
        for clock in self._attached:
            clock.fix(moment)

    def advance(self, delta):
        for clock in self._attached:
            clock.advance(delta)

    # the readings, as every attached clock has them
    def now(self):
        return self._reference.now()

    def utcnow(self):
        return self._reference.utcnow()

    def today(self):
        return self._reference.today()

    def real_now(self):
        return self._reference.wall_now()

    def real_utcnow(self):
        return self._reference.wall_utcnow()

    def real_ms(self):
        return self._reference.wall_ms()

    @property
    def TZ(self):
        return self._reference.tz

    timedelta = timedelta


clock = Clocks()
