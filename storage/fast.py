"""The per-turn hot path's SQL, run on the session's own connection without the ORM's per-call cost.

Every turn runs about ten small statements; through SQLAlchemy each costs far more in Python
than in the database. These run on the very DBAPI connection (and so the same transaction and
savepoint) the session uses, with values stored exactly as SQLAlchemy stores them: JSON as
``json.dumps`` text on SQLite and json on PostgreSQL; datetimes in SQLAlchemy's SQLite text form.
The ORM is flushed first when it holds unwritten changes, so a raw read never misses them.

SQL is written once with ``?`` placeholders, converted to ``%s`` for psycopg.
"""
import json

from sqlalchemy import event
from sqlalchemy.orm import Session


class Raw:
    __slots__ = ("session", "cursor", "pg", "_Json")

    def __init__(self, session, driver_connection=None):
        """On the session's connection; or on ``driver_connection`` (a turn being planned reads
        on its thread's own connection, see Database.reading)."""
        self.session = session
        if driver_connection is None:
            connection = session.connection()
            self.pg = connection.dialect.name == "postgresql"
            driver_connection = connection.connection.driver_connection
        else:
            self.pg = False
        self.cursor = driver_connection.cursor()
        if self.pg:
            from psycopg.types.json import Json
            self._Json = Json

    def execute(self, sql, params=(), expect=None):
        """Run one statement; returns the cursor for fetchone()/fetchall().

        While a turn is being planned (``storage.planning``) a write is recorded, not run, and
        a stand-in cursor answers as if it had succeeded; ``expect`` is the guard checked when
        the plan is applied: "claim" (RETURNING must give a row) or "one" (exactly one row).
        """
        if not self.session._is_clean():       # unwritten ORM changes must be visible to this SQL
            self.session.flush()
        plan = self.session.info.get("plan")
        if plan is not None and not sql.startswith("SELECT"):
            plan.record(sql, params, expect)
            return _RECORDED
        if self.pg:
            sql = _pg(sql)
        self.cursor.execute(sql, params)
        return self.cursor

    def when(self, moment):
        """A naive UTC datetime as the DateTime column stores it (SQLAlchemy's SQLite text form:
        'YYYY-MM-DD HH:MM:SS.ffffff')."""
        return moment if self.pg else moment.isoformat(" ", "microseconds")

    def json(self, value):
        return self._Json(value) if self.pg else json.dumps(value)

    def from_json(self, value):
        """A JSON column's value as read. SQLite's numeric affinity turns '12' into 12, so only
        text is decoded; psycopg has decoded already."""
        if self.pg or not isinstance(value, str):
            return value
        return json.loads(value)

    def from_json_pairs(self, rows):
        """{key: decoded value} of (key, JSON column) rows, decoded in one ``json.loads``."""
        if self.pg:
            return dict(rows)
        texts = [value for _key, value in rows if isinstance(value, str)]
        decoded = iter(json.loads("[" + ",".join(texts) + "]") if texts else ())
        return {key: next(decoded) if isinstance(value, str) else value for key, value in rows}


class _Recorded:
    """The cursor of a recorded write: one row affected, one row returned."""
    rowcount = 1

    def fetchone(self):
        return (0,)


_RECORDED = _Recorded()
_PG_SQL = {}


def _pg(sql):
    converted = _PG_SQL.get(sql)
    if converted is None:
        converted = _PG_SQL[sql] = sql.replace("?", "%s")
    return converted


def raw(session):
    """The session's Raw, made once per session (one connection for its transaction)."""
    found = session.info.get("raw")
    if found is None:
        found = session.info["raw"] = Raw(session)
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    """A session's connection may change between transactions: make a new Raw for the next."""
    if transaction.parent is None:
        session.info.pop("raw", None)


def plain_savepoints(dialect):
    """Savepoints as plain driver SQL: SQLAlchemy compiles a new statement for every savepoint
    name, which costs more than the rest of a short turn's statements together."""
    def do_savepoint(connection, name):
        connection.exec_driver_sql(f"SAVEPOINT {name}")

    def do_release_savepoint(connection, name):
        connection.exec_driver_sql(f"RELEASE SAVEPOINT {name}")

    def do_rollback_to_savepoint(connection, name):
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
    dialect.do_savepoint = do_savepoint
    dialect.do_release_savepoint = do_release_savepoint
    dialect.do_rollback_to_savepoint = do_rollback_to_savepoint
