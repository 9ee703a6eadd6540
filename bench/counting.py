"""The count run's counters: statements by kind and round trips per answer, for the web processes and the worker.

On PostgreSQL the web processes and the worker each reach the server through a counting proxy of
their own (bench/pgwire.py): only their DATABASE_URL changes. On SQLite, which runs inside the
bot's processes, they are started through bench/instrument.py, which counts what SQLite's trace
callback reports and writes running totals to ``BENCH_COUNT_DIR``; SQLite has no round trips.
A count run's timings are not reported (the proxy sits in the path); its counts are.
"""
import json
import time
from collections import Counter
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.instrument import DUMP_SECONDS
from bench.pgwire import CountingProxy

ROLES = ("web", "worker")


class Counting:
    def __init__(self, url, folder, profile=False):
        self.url, self.folder, self.profile = url, Path(folder), profile
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proxies = {}
        if not url.startswith("sqlite"):
            port = make_url(url).port or 5432
            self.proxies = {role: CountingProxy(port).start() for role in ROLES}

    def envs(self, env):
        """(web env, worker env): the count directory, and on PostgreSQL each role's proxy."""
        env = dict(env, BENCH_COUNT_DIR=str(self.folder), BENCH_PROFILE="1" if self.profile else "0")
        if not self.proxies:
            return env, env
        urls = {role: make_url(self.url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
                for role, proxy in self.proxies.items()}
        return dict(env, DATABASE_URL=urls["web"]), dict(env, DATABASE_URL=urls["worker"])

    def snapshot(self, settle=False):
        """{role: {"statements": Counter, "round_trips": n}} so far; ``settle`` waits for the processes' last dump."""
        if self.proxies:
            return {role: proxy.snapshot() for role, proxy in self.proxies.items()}
        if settle:
            time.sleep(3 * DUMP_SECONDS)
        totals = {role: {"statements": Counter(), "round_trips": 0} for role in ROLES}
        for role in ROLES:
            for path in self.folder.glob(f"{role}-*.json"):
                try:
                    totals[role]["statements"].update(json.loads(path.read_text())["statements"])
                except (FileNotFoundError, ValueError):     # being replaced this instant: read it again
                    time.sleep(0.01)
                    totals[role]["statements"].update(json.loads(path.read_text())["statements"])
        return totals

    @staticmethod
    def per_answer(before, after, answered):
        """Per answer, per role: statements, round trips and statements by kind, over before → after."""
        per = max(answered, 1)
        result = {}
        for role in ROLES:
            kinds = after[role]["statements"] - before[role]["statements"]
            result[role] = {"statements": sum(kinds.values()) / per,
                            "round_trips": (after[role]["round_trips"] - before[role]["round_trips"]) / per,
                            "kinds": {k: n / per for k, n in kinds.most_common()}}
        return result

    def stop(self):
        for proxy in self.proxies.values():
            proxy.stop()
