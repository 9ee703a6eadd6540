"""The worker process: holds the lease, runs the scheduler and the tasks, drains the outbox until stopped."""
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
        task_thread = threading.Thread(target=self._run_tasks, name="tasks", daemon=True)
        task_thread.start()
        while not self.stopping.is_set():
            try:
                if self.lease.acquire():
                    if not holding:
                        log.info("worker lease acquired; starting scheduler and delivery")
                        self._start_scheduler()
                        holding = True
                        self.holding.set()
                    self.step()
                elif holding:
                    log.warning("worker lease lost; pausing")
                    self._stop_scheduler()
                    holding = False
                    self.holding.clear()
            except Exception:   # keep the worker alive through a database hiccup
                log.exception("worker loop error")
            self.stopping.wait(self.bot.config.delivery_interval if holding else 5)
        self._stop_scheduler()
        self.holding.clear()
        task_thread.join(timeout=30)
        if holding:
            self.lease.release()
        log.info("worker stopped")

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
        """One round while holding the lease: deliver what is due, prune the inbox now and then."""
        self.delivery.drain()
        if time.monotonic() >= self.next_prune:
            self.next_prune = time.monotonic() + inbox.PRUNE_EVERY
            pruned = inbox.prune(self.bot.db)
            if pruned:
                log.info("pruned %d inbox rows older than %s", pruned, inbox.KEEP)

    def _start_scheduler(self):
        self.scheduler = scheduler.build(self.bot)
        self.scheduler.start()

    def _stop_scheduler(self):
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
