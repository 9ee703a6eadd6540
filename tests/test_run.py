"""`make run`'s processes from the Procfile (gunicorn web + worker under honcho), over real HTTP."""
import os
import signal
import subprocess
import sys
import time
import urllib.request

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
