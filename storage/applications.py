"""Application drafts: one per studio per year, answers stored per field with their history."""
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot import clock
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
    return {a.key: a.value for a in session.scalars(select(Answer).where(
        Answer.application_id == application_id))}


def answer_sources(session, application_id):
    return {a.key: a.source for a in session.scalars(select(Answer).where(
        Answer.application_id == application_id))}


def set_answer(session, application_id, key, value, person_id, source="user"):
    """Write one field (last write wins per field) and record before → after; returns the old value."""
    existing = session.scalar(select(Answer).where(Answer.application_id == application_id,
                                                   Answer.key == key))
    old = existing.value if existing else None
    now = clock.utcnow()
    if value is None:
        if existing is not None:
            session.delete(existing)
    elif existing is not None:
        existing.value, existing.source, existing.updated_by, existing.updated_at = value, source, person_id, now
    else:
        # an upsert, so two people answering the same new field at once both succeed (last wins)
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = insert(Answer).values(application_id=application_id, key=key, value=value, source=source,
                                     updated_by=person_id, updated_at=now)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["application_id", "key"],
            set_={"value": stmt.excluded.value, "source": stmt.excluded.source,
                  "updated_by": stmt.excluded.updated_by, "updated_at": stmt.excluded.updated_at}))
    if old != value:
        session.add(AnswerHistory(application_id=application_id, key=key, old=old, new=value,
                                  person_id=person_id, at=now))
    app = session.get(Application, application_id)
    app.updated_at = now
    return old


def history(session, application_id, key=None):
    query = select(AnswerHistory).where(AnswerHistory.application_id == application_id)
    if key:
        query = query.where(AnswerHistory.key == key)
    return session.scalars(query.order_by(AnswerHistory.id)).all()


def set_flag(app, name, value):
    flags = dict(app.flags or {})
    flags[name] = value
    app.flags = flags      # reassign so SQLAlchemy sees the change
