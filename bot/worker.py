"""The worker process: holds the lease, runs the scheduler and the tasks, drains the outbox until stopped.

The lease is renewed on a thread of its own every ``LEASE_RENEW`` seconds, whatever a round of
delivery is doing, so its time to live can be short: a worker that died is taken over by a
waiting one within ``DatabaseLease.ttl`` + ``LEASE_RENEW`` seconds, and the rows it had claimed
are claimed again when their claims lapse (``bot.delivery.CLAIM_SECONDS``).
"""
import logging
import signal
import threading
import time

from bot import scheduler
from bot.delivery import Delivery
from bot.tasks import TaskRunner
from storage import inbox
from storage.lease import DatabaseLease

log = logging.getLogger("bot.worker")

LEASE_RENEW = 2.0       # seconds between renewals (or, waiting, tries) of the lease
BUSY_PAUSE = 0.05       # after a round that delivered: replies that came meanwhile go out together


class Worker:
    def __init__(self, bot):
        self.bot = bot
        self.lease = DatabaseLease(bot.db)
        self.delivery = Delivery(bot)
        self.tasks = TaskRunner(bot)
        self.stopping = threading.Event()
        self.holding = threading.Event()
        self.scheduler = None
        self.next_prune = 0.0

    def run(self):
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: self.stopping.set())
        log.info("worker started (%s)", self.lease.holder)
        holding = False
        lease_thread = threading.Thread(target=self._hold_lease, name="lease", daemon=True)
        lease_thread.start()
        task_thread = threading.Thread(target=self._run_tasks, name="tasks", daemon=True)
        task_thread.start()
        while not self.stopping.is_set():
            busy = False
            try:
                if self.holding.is_set():
                    if not holding:
                        self._start_scheduler()
                        holding = True
                    busy = self.step()
                elif holding:
                    log.warning("worker lease lost; pausing")
                    self._stop_scheduler()
                    holding = False
            except Exception:   # keep the worker alive through a database hiccup
                log.exception("worker loop error")
            self.stopping.wait(BUSY_PAUSE if busy else min(self.bot.config.delivery_interval, LEASE_RENEW))
        self._stop_scheduler()
        task_thread.join(timeout=30)
        lease_thread.join(timeout=30)
        self.delivery.close()
        if self.holding.is_set():
            self.holding.clear()
            self.lease.release()
        log.info("worker stopped")

    def _hold_lease(self):
        """Take or renew the lease every LEASE_RENEW seconds; ``holding`` tells the other threads.
        When the database cannot be reached the lease counts as held until it would have lapsed."""
        valid_until = 0.0
        while not self.stopping.is_set():
            try:
                if self.lease.acquire():
                    valid_until = time.monotonic() + self.lease.ttl - LEASE_RENEW
                    if not self.holding.is_set():
                        log.info("worker lease acquired; starting scheduler and delivery")
                    self.holding.set()
                else:
                    self.holding.clear()
            except Exception:
                log.exception("worker lease renewal error")
                if time.monotonic() > valid_until:
                    self.holding.clear()
            self.stopping.wait(LEASE_RENEW)

    def _run_tasks(self):
        """Slow work (documents, media, card updates) on its own thread: deliveries never wait for a render."""
        while not self.stopping.is_set():
            ran = 0
            if self.holding.is_set():
                try:
                    ran = self.tasks.run_due()
                except Exception:   # keep the task loop alive through a database hiccup
                    log.exception("task loop error")
            if not ran:
                self.stopping.wait(self.bot.config.delivery_interval)

    def step(self):
        """One round while holding the lease: deliver what is due, prune the inbox now and then.
        Returns the number of rows delivered (another round follows at once when there were some)."""
        sent = self.delivery.drain()
        if time.monotonic() >= self.next_prune:
            self.next_prune = time.monotonic() + inbox.PRUNE_EVERY
            pruned = inbox.prune(self.bot.db)
            if pruned:
                log.info("pruned %d inbox rows older than %s", pruned, inbox.KEEP)
        return sent

    def _start_scheduler(self):
        self.scheduler = scheduler.build(self.bot)
        self.scheduler.start()

    def _stop_scheduler(self):
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
