"""gunicorn settings for the web process (the Procfile's `web:`); see README for tuning."""
import hashlib
import os
import tempfile

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"


def _control_socket():
    """gunicornc's socket, one per checkout and address (GUNICORN_CONTROL_SOCKET overrides).

    gunicorn's default is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl): a second `make run` on
    the machine (another checkout, another port) would take the first one's socket over. A short
    hash keeps the path within a socket path's 107 bytes wherever the checkout lies."""
    given = os.environ.get("GUNICORN_CONTROL_SOCKET")
    if given:
        return given
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = runtime if runtime and os.path.isdir(runtime) else tempfile.gettempdir()
    tag = hashlib.sha256(f"{os.getcwd()}|{bind}".encode()).hexdigest()[:12]
    return os.path.join(folder, f"studio-assistant-{tag}.ctl")


control_socket = _control_socket()


def _default_workers():
    """One process on SQLite, two on PostgreSQL.

    SQLite lets one writer in at a time: within one process the waiting turns queue in the
    connection pool and go in order the moment the writer commits, while a second process waits
    in SQLite's busy handler, which sleeps up to 100 ms between tries (the slowest acknowledgements
    under load went from about 1.1 s to 0.3 s, at the same throughput). PostgreSQL locks rows, and
    more processes (and machines) add throughput.
    """
    url = os.environ.get("DATABASE_URL") or "sqlite"     # unset: the embedded SQLite (bot/config.py)
    return 1 if url.startswith("sqlite") else 2


workers = int(os.environ.get("WEB_CONCURRENCY") or _default_workers())
threads = int(os.environ.get("WEB_THREADS", "16"))   # requests mostly wait on the database
worker_class = os.environ.get("WEB_WORKER_CLASS", "gthread")
timeout = 30
graceful_timeout = 10
accesslog = None
max_requests = 0


def on_starting(server):
    """Migrate once in the master, before any worker serves a request."""
    from bot.config import Config
    from bot.core import configure_logging
    from storage.db import Database
    from storage.migrate import upgrade
    config = Config.from_env()          # an invalid configuration stops start-up here
    configure_logging(config.log_level)
    db = Database(config.database_url)
    upgrade(db)
    db.dispose()


def when_ready(server):
    from bot.config import Config
    config = Config.from_env()
    if config.try_enabled:
        server.log.info("试用页面：http://127.0.0.1:%s/try", os.environ.get("PORT", "8000"))

