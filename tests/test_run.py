"""`make run`'s processes from the Procfile (gunicorn web + worker under honcho), over real HTTP."""
import os
import runpy
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.procs import ROOT, VENV_BIN, free_port, post_json as post


def test_procfile_serves_try_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/run.db", BOT_FILES_DIR=str(tmp_path / "f"),
               PATH=f"{VENV_BIN}:{os.environ['PATH']}")
    env.pop("BOT_ENV", None)
    subprocess.run([sys.executable, "-m", "bot", "demo"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    proc = subprocess.Popen([str(VENV_BIN / "honcho"), "start", "-p", str(port), "web", "worker"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        reply = post(base + "/try/api/messages", {"user": "leader", "text": "帮助"})
        assert reply["replies"][0]["text"].startswith("王海您好")
        # the worker is up once it holds its lease in the database
        from sqlalchemy import create_engine, text
        engine = create_engine(env["DATABASE_URL"])
        for _ in range(150):
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM leases")).scalar():
                    break
            time.sleep(0.2)
        engine.dispose()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    log = out.decode()
    assert "试用页面：http://127.0.0.1:" in log
    assert "worker lease acquired" in log
    assert "worker stopped" in log


def _control_socket(monkeypatch, cwd, port):
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("PORT", str(port))
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))["control_socket"]


def test_two_runs_on_one_machine_do_not_share_gunicorns_control_socket(monkeypatch, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _control_socket(monkeypatch, tmp_path / "a", 8000)
    assert first == _control_socket(monkeypatch, tmp_path / "a", 8000)
    assert first != _control_socket(monkeypatch, tmp_path / "a", 8001)
    assert first != _control_socket(monkeypatch, tmp_path / "b", 8000)
    assert len(first.encode()) < 100 and not first.endswith("/gunicorn.ctl")


def _make_run_commands(database_url):
    env = dict(os.environ, DATABASE_URL=database_url)
    out = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout


@pytest.mark.parametrize("url, starts", [("sqlite:///instance/bot.db", False),
                                         ("postgresql+psycopg://bot@127.0.0.1/bot", True)])
def test_make_run_starts_postgresql_only_for_a_postgresql_database(url, starts):
    assert ("pg_ctlcluster" in _make_run_commands(url)) is starts
