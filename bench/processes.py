"""The processes a bench run starts: gunicorn as the Procfile does, a bot's worker, the fake WeCom API, wrk.

Each runs in a session of its own and is stopped by its process group when its block ends; a
bench run leaves nothing behind. ``BOTS`` says how each bot under test is started, plainly and
through bench/instrument.py for the count run.
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from storage.db import Database
from storage.models import Lease

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PACED_CONNECTIONS = 50      # each waits between its requests: the rate hardly depends on the latency


@dataclass(frozen=True)
class BotProcesses:
    """How a bot is served (a gunicorn app spec) and its worker started (``python`` arguments)."""
    name: str
    app: str
    worker: tuple
    counted_app: str
    counted_worker: tuple
    lease: bool         # the worker holds a lease in the database before it delivers


BOTS = {
    "assistant": BotProcesses("assistant", "bot.app:create_app()", ("-m", "bot", "worker"),
                              "bench.instrument:assistant_app()", ("-m", "bench.instrument", "assistant"), True),
    "minimal": BotProcesses("minimal", "bench.minimal_bot:create_app()", ("-m", "bench.minimal_bot", "worker"),
                            "bench.instrument:minimal_app()", ("-m", "bench.instrument", "minimal"), False),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_env(env):
    return dict(env, PATH=f"{VENV_BIN}:{os.environ['PATH']}", PYTHONPATH=str(ROOT))


def _stop(proc, wait):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@contextlib.contextmanager
def serving(app_spec, env):
    """gunicorn as the Procfile starts it, up and healthy; yields (port, master pid)."""
    port = free_port()
    env = run_env(dict(env, PORT=str(port)))
    log = open(env["BENCH_DIR"] + f"/gunicorn-{port}.log", "w")
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", app_spec], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        else:
            raise SystemExit(f"{app_spec} did not start; see {log.name}")
        if server.poll() is not None:
            raise SystemExit(f"{app_spec} exited; see {log.name}")
        yield port, server.pid
    finally:
        _stop(server, 30)
        log.close()


@contextlib.contextmanager
def fake_wecom(work, wecom):
    """WeCom's API (bench/fake_wecom.py) in its own process; yields (base URL, pid)."""
    log = open(f"{work}/fake-wecom.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bench.fake_wecom", wecom["WECOM_CORP_ID"], wecom["WECOM_SECRET"],
                             wecom["WECOM_AGENT_ID"]], cwd=ROOT, env=run_env(dict(os.environ)),
                            stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
    try:
        base_url = proc.stdout.readline().strip()
        if not base_url.startswith("http://"):
            raise SystemExit(f"the fake WeCom API did not start; see {log.name}")
        yield base_url, proc.pid
    finally:
        _stop(proc, 30)
        log.close()


@contextlib.contextmanager
def worker_process(bot, env, counted=False):
    """The bot's worker (the assistant's: the Procfile's `worker:`), ready before the load starts:
    the assistant's holding its lease, the minimal bot's polling."""
    log = open(env["BENCH_DIR"] + f"/worker-{bot.name}-{time.time_ns()}.log", "w")
    proc = subprocess.Popen([sys.executable, *(bot.counted_worker if counted else bot.worker)], cwd=ROOT,
                            env=run_env(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise SystemExit(f"the {bot.name} worker exited; see {log.name}")
            if bot.lease and lease_holder(env["DATABASE_URL"], proc.pid):
                break
            if not bot.lease and _has_database_connection(proc.pid, env["DATABASE_URL"]):
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"the {bot.name} worker never got ready; see {log.name}")
        yield proc
    finally:
        _stop(proc, 60)
        log.close()


def lease_holder(url, pid):
    db = Database(url)
    try:
        with db.session() as s:
            holder = s.scalar(select(Lease.holder).where(Lease.name == "worker"))
    except Exception:   # not migrated yet
        holder = None
    db.dispose()
    return bool(holder) and f":{pid}:" in holder


def _has_database_connection(pid, url):
    """The minimal worker has polled once: its SQLite file is open, or it has a TCP connection."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        targets = [os.readlink(fd) for fd in fds.iterdir()]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    if url.startswith("sqlite:///"):
        return any(t.endswith(url.removeprefix("sqlite:///")) for t in targets)
    return any(t.startswith("socket:") for t in targets)


def rss_mb(pids):
    """Resident memory of each live process of ``pids``, in MB."""
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except FileNotFoundError:
            pass
    return sizes


def children(pid):
    return [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]


def wrk(port, requests_file, skip, duration, connections, rate=None):
    """wrk's figures; with ``rate``, PACED_CONNECTIONS connections paced to about that many requests a second."""
    threads = 2
    connections = PACED_CONNECTIONS if rate else connections
    pace_ms = int(connections * 1000 / rate) if rate else 0
    result = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                             "--timeout", "10s", "-s", str(ROOT / "bench" / "requests.lua"),
                             f"http://127.0.0.1:{port}", "--", requests_file, str(threads), str(int(skip)),
                             str(pace_ms)],
                            capture_output=True, text=True, check=True)
    line = next(l for l in result.stdout.splitlines() if l.startswith("BENCH "))
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}
