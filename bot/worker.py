"""The worker process: holds the lease, runs the scheduler, drains the outbox until stopped."""
import logging
import signal
import threading
import time

from bot import inbox
from bot.delivery import Delivery
from bot.lease import DatabaseLease

log = logging.getLogger("bot.worker")


class Worker:
    def __init__(self, bot):
        self.bot = bot
        self.lease = DatabaseLease(bot.db)
        self.delivery = Delivery(bot)
        self.stopping = threading.Event()
        self.scheduler = None
        self.next_prune = 0.0

    def run(self):
        signal.signal(signal.SIGTERM, lambda *_: self.stopping.set())
        signal.signal(signal.SIGINT, lambda *_: self.stopping.set())
        log.info("worker started (%s)", self.lease.holder)
        holding = False
        while not self.stopping.is_set():
            try:
                if self.lease.acquire():
                    if not holding:
                        log.info("worker lease acquired; starting scheduler and delivery")
                        self._start_scheduler()
                        holding = True
                    self.step()
                elif holding:
                    log.warning("worker lease lost; pausing")
                    self._stop_scheduler()
                    holding = False
            except Exception:   # keep the worker alive through a database hiccup
                log.exception("worker loop error")
            self.stopping.wait(self.bot.config.delivery_interval if holding else 5)
        self._stop_scheduler()
        if holding:
            self.lease.release()
        log.info("worker stopped")

    def step(self):
        """One round while holding the lease: deliver what is due, prune the inbox now and then."""
        self.delivery.drain()
        if time.monotonic() >= self.next_prune:
            self.next_prune = time.monotonic() + inbox.PRUNE_EVERY
            pruned = inbox.prune(self.bot.db)
            if pruned:
                log.info("pruned %d inbox rows older than %s", pruned, inbox.KEEP)

    def _start_scheduler(self):
        from bot import scheduler
        from handlers import notices
        notices.CURRENT_BOT = self.bot       # jobs use this process's bot, not a second engine
        self.scheduler = scheduler.build(self.bot)
        self.scheduler.start()

    def _stop_scheduler(self):
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
