"""Starting the Procfile's processes for real (gunicorn web, the worker) against a test database."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(config, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "DINGTALK_", "BOT_"))}
    env.update(DATABASE_URL=config.database_url, BOT_FILES_DIR=config.files_dir, BOT_ENV="development",
               BOT_DELIVERY_INTERVAL="0.05", PATH=f"{VENV_BIN}:{os.environ['PATH']}")
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Web:
    """gunicorn as the Procfile starts it."""

    def __init__(self, env, log_path):
        self.port = free_port()
        self.env = dict(env, PORT=str(self.port))
        self.log_path = log_path
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "bot.app:create_app()"],
                                     cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        for _ in range(150):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("web did not start: " + Path(self.log_path).read_text()[-2000:])

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        self.log.close()


class Worker:
    def __init__(self, env, log_path):
        self.env, self.log_path, self.proc = env, log_path, None

    def start(self):
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill9(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        self.log.close()


def post_json(url, body, timeout=10):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return json.loads(res.read())
