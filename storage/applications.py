"""Application drafts: one per studio per year, answers stored per field with their history."""
from functools import lru_cache

from sqlalchemy import bindparam, delete, select, update
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
    return dict(session.execute(select(Answer.key, Answer.value).where(
        Answer.application_id == application_id)).all())


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
    now = clock.utcnow()
    statements = _statements(session.get_bind().dialect.name)
    if value is None:
        session.execute(statements["delete"], {"app": application_id, "key": key})
    else:
        # an upsert, so two people answering the same field at once both succeed (last wins)
        session.execute(statements["upsert"], {"application_id": application_id, "key": key, "value": value,
                                               "source": source, "updated_by": person_id, "updated_at": now})
    if old != value:
        session.execute(statements["history"], {"application_id": application_id, "key": key, "old": old,
                                                "new": value, "person_id": person_id, "at": now})
    session.execute(statements["touch"], {"app": application_id, "now": now})
    return old


@lru_cache(maxsize=4)
def _statements(dialect):
    """The hot path's statements, built once per dialect (building them costs more than running them)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = insert(Answer.__table__)
    upsert = upsert.on_conflict_do_update(
        index_elements=["application_id", "key"],
        set_={"value": upsert.excluded.value, "source": upsert.excluded.source,
              "updated_by": upsert.excluded.updated_by, "updated_at": upsert.excluded.updated_at})
    table = Answer.__table__
    return {
        "upsert": upsert,
        "delete": delete(table).where(table.c.application_id == bindparam("app"), table.c.key == bindparam("key")),
        "history": AnswerHistory.__table__.insert(),
        "touch": update(Application.__table__).where(Application.__table__.c.id == bindparam("app"))
                 .values(updated_at=bindparam("now")),
    }


def history(session, application_id, key=None):
    query = select(AnswerHistory).where(AnswerHistory.application_id == application_id)
    if key:
        query = query.where(AnswerHistory.key == key)
    return session.scalars(query.order_by(AnswerHistory.id)).all()


def set_flag(app, name, value):
    flags = dict(app.flags or {})
    flags[name] = value
    app.flags = flags      # reassign so SQLAlchemy sees the change
