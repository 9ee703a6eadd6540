"""The SQLite applier: one process applies every web worker's planned turns, many per commit.

Planned turns (``storage.planning``) carry their writes as SQL with guards. Applied by a thread
inside each web worker, those writes compete for that worker's GIL with every request thread:
each statement gives the GIL up and waits to get it back, so the write lock is held several
times longer than the statements need, and the two workers' writers take the lock in turns
with small groups. One process of its own does nothing else: it takes the plans of every
worker that are waiting at that moment, applies each in a savepoint with its guards, commits
once and answers each worker with its plan's outcome (``ok``, ``stale``, ``duplicate`` or an
error). Nothing is answered before the commit.

The web process starts it (gunicorn.conf.py) and gives its workers the socket's path in
``BOT_APPLIER_SOCKET``. The socket lives in a directory only this user can open. A worker that
cannot reach the applier, or gets no answer, applies the plan itself as before; the guards make
a plan that was in fact committed come back as a duplicate, so nothing happens twice. The
applier holds the same write lock (``Database``'s lock file) as every other writer, and ends
when the process that started it is gone.
"""
import logging
import marshal
import os
import selectors
import signal
import socket
import sqlite3
import struct
import sys
import threading
import time

from storage.db import SQLITE_PRAGMAS, FileLock
from storage.planning import DUPLICATE, OK, STALE, apply_writes

log = logging.getLogger("storage.applier")
HEADER = struct.Struct(">I")
MAX_FRAME = 16 * 1024 * 1024
REPLY_TIMEOUT = 30.0          # a worker waits this long for an answer, then applies the plan itself
RETRY_AFTER = 2.0             # after a failed connection a worker tries the applier again this much later


