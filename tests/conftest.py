"""Fixtures: a Bot on a fresh SQLite file or PostgreSQL database, the Flask client, a transcript chat.

Every test that uses a bot (``bot``, ``make_bot``, ``chat``, ``client``) runs on both engines:
``engine`` is parametrised over sqlite and postgresql. Tests never reach the internet: any
connection to an address off this machine fails the test (``_offline``).
"""
import ipaddress
import os
import shutil
import socket
import uuid
from datetime import datetime

import pytest
from sqlalchemy import create_engine, text

from tests.support.clock import clock
from bot.config import Config
from bot.core import Bot
from storage.db import Database, normalise_url
from storage.migrate import upgrade
from tests.chat import Chat
from tests.form_data import fill_all


def pytest_configure(config):
    config.addinivalue_line("markers", "fault: fault-injection tests (crashes, outages, races)")
    config.addinivalue_line("markers", "browser: real headless Chromium")


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def _is_local(host):
    if host in ("localhost", "", None) or str(host).endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard_address(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        raise OfflineError(f"tests never reach the internet: a connection to {address[0]!r} was attempted")


class OfflineError(OSError):
    """A test tried to open a connection off this machine."""


def _guarded_connect(sock, address):
    _guard_address(sock, address)
    return _connect(sock, address)


def _guarded_connect_ex(sock, address):
    _guard_address(sock, address)
    return _connect_ex(sock, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host if not isinstance(host, bytes) else host.decode()):
        raise OfflineError(f"tests never reach the internet: a look-up of {host!r} was attempted")
    return _getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Fail any test that opens a connection to (or looks up) a host off this machine."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def _real_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def may_2025():
    """The clock fixed at 2025-05-20 10:00 (Asia/Shanghai): the application year is 2025."""
    clock.set_now(datetime(2025, 5, 20, 10, 0))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    import sqlite3
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return path


@pytest.fixture(scope="session")
def postgres_url():
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TEST_POSTGRES_URL must be set in CI: storage tests run on PostgreSQL too")
        pytest.skip("set TEST_POSTGRES_URL to run these tests on PostgreSQL")
    name = f"bot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    test_url = normalise_url(url).rsplit("/", 1)[0] + "/" + name
    db = Database(test_url)
    upgrade(db)
    db.dispose()
    yield test_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_postgres(url):
    db = Database(url)
    with db.engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"))]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    db.dispose()


def make_config(tmp_path, database_url, **overrides):
    values = dict(env="test", database_url=database_url, files_dir=str(tmp_path / "files"),
                  public_url="http://127.0.0.1:8000", delivery_interval=0.05)
    values.update(overrides)
    return Config.from_env(environ={}, **values)


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    path = tmp_path / "bot.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    """The storage engine of this run of the test: every bot-based test runs on both."""
    return request.param


@pytest.fixture
def any_db_url(request, engine, tmp_path, sqlite_template):
    """A fresh database of the test's engine."""
    if engine == "sqlite":
        path = tmp_path / "bot.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _truncate_postgres(url)
    return url


def _make_bot(tmp_path, url, demo=True, **overrides):
    bot = Bot(make_config(tmp_path, url, **overrides))
    clock.attach(bot.clock)
    if demo:
        from bot import demo as demo_data
        with bot.db.transaction() as session:
            demo_data.load(session)
    return bot


@pytest.fixture
def make_bot(tmp_path, any_db_url):
    """Factory: ``make_bot(**config_overrides)`` on the test's database (either engine), demo loaded."""
    bots = []

    def factory(url=None, demo=True, **overrides):
        bot = _make_bot(tmp_path, url or any_db_url, demo=demo, **overrides)
        bots.append(bot)
        return bot
    yield factory
    for bot in bots:
        bot.db.dispose()


@pytest.fixture
def bot(make_bot):
    return make_bot()


@pytest.fixture
def any_bot(bot):
    return bot


@pytest.fixture
def chat(bot):
    """``chat("leader")`` → a transcript driver for that try-out identity."""
    return lambda user="leader": Chat(bot, user)


@pytest.fixture
def client(bot):
    from bot.app import create_app
    app = create_app(bot.config, bot=bot)
    return app.test_client()


@pytest.fixture
def submitted(bot, chat):
    """The demo leader's whole 2025 application, submitted (the test fixes the clock in May 2025)."""
    leader = chat("leader")
    leader.send("申报")
    fill_all(leader)
    leader.send("提交")
    reply = leader.press("确认提交")
    assert "已提交 2025 年度申报表，现由第 1 步 所在单位工会审批" in reply
    return leader


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is required in CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()
