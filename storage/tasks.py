"""The task table: slow work queued in a turn's transaction, claimed for a lease by one worker at a time."""
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage import clock
from storage.models import Task
from storage.statuses import TaskStatus


def add(session, kind, payload, *, dedupe_key=None):
    """Queue a task in the caller's transaction; with ``dedupe_key`` a second add does nothing.

    Returns True when a row was written."""
    now = clock.of(session).wall_utcnow()
    values = dict(kind=kind, payload=payload, dedupe_key=dedupe_key, status=TaskStatus.PENDING, attempts=0,
                  next_attempt_at=now, last_error="", created_at=now)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Task).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.execute(stmt.returning(Task.id)).first() is not None


def _due(now):
    return (Task.status == TaskStatus.PENDING, Task.next_attempt_at <= now,
            (Task.lease_until.is_(None)) | (Task.lease_until < now))


def any_due(session):
    """Whether a task is due: a read, so an idle worker's poll takes no lock."""
    return session.execute(select(Task.id).where(*_due(clock.of(session).wall_utcnow())).limit(1)).first() is not None


def claim_due(session, claim, limit, lease):
    """Claim up to ``limit`` due tasks no live lease holds (others' claims skipped on PostgreSQL):
    [(id, kind, payload)]."""
    now = clock.of(session).wall_utcnow()
    query = select(Task.id, Task.kind, Task.payload).where(*_due(now)).order_by(Task.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    if rows:
        session.execute(update(Task).where(Task.id.in_([r[0] for r in rows])).values(
            claim=claim, lease_until=now + lease, attempts=Task.attempts + 1))
    return [tuple(row) for row in rows]


def still_claimed(session, task_id, claim):
    """True while the task is pending under ``claim`` (locked for the caller's transaction on PostgreSQL)."""
    query = select(Task.status, Task.claim).where(Task.id == task_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.execute(query).first()
    return row is not None and row[0] == TaskStatus.PENDING and row[1] == claim


def attempts(session, task_id):
    return session.scalar(select(Task.attempts).where(Task.id == task_id))


def done(session, task_id):
    session.execute(update(Task).where(Task.id == task_id).values(
        status=TaskStatus.DONE, finished_at=clock.of(session).wall_utcnow(), claim=None, lease_until=None))


def failed(session, task_id, error):
    session.execute(update(Task).where(Task.id == task_id).values(
        status=TaskStatus.FAILED, last_error=error, finished_at=clock.of(session).wall_utcnow(), claim=None, lease_until=None))


def retry_later(session, task_id, error, seconds):
    session.execute(update(Task).where(Task.id == task_id).values(
        last_error=error, claim=None, lease_until=None, next_attempt_at=clock.of(session).wall_utcnow() + timedelta(seconds=seconds)))