# ============================================================================ the process
class Applier:
    """Serves one SQLite database on one Unix socket until stopped or orphaned."""

    def __init__(self, db_path, socket_path, lock_path=None, max_batch=256):
        self.socket_path, self.max_batch = socket_path, max_batch
        self.db = sqlite3.connect(db_path, isolation_level=None, timeout=30)
        for pragma in SQLITE_PRAGMAS:
            self.db.execute(f"PRAGMA {pragma}")
        self.cursor = self.db.cursor()
        self.lock = FileLock(lock_path or None)
        self.selector = selectors.DefaultSelector()
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(socket_path)
        os.chmod(socket_path, 0o600)
        self.listener.listen(256)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.buffers = {}
        self.stopping = False

    def serve(self, parent_pid=None):
        parent_pid = parent_pid or os.getppid()
        while not self.stopping:
            events = self.selector.select(timeout=0.5)
            if os.getppid() != parent_pid:
                log.info("applier: the web process is gone; stopping")
                break
            batch = []
            for key, _mask in events:
                if key.fileobj is self.listener:
                    self._accept()
                else:
                    self._read(key.fileobj, batch)
            while batch:
                group, batch = batch[:self.max_batch], batch[self.max_batch:]
                try:
                    self._apply(group)
                except Exception:         # never leave workers waiting: they apply it themselves
                    log.exception("applier: a group of %d plans failed", len(group))
                    for conn, _writes in group:
                        self._drop(conn)
        self.close()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return
            conn.setblocking(True)
            self.buffers[conn] = bytearray()
            self.selector.register(conn, selectors.EVENT_READ)

    def _read(self, conn, batch):
        try:
            data = conn.recv(65536)        # under malloc's mmap threshold: no map per message
        except OSError:
            data = b""
        if not data:
            self._drop(conn)
            return
        buffer = self.buffers[conn]
        buffer += data
        while len(buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(buffer)
            if size > MAX_FRAME:
                self._drop(conn)
                return
            if len(buffer) < HEADER.size + size:
                break
            frame = bytes(buffer[HEADER.size:HEADER.size + size])
            del buffer[:HEADER.size + size]
            try:
                writes = marshal.loads(frame)
            except (ValueError, EOFError, TypeError):
                self._drop(conn)
                return
            batch.append((conn, writes))

    def _drop(self, conn):
        self.buffers.pop(conn, None)
        try:
            self.selector.unregister(conn)
        except (KeyError, ValueError):
            pass
        conn.close()

    def _apply(self, batch):
        outcomes = []
        with self.lock:
            cursor = self.cursor
            try:
                cursor.execute("BEGIN IMMEDIATE")
                for _conn, writes in batch:
                    try:
                        outcomes.append(apply_writes(cursor.execute, writes))
                    except Exception as exc:          # rolled back to its savepoint by apply_writes;
                        # the worker runs that turn itself and shows or logs what went wrong
                        outcomes.append(("error", f"{exc.__class__.__name__}: {exc}"))
                cursor.execute("COMMIT")
            except sqlite3.Error as exc:
                log.warning("applier: a group of %d plans failed to commit: %s", len(batch), exc)
                if self.db.in_transaction:
                    cursor.execute("ROLLBACK")
                outcomes = [("error", f"commit: {exc}")] * len(batch)
        for (conn, _writes), outcome in zip(batch, outcomes):
            payload = marshal.dumps(outcome)
            try:
                conn.sendall(HEADER.pack(len(payload)) + payload)
            except OSError:
                self._drop(conn)

    def stop(self, *_args):
        self.stopping = True

    def close(self):
        for conn in list(self.buffers):
            self._drop(conn)
        self.selector.close()
        self.listener.close()
        try:
            os.unlink(self.socket_path)
        except FileNotFoundError:
            pass
        self.db.close()


def main(argv=None):
    """``python -m storage.applier DB_PATH SOCKET_PATH [LOCK_PATH]`` (started by the web process)."""
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=os.environ.get("BOT_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    applier = Applier(argv[0], argv[1], argv[2] if len(argv) > 2 else None)
    signal.signal(signal.SIGTERM, applier.stop)
    signal.signal(signal.SIGINT, applier.stop)
    parent = int(os.environ.get("BOT_APPLIER_PARENT", "0")) or None
    log.info("applier serving %s on %s", argv[0], argv[1])
    applier.serve(parent)
    return 0


# ============================================================================ the workers' side
class Client:
    """A web worker's connection to the applier: one socket per thread, made when first used."""

    def __init__(self, path):
        self.path = path
        self._local = threading.local()
        self._down_until = 0.0

    def apply(self, writes):
        """The plan's outcome (OK, STALE, DUPLICATE), or None: apply it yourself.

        None also when the applier failed after the plan was sent; whether or not it committed,
        applying it again is safe: its guards make a committed plan a duplicate."""
        if time.monotonic() < self._down_until:
            return None
        try:
            payload = marshal.dumps(writes)
        except ValueError:                   # a value marshal cannot carry: apply it in-process
            return None
        sock = self._socket()
        if sock is None:
            return None
        try:
            sock.sendall(HEADER.pack(len(payload)) + payload)
            outcome = marshal.loads(_read_frame(sock))
        except (OSError, EOFError, ValueError) as exc:
            log.warning("applier unreachable (%s); applying in-process", exc.__class__.__name__)
            self._forget(sock)
            return None
        for known in (OK, STALE, DUPLICATE):
            if outcome == known:
                return known
        log.warning("applier could not apply a plan (%s); applying in-process", outcome)
        return None

    def _socket(self):
        if getattr(self._local, "pid", None) != os.getpid():
            self._local.sock, self._local.pid = None, os.getpid()
        if self._local.sock is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(REPLY_TIMEOUT)
            try:
                sock.connect(self.path)
            except OSError:
                sock.close()
                self._down_until = time.monotonic() + RETRY_AFTER
                return None
            self._local.sock = sock
        return self._local.sock

    def _forget(self, sock):
        self._local.sock = None
        self._down_until = time.monotonic() + RETRY_AFTER
        sock.close()


def _read_frame(sock):
    header = _read_exactly(sock, HEADER.size)
    (size,) = HEADER.unpack(header)
    return _read_exactly(sock, size)


def _read_exactly(sock, size):
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            raise EOFError("applier closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


if __name__ == "__main__":
    sys.exit(main())
