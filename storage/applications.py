"""Application drafts: one per studio per year, answers stored per field, each change audited (answer.set)."""
import copy

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage import audit, clock
from storage.db import memo
from storage.models import Answer, Application


def get_or_create(session, studio, year):
    app = session.scalar(select(Application).where(Application.studio_id == studio.id,
                                                   Application.year == year))
    if app is None:
        now = clock.of(session).utcnow()
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(Application).values(studio_id=studio.id, year=year, status="draft",
                                                   flags={}, created_at=now, updated_at=now)
                        .on_conflict_do_nothing(index_elements=["studio_id", "year"]))
        app = session.scalar(select(Application).where(Application.studio_id == studio.id,
                                                       Application.year == year))
    return app


def load_answers(session, application_id):
    """{field key: value} of an application's stored answers (a copy).

    Read once per transaction: the summary, the 七有, the proofs and the form walker of one turn
    all ask, and each read is a round trip and a JSON value per field. ``set_answer`` keeps the
    kept copy current; it is forgotten when the transaction (or a savepoint) ends."""
    kept = memo(session).setdefault(_KEPT, {})
    found = kept.get(application_id)
    if found is None:
        found = kept[application_id] = dict(
            session.connection().execute(_ANSWERS, {"app_id": application_id}).all())
    return {key: _detached(value) for key, value in found.items()}


def _detached(value):
    """A copy all the way down: a caller that edits a table's rows must not edit the kept ones."""
    return copy.deepcopy(value) if isinstance(value, (list, dict)) else value


_KEPT = "applications.answers"


def answer_sources(session, application_id):
    return dict(session.execute(select(Answer.key, Answer.source).where(
        Answer.application_id == application_id)).all())


_UNKNOWN = object()


def set_answer(session, application_id, key, value, actor, source="user", old=_UNKNOWN, studio_id=None):
    """Write one field (last write wins per field) and audit before → after (``actor``:
    storage/actor.py); returns the old value.

    The old value comes from ``old``, else from the answers this transaction has read, else from
    the row itself.
    """
    kept = memo(session).get(_KEPT, {}).get(application_id)
    if old is _UNKNOWN:
        old = _detached(kept.get(key)) if kept is not None else session.scalar(
            select(Answer.value).where(Answer.application_id == application_id, Answer.key == key))
    connection = session.connection()
    now = clock.of(session).utcnow()
    params = {"app_id": application_id, "key": key}
    if value is None:
        connection.execute(_DELETE, params)
    else:
        # an upsert, so two people answering the same field at once both succeed (last wins)
        connection.execute(_upsert(connection.dialect.name),
                           {**params, "value": value, "source": source, "by": actor.person_id, "at": now})
    if kept is not None:
        if value is None:
            kept.pop(key, None)
        else:
            kept[key] = _detached(value)
    if old != value:
        audit.record(session, actor, "answer.set", at=now, object_type="application", object_id=application_id,
                     application_id=application_id, studio_id=studio_id, key=key, before=old, after=value,
                     detail="" if source == "user" else source)
    connection.execute(_TOUCH, {"app_id": application_id, "at": now})
    return old


_A = Answer.__table__
_ANSWERS = select(_A.c.key, _A.c.value).where(_A.c.application_id == bindparam("app_id"))
_DELETE = delete(_A).where(_A.c.application_id == bindparam("app_id"), _A.c.key == bindparam("key"))
_TOUCH = (update(Application.__table__).where(Application.__table__.c.id == bindparam("app_id"))
          .values(updated_at=bindparam("at"), version=Application.__table__.c.version + 1))
_UPSERTS = {}


def _upsert(dialect):
    found = _UPSERTS.get(dialect)
    if found is None:
        module = postgresql if dialect == "postgresql" else sqlite
        stmt = module.insert(_A).values(application_id=bindparam("app_id"), key=bindparam("key"),
                                        value=bindparam("value"), source=bindparam("source"),
                                        updated_by=bindparam("by"), updated_at=bindparam("at"))
        found = _UPSERTS[dialect] = stmt.on_conflict_do_update(
            index_elements=["application_id", "key"],
            set_={"value": stmt.excluded.value, "source": stmt.excluded.source,
                  "updated_by": stmt.excluded.updated_by, "updated_at": stmt.excluded.updated_at})
    return found


_HEAD = select(Application.__table__.c.studio_id, Application.__table__.c.year, Application.__table__.c.flags
               ).where(Application.__table__.c.id == bindparam("app_id"))


def load_head(session, application_id):
    """(studio id, year, flags) of an application, or None: what a form step needs of the row."""
    row = session.connection().execute(_HEAD, {"app_id": application_id}).first()
    return None if row is None else (row[0], row[1], row[2] or {})


def set_flag(app, name, value):
    flags = dict(app.flags or {})
    flags[name] = value
    app.flags = flags      # reassign so SQLAlchemy sees the change
    app.version = (app.version or 0) + 1
