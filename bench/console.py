"""The console under load (issue 28): office clerks reading the 总览 and application pages while the
form answers run paced.

The bench database gets UNITS units with STUDIOS studios at every stage of the current year, played
through the chat's services by bot/demo.py (the demo's own way of making them). CLERKS clerks, each
signed in as the group union through the demo sign-in (the bench runs in development), read in turn
the board and a random application, pausing PAUSE seconds between pages (after one untimed look at
each, as a clerk's browser has the server warm); per page the p50, p99 and longest, and any error.
"""
import os
import random
import re
import threading
import time

import requests
from sqlalchemy import select

from bench import setup
from bench.exports import pct
from bot import demo
from bot.config import Config
from bot.core import Bot
from storage.models import Application

UNITS = int(os.environ.get("BENCH_CONSOLE_UNITS", "100"))
STUDIOS = int(os.environ.get("BENCH_CONSOLE_STUDIOS", "300"))
CLERKS = int(os.environ.get("BENCH_CONSOLE_CLERKS", "2"))
PAUSE = float(os.environ.get("BENCH_CONSOLE_PAUSE", "0.2"))
STAGES = ("none", "draft", "started", "union", "tech", "party", "returned", "group", "named")


def seed(env):
    """UNITS units × STUDIOS studios played to their stages; returns the application ids."""
    bot = Bot(Config.from_env(environ=env))
    units = {f"压测{n:03d}工程有限公司": (f"工会{n:03d}", f"技术{n:03d}", f"党委{n:03d}") for n in range(UNITS)}
    names = list(units)
    studios = [(f"压测{n:03d}号创新工作室", names[n % UNITS], f"领衔人{n:03d}", "隧道施工", STAGES[n % len(STAGES)])
               for n in range(STUDIOS)]
    with bot.db.transaction() as session:
        demo.load(session, bot.config, units=units, studios=studios)
    # the tasks the played stages queued (reviewers' prompts, documents) run now, before any timed
    # run: a clerk reads a console whose backlog is done, and no run pays for the seeding
    setup.drain(bot)
    with bot.db.reading() as session:
        ids = list(session.scalars(select(Application.id)))
    bot.db.dispose()
    return ids


class Clerks:
    """CLERKS threads reading the console until ``stop``; ``figures()`` afterwards."""

    def __init__(self, port, app_ids):
        self.base = f"http://127.0.0.1:{port}"
        self.app_ids = app_ids
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.took = {"board": [], "application": []}
        self.errors = []
        self.threads = [threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(CLERKS)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)

    def _sign_in(self):
        web = requests.Session()
        page = web.get(self.base + "/console/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        answer = web.post(self.base + "/console/login/demo", data={"who": "group", "csrf_token": token},
                          allow_redirects=False, timeout=30)
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in: HTTP {answer.status_code}")
        return web

    def _get(self, web, what, path):
        started = time.perf_counter()
        try:
            answer = web.get(self.base + path, allow_redirects=False, timeout=30)
        except requests.RequestException as exc:
            self._error(f"{what}: {exc!r}")
            return
        took = time.perf_counter() - started
        if answer.status_code != 200:
            self._error(f"{what} {path}: HTTP {answer.status_code}")
        elif not self.stopping.is_set():
            with self.lock:
                self.took[what].append(took)

    def _error(self, what):
        with self.lock:
            self.errors.append(what)

    def _loop(self, n):
        pick = random.Random(n)
        try:
            web = self._sign_in()
        except Exception as exc:            # reported, not raised: the run goes on
            self._error(f"clerk {n}: {exc!r}")
            return
        web.get(self.base + "/console/", timeout=30)         # warm: templates compiled, connections open
        if self.app_ids:
            web.get(self.base + f"/console/applications/{self.app_ids[0]}", timeout=30)
        while not self.stopping.is_set():
            self._get(web, "board", "/console/")
            time.sleep(PAUSE)
            if self.app_ids:
                self._get(web, "application", f"/console/applications/{pick.choice(self.app_ids)}")
            time.sleep(PAUSE)

    def figures(self):
        out = {"errors": len(self.errors), "error_samples": self.errors[:3], "clerks": CLERKS,
               "units": UNITS, "studios": STUDIOS}
        for what, took in self.took.items():
            ms = sorted(t * 1000 for t in took)
            out[what] = {"pages": len(ms), "p50": pct(ms, 50), "p99": pct(ms, 99), "max": max(ms, default=0.0)}
        return out
