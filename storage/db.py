"""Engine and sessions: one transaction per unit of work, the same behaviour on SQLite (WAL) and PostgreSQL.

Writers are coordinated by the database itself: on SQLite every transaction begins with
``BEGIN IMMEDIATE`` (writers queue on SQLite's lock, readers never wait in WAL mode); on
PostgreSQL a turn locks its conversation row (``FOR UPDATE``). A ``reading()`` session on SQLite
begins with a plain ``BEGIN`` and so takes no write lock: slow work (rendering a document) reads
there and writes its result in a short transaction afterwards.

Pools: on SQLite one write connection per process (``SQLITE_WRITERS``): the process's turns wait
for it in the pool's queue, in order, instead of in SQLite's busy handler, which sleeps between
tries; on PostgreSQL no ping per checkout (``Database.__init__`` says why).
"""
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import Clock


class NestedTransaction(RuntimeError):
    """A transaction was opened inside another one in the same thread.

    On SQLite the inner one would wait forever for the write lock its own thread holds; on
    PostgreSQL it would commit apart from the outer one. Either way it is a bug: use the
    session you were given.
    """


def normalise_url(url):
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


# WAL: readers never wait for the writer; NORMAL: no fsync per commit (WAL keeps it consistent);
# temp_store in memory: a savepoint's undo journal needs no temporary file per transaction
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000",
                  "temp_store=MEMORY")
SQLITE_WRITERS = 1              # write connections per process (see Database.__init__)
PG_RECYCLE_SECONDS = 600


class Database:
    """Owns the engine; ``transaction()`` yields a session committed on success. Every session carries
    the Bot's clock (``storage.clock.of(session)``) and a memo for one transaction (``memo(session)``)."""

    def __init__(self, url, echo=False, clock=None):
        self.url = normalise_url(url)
        self.clock = clock or Clock()
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgresql = parsed.get_backend_name() == "postgresql"
        self._local = threading.local()
        if self.is_sqlite:
            on_disk = bool(parsed.database) and parsed.database != ":memory:"
            if on_disk:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            args = {"check_same_thread": False, "timeout": 30}
            # SQLite has one writer at a time: with one write connection per process the waiting
            # threads queue in the pool (woken at once, in order), not in SQLite's busy handler,
            # which sleeps up to 100 ms between tries and lets a writer starve for seconds; the
            # pool's wait is bounded like the busy handler's (30 s)
            writers = {"pool_size": SQLITE_WRITERS, "max_overflow": 0, "pool_timeout": 30} if on_disk else {}
            self.engine = create_engine(self.url, echo=echo, **writers, connect_args=args)
            # readers have their own engine: their transactions begin with a plain BEGIN
            readers = {"pool_size": 20, "max_overflow": 20} if on_disk else {}
            self.read_engine = create_engine(self.url, echo=echo, **readers, connect_args=args)
            _sqlite_setup(self.engine, "BEGIN IMMEDIATE")
            _sqlite_setup(self.read_engine, "BEGIN")
        else:
            # no ping per checkout (a round trip per turn): a connection the server dropped fails
            # its request once, and SQLAlchemy then replaces every pooled connection (its
            # "optimistic" disconnect handling); recycling keeps idle ones younger than any timeout
            self.engine = self.read_engine = create_engine(self.url, echo=echo, pool_size=20, max_overflow=10,
                                                           pool_recycle=PG_RECYCLE_SECONDS)
        info = {"clock": self.clock}
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False, info=info)
        for maker in (self.sessions, self.read_sessions):
            event.listen(maker, "after_transaction_end", _forget_memo)

    @contextmanager
    def transaction(self):
        """A session in one transaction: committed when the block ends, rolled back on error."""
        with self._outermost("transaction"), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self):
        """A session for reading only; on SQLite it takes no write lock. Nothing it does is committed."""
        with self._outermost("reading"), self.read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def _outermost(self, what):
        if getattr(self._local, "depth", 0):
            raise NestedTransaction(
                f"a {what} was opened inside another transaction of this thread; use the turn's session")
        self._local.depth = 1
        try:
            yield
        finally:
            self._local.depth = 0

    def session(self) -> Session:
        """A plain session for short reads outside a turn (on SQLite it takes no write lock)."""
        return self.read_sessions()

    def dispose(self):
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


MEMO = "memo"


def memo(session):
    """A dict kept for the current transaction of ``session`` (what it has read once), forgotten
    when the transaction or a savepoint ends."""
    return session.info.setdefault(MEMO, {})


def _forget_memo(session, transaction):
    if transaction.parent is None or transaction.nested:     # not a flush's inner transaction
        session.info.pop(MEMO, None)


def _sqlite_setup(engine, begin):
    """WAL and our pragmas on every connection; every transaction opened with ``begin``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None      # let the begin event issue BEGIN
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql(begin)
