"""The insert-only floors, served by the same gunicorn command line as the assistant (for information).

- ``durable``: bare Flask plus one committed SQLite insert per request (WAL, synchronous=NORMAL,
  the assistant's own settings);
- ``durable_postgres``: the same with one committed PostgreSQL insert per request (psycopg 3,
  one connection per thread, the server's default synchronous_commit).

They store the request and send nothing, so they are not a bot: the baseline a bot is measured
against is bench/minimal_bot.py.
"""
import os
import sqlite3
import threading

from flask import Flask, request


def durable():
    path = os.environ.get("BENCH_SQLITE", "/tmp/bench-durable.db")
    local = threading.local()

    def conn():
        if not hasattr(local, "db"):
            db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.execute("CREATE TABLE IF NOT EXISTS inbox (id INTEGER PRIMARY KEY, body BLOB)")
            local.db = db
        return local.db

    app = Flask("durable")

    @app.post("/wecom/callback")
    def callback():
        db = conn()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO inbox (body) VALUES (?)", (request.get_data(),))
        db.execute("COMMIT")
        return "", 200

    @app.get("/healthz")
    def health():
        return "ok"
    return app


def durable_postgres():
    """The PostgreSQL floor; its table is made by ``prepare_postgres_floor`` before gunicorn starts."""
    import psycopg
    url = os.environ["BENCH_PG_FLOOR_URL"]
    local = threading.local()

    def conn():
        if not hasattr(local, "db"):
            local.db = psycopg.connect(url)
        return local.db

    app = Flask("durable_postgres")

    @app.post("/wecom/callback")
    def callback():
        db = conn()
        with db.transaction():
            db.execute("INSERT INTO floor_requests (body) VALUES (%s)", (request.get_data(),))
        return "", 200

    @app.get("/healthz")
    def health():
        return "ok"
    return app


def prepare_postgres_floor(url):
    import psycopg
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE IF NOT EXISTS floor_requests (id BIGSERIAL PRIMARY KEY, body BYTEA)")
