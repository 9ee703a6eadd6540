"""gunicorn settings for the web process (the Procfile's `web:`); see README for tuning."""
import os

bind = f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
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

