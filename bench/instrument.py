"""The bench's count run: a bot's processes unchanged, with SQLite statements counted and (BENCH_PROFILE=1) CPU profiled.

Entry points, each loading the bot as its Procfile line would after installing the measuring:

- gunicorn app specs ``bench.instrument:assistant_app()`` and ``bench.instrument:minimal_app()``;
- ``python -m bench.instrument assistant|minimal`` for the worker processes.

On SQLite every connection the process opens gets a trace callback (``sqlite3.connect`` is
wrapped before the bot opens any; SQLAlchemy calls it through ``sqlite3.dbapi2``), so every
statement SQLite runs is counted by kind (bench/statements.py); each process writes its running totals to ``$BENCH_COUNT_DIR/<role>-<pid>.json``
every ``DUMP_SECONDS``, and the bench takes the difference over the load. (On PostgreSQL the
counting is done on the wire by bench/pgwire.py; nothing is installed in the process.)

With BENCH_PROFILE=1, pyinstrument samples **CPU time** (its timer is the thread's CPU clock, so
waiting on the database, a lock or the network takes no samples): in the web process each request
on its own, in the worker every thread for its whole life. The samples are written to
``$BENCH_COUNT_DIR/profile-<role>-<pid>.json`` when the process exits, for bench/profile.py to merge.
"""
import atexit
import json
import os
import signal
import sqlite3
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from pyinstrument import Profiler
from pyinstrument.session import Session
from pyinstrument.stack_sampler import get_stack_sampler

from bench import minimal_bot
from bench.statements import kind
from bot.app import create_app
from bot.cli import cli

DUMP_SECONDS = 0.25
PROFILE_INTERVAL = 0.001        # seconds of a thread's CPU time between samples


class StatementCounter:
    """Counts what SQLite connections run; dumps the totals to a file now and then."""

    def __init__(self, path):
        self.path, self.counts, self.lock = Path(path), Counter(), threading.Lock()

    def trace(self, sql):
        name = kind(sql)
        with self.lock:
            self.counts[name] += 1

    def dump(self):
        with self.lock:
            data = json.dumps({"at": time.time(), "statements": self.counts})
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(data)
        scratch.replace(self.path)

    def dump_forever(self):
        while True:
            self.dump()
            time.sleep(DUMP_SECONDS)

    def install(self):
        connect = sqlite3.connect

        def traced_connect(*args, **kwargs):
            conn = connect(*args, **kwargs)
            conn.set_trace_callback(self.trace)
            return conn
        sqlite3.connect = sqlite3.dbapi2.connect = traced_connect
        threading.Thread(target=self.dump_forever, name="count-dump", daemon=True).start()
        atexit.register(self.dump)


class CpuProfile:
    """pyinstrument sessions sampled on CPU time, merged into one and saved at exit."""

    def __init__(self, path):
        self.path, self.lock = Path(path), threading.Lock()
        self.records, self.duration, self.cpu, self.samples = [], 0.0, 0.0, 0
        atexit.register(self.save)

    def start(self):
        sampler = get_stack_sampler()
        if sampler.timer_func is None:
            sampler.timer_func = time.thread_time
        profiler = Profiler(interval=PROFILE_INTERVAL, async_mode="disabled")
        profiler.start()
        return profiler

    def stop(self, profiler):
        session = profiler.stop()
        with self.lock:
            self.records.extend(session.frame_records)
            self.duration += session.duration
            self.cpu += session.cpu_time
            self.samples += session.sample_count

    def save(self):
        with self.lock:
            session = Session(frame_records=self.records, start_time=0.0, duration=self.duration,
                              min_interval=PROFILE_INTERVAL, max_interval=PROFILE_INTERVAL,
                              sample_count=self.samples, start_call_stack=["(merged)"], target_description=self.path.stem,
                              cpu_time=self.cpu, sys_path=sys.path, sys_prefixes=Session.current_sys_prefixes())
        session.save(self.path)

    def wsgi(self, app):
        """``app`` with each request profiled on the thread that serves it."""
        def profiled(environ, start_response):
            profiler = self.start()
            try:
                return list(app(environ, start_response))
            finally:
                self.stop(profiler)
        return profiled

    def every_thread(self):
        """Every thread started from now on profiled for its whole life."""
        run = threading.Thread.run
        profile = self

        def profiled_run(thread):
            profiler = profile.start()
            try:
                run(thread)
            finally:
                profile.stop(profiler)
        threading.Thread.run = profiled_run


def _measuring(role):
    folder = Path(os.environ["BENCH_COUNT_DIR"])
    if os.environ.get("DATABASE_URL", "").startswith("sqlite"):
        StatementCounter(folder / f"{role}-{os.getpid()}.json").install()
    if os.environ.get("BENCH_PROFILE") == "1":
        return CpuProfile(folder / f"profile-{role}-{os.getpid()}.json")
    return None


def assistant_app():
    profile = _measuring("web")
    app = create_app()
    if profile:
        app.wsgi_app = profile.wsgi(app.wsgi_app)
    return app


def minimal_app():
    _measuring("web")
    return minimal_bot.create_app()


def worker(bot):
    profile = _measuring("worker")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))      # the minimal worker's way out: atexit runs
    if profile:
        profile.every_thread()
    profiler = profile.start() if profile else None
    try:
        if bot == "assistant":
            cli.main(args=["worker"], prog_name="python -m bot", standalone_mode=False)
        else:
            minimal_bot.work()
    finally:
        if profiler:
            profile.stop(profiler)


if __name__ == "__main__":
    worker(sys.argv[1])
