"""Alembic environment: migrates the caller's connection (`python -m bot db upgrade`), or DATABASE_URL for `alembic upgrade`."""
import os

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
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL, or run `python -m bot db upgrade`")
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
