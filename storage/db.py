"""Engine and sessions: one transaction per turn, the same behaviour on SQLite (WAL) and PostgreSQL."""
import fcntl
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage import planning


def normalise_url(url):
    """Accept plain ``postgresql://`` URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """Owns the engine; ``transaction()`` yields a session committed on success."""

    def __init__(self, url, echo=False):
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            on_disk = bool(parsed.database) and parsed.database != ":memory:"
            # request threads read (planning) while the writer writes: a connection for each
            pool = {"pool_size": 20, "max_overflow": 20} if on_disk else {}
            self.engine = create_engine(self.url, echo=echo, **pool,
                                        connect_args={"check_same_thread": False, "timeout": 30})
            _sqlite_setup(self.engine)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True,
                                        pool_size=5, max_overflow=10)
        from storage.fast import plain_savepoints
        plain_savepoints(self.engine.dialect)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time; threads of this process queue here, in order, instead
        # of polling the file lock through SQLite's sleeping busy handler
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._readers, self._readers_lock, self._all_readers = threading.local(), threading.Lock(), []
        # … and processes queue on a kernel lock, which wakes the next writer at once (SQLite's own
        # busy handler sleeps in steps of up to 100 ms while it waits)
        self.sqlite_path = (parsed.database if self.is_sqlite and parsed.database
                            and parsed.database != ":memory:" else None)
        # the file every writer of this SQLite database locks: this process's threads and the applier
        self.lock_path = f"{self.sqlite_path}.writelock" if self.sqlite_path else None
        self._file_lock = FileLock(self.lock_path)

    @contextmanager
    def transaction(self):
        """A session in one transaction: committed when the block ends, rolled back on error."""
        planning.spoil("a transaction of its own")     # not while a turn is being planned
        if self._write_lock is None:
            with self.sessions() as session, session.begin():
                yield session
            return
        with self._write_lock, self._file_lock, self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self):
        """A session for reading only, outside the write lock (SQLite).

        The hot path's reads (``storage.fast``) run on this thread's own connection, in one read
        transaction: one snapshot, and SQLite checks its page cache against the writers' commits
        once per turn instead of once per statement. WAL readers never wait for a writer. What a
        plan read is checked again by version guards when it is applied. ORM reads, if any, get
        a deferred (read) transaction of their own.
        """
        from storage.fast import Raw
        session = getattr(self._readers, "session", None)
        if session is None:                    # one per thread, kept: making one costs more than a read
            session = self._readers.session = self.sessions()
        connection = self._reader()
        session.info["raw"] = Raw(session, connection)
        _reading.active = True
        connection.execute("BEGIN")
        try:
            yield session
        finally:
            _reading.active = False
            if connection.in_transaction:
                connection.execute("COMMIT")
            if session.identity_map or session.new or session.in_transaction():
                session.close()                # what the ORM loaded is not kept for the next turn

    def _reader(self):
        """This thread's reading connection (autocommit), opened once and kept."""
        found = getattr(self._readers, "connection", None)
        if found is None:
            found = self._readers.connection = self.engine.raw_connection()
            with self._readers_lock:
                self._all_readers.append(found)
        return found.driver_connection

    def session(self) -> Session:
        return self.sessions()

    def dispose(self):
        with self._readers_lock:
            readers, self._all_readers = self._all_readers, []
        for connection in readers:
            connection.invalidate()           # closes it; never back into the pool
        self._readers = threading.local()
        self.engine.dispose()


class FileLock:
    """``with lock:`` holds an exclusive kernel lock on a file (nothing when ``path`` is None).

    The lock file is opened for each hold: a descriptor kept open would be shared with a forked
    child, which would then hold the same lock instead of queuing for it."""

    def __init__(self, path):
        self.path = path
        self._fds = threading.local()

    def __enter__(self):
        if self.path is not None:
            fd = self._fds.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.path is not None:
            os.close(self._fds.fd)      # closing releases the lock
        return False


# WAL: readers never wait for the writer; NORMAL: no fsync per commit (WAL keeps it consistent);
# temp_store in memory: a savepoint's undo journal needs no temporary file per transaction
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000",
                  "temp_store=MEMORY")


def _sqlite_setup(engine):
    """WAL for concurrent readers; BEGIN IMMEDIATE so writers queue instead of failing to upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None      # let SQLAlchemy's begin event issue BEGIN
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # straight to the driver: SQLAlchemy's statement machinery costs more than the BEGIN itself
        conn.connection.driver_connection.execute(
            "BEGIN" if getattr(_reading, "active", False) else "BEGIN IMMEDIATE")


_reading = threading.local()
