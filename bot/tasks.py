"""Durable slow work: task rows written in a turn's transaction, run by the worker, results out through the outbox.

A turn never renders a document, downloads media or calls a messenger API: it adds a task
(``storage.tasks.add``) and answers at once. The worker's ``TaskRunner`` claims due tasks for a lease, runs
each kind's function outside any write transaction, and commits what the function returns (a
``finish(session)`` that stores files and queues outbox rows) together with ``status = 'done'``,
guarded by its claim: a task whose worker died is taken over when the lease ends, and whatever
runs it twice, its effect is committed once.
"""
import logging
import uuid
from datetime import timedelta

from bot.errors import GiveUp
from storage import tasks as task_rows

log = logging.getLogger("bot.tasks")

LEASE = timedelta(minutes=5)          # a claimed task is another worker's again after this
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = (5, 30, 120, 600)


class Kinds:
    """The registry: kind name → ``run(bot, payload) -> finish(session) | None`` and its ``failed``."""

    def __init__(self):
        self._kinds = {}

    def add(self, name, run, failed=None):
        """``failed(session, payload)`` is called in the transaction that gives the task up."""
        if name in self._kinds:
            raise ValueError(f"task kind {name!r} registered twice")
        self._kinds[name] = (run, failed)

    def get(self, name):
        return self._kinds.get(name)

    def __contains__(self, name):
        return name in self._kinds


class TaskRunner:
    """Runs due tasks for one Bot (the worker's, or a test's)."""

    def __init__(self, bot):
        self.bot = bot

    def run_due(self, limit=10):
        """Claim and run up to ``limit`` due tasks; returns how many were run."""
        claimed = self._claim(limit)
        for task_id, kind, payload, claim in claimed:
            self._run(task_id, kind, payload, claim)
        return len(claimed)

    def run_all(self, rounds=20):
        """Run tasks until none is due (tasks may add tasks); for tests and the CLI."""
        total = 0
        for _ in range(rounds):
            ran = self.run_due()
            total += ran
            if not ran:
                break
        return total

    def _claim(self, limit):
        with self.bot.db.session() as session:
            if not task_rows.any_due(session):
                return []
        claim = uuid.uuid4().hex
        with self.bot.db.transaction() as session:
            rows = task_rows.claim_due(session, claim, limit, LEASE)
        return [(task_id, kind, payload, claim) for task_id, kind, payload in rows]

    def _run(self, task_id, kind, payload, claim):
        entry = self.bot.tasks.get(kind)
        try:
            if entry is None:
                raise LookupError(f"unknown task kind {kind!r}")
            finish = entry[0](self.bot, payload)
            with self.bot.db.transaction() as session:
                if not task_rows.still_claimed(session, task_id, claim):
                    log.warning("task %s (%s) was taken over; its result is dropped", task_id, kind)
                    return
                if finish is not None:
                    finish(session)
                task_rows.done(session, task_id)
            log.info("task %s (%s) done", task_id, kind)
        except GiveUp as exc:        # nothing to retry and no bug to trace: one line
            log.warning("task %s (%s) given up: %s", task_id, kind, exc)
            self._failed(task_id, kind, payload, claim, entry, exc)
        except Exception as exc:     # one failed task must not stop the others; it is retried
            log.exception("task %s (%s) failed", task_id, kind)
            self._failed(task_id, kind, payload, claim, entry, exc)

    def _failed(self, task_id, kind, payload, claim, entry, exc):
        with self.bot.db.transaction() as session:
            if not task_rows.still_claimed(session, task_id, claim):
                return
            attempts = task_rows.attempts(session, task_id)
            error = f"{type(exc).__name__}: {exc}"[:2000]
            if attempts >= MAX_ATTEMPTS or entry is None or isinstance(exc, GiveUp):
                task_rows.failed(session, task_id, error)
                if entry is not None and entry[1] is not None:
                    entry[1](session, payload)
                return
            task_rows.retry_later(session, task_id, error, BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])
