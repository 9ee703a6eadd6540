"""Application drafts: one per studio per year, answers stored per field with their history."""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot import clock
from storage.fast import raw
from storage.models import Answer, AnswerHistory, Application


def get_or_create(session, studio, year):
    app = session.scalar(select(Application).where(Application.studio_id == studio.id,
                                                   Application.year == year))
    if app is None:
        now = clock.utcnow()
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Application).values(studio_id=studio.id, year=year, status="draft",
                                                   flags={}, created_at=now, updated_at=now)
                        .on_conflict_do_nothing(index_elements=["studio_id", "year"]))
        app = session.scalar(select(Application).where(Application.studio_id == studio.id,
                                                       Application.year == year))
    return app


def load_answers(session, application_id):
    db = raw(session)
    plan = session.info.get("plan")
    if plan is not None:
        # a planned turn reads the answers as of this version; applied only if still current
        row = db.execute(_VERSION, (application_id,)).fetchone()
        if row is not None:
            plan.record(_SAME_VERSION, (application_id, row[0]), "one")
    return db.from_json_pairs(db.execute(_ANSWERS, (application_id,)).fetchall())


def answer_sources(session, application_id):
    return dict(session.execute(select(Answer.key, Answer.source).where(
        Answer.application_id == application_id)).all())


_UNKNOWN = object()


def set_answer(session, application_id, key, value, person_id, source="user", old=_UNKNOWN):
    """Write one field (last write wins per field) and record before → after; returns the old value.

    Pass ``old`` when the caller already knows the current value: the write is then one upsert.
    """
    if old is _UNKNOWN:
        existing = session.scalar(select(Answer.value).where(Answer.application_id == application_id,
                                                             Answer.key == key))
        old = existing
    db = raw(session)
    now = db.when(clock.utcnow())
    if value is None:
        db.execute(_DELETE, (application_id, key))
    else:
        # an upsert, so two people answering the same field at once both succeed (last wins)
        db.execute(_UPSERT, (application_id, key, db.json(value), source, person_id, now))
    if old != value:
        db.execute(_HISTORY, (application_id, key, db.json(old), db.json(value), person_id, now))
    db.execute(_TOUCH, (now, application_id))
    return old


_ANSWERS = "SELECT key, value FROM answers WHERE application_id = ?"
_UPSERT = ("INSERT INTO answers (application_id, key, value, source, updated_by, updated_at) "
           "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (application_id, key) DO UPDATE SET "
           "value = excluded.value, source = excluded.source, updated_by = excluded.updated_by, "
           "updated_at = excluded.updated_at")
_DELETE = "DELETE FROM answers WHERE application_id = ? AND key = ?"
_HISTORY = "INSERT INTO answer_history (application_id, key, old, new, person_id, at) VALUES (?, ?, ?, ?, ?, ?)"
_TOUCH = "UPDATE applications SET updated_at = ?, version = version + 1 WHERE id = ?"
_VERSION = "SELECT version FROM applications WHERE id = ?"
_SAME_VERSION = "UPDATE applications SET version = version WHERE id = ? AND version = ?"
_HEAD = "SELECT studio_id, year, flags FROM applications WHERE id = ?"


def load_head(session, application_id):
    """(studio id, year, flags) of an application, or None: what a form step needs of the row."""
    db = raw(session)
    row = db.execute(_HEAD, (application_id,)).fetchone()
    return None if row is None else (row[0], row[1], db.from_json(row[2]) or {})


def history(session, application_id, key=None):
    query = select(AnswerHistory).where(AnswerHistory.application_id == application_id)
    if key:
        query = query.where(AnswerHistory.key == key)
    return session.scalars(query.order_by(AnswerHistory.id)).all()


def set_flag(app, name, value):
    flags = dict(app.flags or {})
    flags[name] = value
    app.flags = flags      # reassign so SQLAlchemy sees the change
    app.version = (app.version or 0) + 1
