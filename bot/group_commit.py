"""Group commit: this process's turns run one after another on one thread, many per transaction.

A request thread hands its message over and waits; the writer takes every turn waiting at that
moment (up to ``BOT_TURN_BATCH``), runs each in its own savepoint inside one transaction and
commits once, and only then are the waiting requests answered. Nothing is acknowledged before
it is committed: a crash before the commit loses only turns whose senders got no answer yet, and
the messenger delivers those again.

On SQLite, where writers take turns anyway, this saves a commit (several WAL page writes) and a
lock hand-over per turn. There a form answer is also *planned* first, in the request's thread
and outside the lock (``storage.planning``); the writer only applies the plan's recorded writes,
so the handler's work no longer holds up every other writer. A turn that fails at the storage level (or meets a concurrent change of
its conversation on PostgreSQL) is rolled back to its savepoint and run again on its own after
the group has committed, so one bad turn never costs the others.
"""
import logging
import os
import queue
import threading
import time

from bot import planned, turns

log = logging.getLogger("bot.turn")
IDLE_SECONDS = 30          # an idle writer thread ends; the next message starts a new one
PLAN_ATTEMPTS = 3          # a form answer planned this often against a changing state then runs locked


_DUPLICATE = object()       # the applier found the message already claimed


class TurnWriter:
    """Runs turns for one Bot; ``handle(incoming)`` blocks until the turn is committed."""

    def __init__(self, bot, max_batch, applier_socket=None):
        self.bot, self.max_batch = bot, max(1, int(max_batch))
        self.applier = None
        if applier_socket and bot.db.is_sqlite and self.max_batch > 1:
            from storage.applier import Client
            self.applier = Client(applier_socket)
        self._queue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread = None
        self._pid = os.getpid()

    def handle(self, incoming):
        if self.max_batch == 1 or threading.current_thread() is self._thread:
            return turns.handle(self.bot, incoming)
        started = time.perf_counter()
        if self.bot.db.is_sqlite:
            for _attempt in range(PLAN_ATTEMPTS):
                plan = planned.plan_turn(self.bot, incoming)
                if plan is None:
                    break                               # not plannable: run it under the lock
                if plan.duplicate:
                    turns.log_turn(incoming, "duplicate", started)
                    return None
                result = self._apply_elsewhere(incoming, plan, started)
                if result is None:
                    result = self._submit(incoming, plan, started)
                elif result is _DUPLICATE:
                    return None
                if result is not planned.STALE:
                    return result
        return self._submit(incoming, None, started)

    def _apply_elsewhere(self, incoming, plan, started):
        """The plan applied by the applier process (``storage.applier``), when there is one:
        its replies, STALE, _DUPLICATE; None to apply it here."""
        if self.applier is None:
            return None
        outcome = self.applier.apply(plan.writes)
        if outcome is None:
            return None
        if outcome is planned.STALE:
            return planned.STALE
        if outcome is planned.DUPLICATE:
            turns.log_turn(incoming, "duplicate", started)
            return _DUPLICATE
        turns.log_turn(incoming, plan.handler, started)
        return plan.replies

    def _submit(self, incoming, plan, started):
        waiter = _Waiter()
        self._queue.put((incoming, plan, waiter, started))
        self._ensure_running()
        return waiter.wait()

    def _ensure_running(self):
        with self._lock:
            if self._pid != os.getpid():            # forked: the parent's thread is not ours
                self._pid, self._thread = os.getpid(), None
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="turn-writer", daemon=True)
                self._thread.start()

    def _run(self):
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._run_batch(batch)
            except BaseException as exc:      # never leave a request waiting on a dead writer
                log.exception("turn writer failed on a group of %d turns", len(batch))
                for _incoming, _plan, waiter, _started in batch:
                    if not waiter.done:
                        waiter.set_exception(exc)

    def _run_batch(self, batch):
        results, alone = {}, []
        try:
            with self.bot.db.transaction() as session:
                for index, (incoming, plan, _future, _started) in enumerate(batch):
                    try:
                        if plan is not None:
                            results[index] = (planned.apply_plan(session, plan), plan.handler)
                        else:
                            results[index] = turns.run_turn(self.bot, session, incoming)
                    except Exception as exc:          # rolled back to its savepoint: run it alone
                        log.info("turn of %s/%s runs again on its own: %s", incoming.channel,
                                 incoming.user, exc.__class__.__name__)
                        alone.append(index)
        except Exception:
            log.exception("group of %d turns failed to commit; running each on its own", len(batch))
            results, alone = {}, list(range(len(batch)))
        for index, (incoming, plan, future, started) in enumerate(batch):
            if index in results:
                replies, handler = results[index]
                if replies is planned.DUPLICATE:
                    replies, handler = None, "duplicate"
                if replies is not planned.STALE:
                    turns.log_turn(incoming, handler, started)
                future.set_result(replies)
        for index in alone:
            incoming, _plan, future, _started = batch[index]
            try:
                future.set_result(turns.handle(self.bot, incoming))
            except BaseException as exc:
                future.set_exception(exc)


class _Waiter:
    """A request waiting for its turn's commit: one lock, released by the writer (cheaper than a
    Future, whose condition variable costs more than a short turn's statements)."""
    __slots__ = ("_lock", "_result", "_error", "done")

    def __init__(self):
        self._lock = threading.Lock()
        self._lock.acquire()
        self._result = self._error = None
        self.done = False

    def set_result(self, result):
        self._result, self.done = result, True
        self._lock.release()

    def set_exception(self, error):
        self._error, self.done = error, True
        self._lock.release()

    def wait(self):
        self._lock.acquire()
        if self._error is not None:
            raise self._error
        return self._result
