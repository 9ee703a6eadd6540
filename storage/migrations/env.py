"""Alembic environment: migrates the database named by DATABASE_URL (or the caller's connection)."""
from alembic import context

from storage.db import Database
from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from bot.config import Config
    url = config.get_main_option("sqlalchemy.url") or Config.from_env().database_url
    db = Database(url)
    with db.engine.connect() as conn:
        _run(conn)
    db.dispose()


def _run(connection):
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; give DATABASE_URL")
run_migrations_online()
