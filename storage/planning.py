"""Turns planned outside the write lock: read a snapshot, record the writes, apply them later.

On SQLite one writer runs at a time, so the less a turn does while holding the write lock the
more turns the deadline week gets through. A form answer is therefore first *planned* in the
request's own thread, in a read-only snapshot (WAL readers never wait): the handler runs as
usual, but the hot path's writes (``storage.fast``) are recorded instead of executed. The writer
thread then applies the recorded writes under the lock, with guards: the message id must still
be unclaimed, and the conversation and application versions must still be the ones read. A
failed guard means another turn came first: the turn is planned again (or, after a few tries,
run under the lock). Anything a plan cannot record — an ORM write, a separate transaction, a
file written to disk — spoils the plan and the turn runs under the lock instead, from scratch.
"""
import threading

from sqlalchemy import event
from sqlalchemy.orm import Session

_local = threading.local()


class NeedsLock(Exception):
    """The turn being planned wants to write in a way a plan cannot record."""


class Plan:
    """What a planned turn would write, and what it would answer."""
    __slots__ = ("writes", "spoiled", "replies", "handler", "duplicate")

    def __init__(self):
        self.writes = []            # (sql, params, expect): expect is None, "claim" or "one"
        self.spoiled = False
        self.replies, self.handler, self.duplicate = None, "", False

    def record(self, sql, params, expect=None):
        self.writes.append((sql, params, expect))


def active():
    """The plan being recorded in this thread, or None."""
    return getattr(_local, "plan", None)


class recording:
    """``with recording(session, plan):`` — writes through this session and thread go to ``plan``."""

    def __init__(self, session, plan):
        self.session, self.plan = session, plan

    def __enter__(self):
        _local.plan = self.plan
        self.session.info["plan"] = self.plan
        return self.plan

    def __exit__(self, *exc):
        _local.plan = None
        self.session.info.pop("plan", None)
        return False


def spoil(reason):
    """Called before a write a plan cannot record: marks the plan spoiled and stops the turn."""
    plan = active()
    if plan is not None:
        plan.spoiled = True
        raise NeedsLock(reason)


def _session_plan(session):
    return session.info.get("plan")


@event.listens_for(Session, "before_flush")
def _refuse_flush(session, _context, _instances):
    if _session_plan(session) is not None:
        spoil("ORM flush")


@event.listens_for(Session, "do_orm_execute")
def _refuse_orm_writes(state):
    if _session_plan(state.session) is not None and (state.is_insert or state.is_update or state.is_delete):
        spoil("ORM statement")


OK, STALE, DUPLICATE = "ok", "stale", "duplicate"


def apply_writes(execute, writes):
    """Run a plan's writes in a savepoint with their guards: OK, STALE or DUPLICATE.

    ``execute(sql, params)`` runs one statement on the writer's connection and returns its
    cursor. A failed guard rolls the plan's writes back; so does an error, which is raised.
    """
    execute("SAVEPOINT planned_turn", ())
    try:
        outcome = OK
        for sql, params, expect in writes:
            cursor = execute(sql, params)
            if expect == "claim" and cursor.fetchone() is None:
                outcome = DUPLICATE
                break
            if expect == "one" and cursor.rowcount != 1:
                outcome = STALE
                break
    except BaseException:
        execute("ROLLBACK TO SAVEPOINT planned_turn", ())
        execute("RELEASE SAVEPOINT planned_turn", ())
        raise
    if outcome != OK:
        execute("ROLLBACK TO SAVEPOINT planned_turn", ())
    execute("RELEASE SAVEPOINT planned_turn", ())
    return outcome


def orm_changed(session):
    """Whether the ORM holds changes a plan would lose (set but never flushed)."""
    return bool(session.new or session.dirty or session.deleted)
