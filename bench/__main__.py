"""`python -m bench` (make bench): the assistant against the minimal durable bot, on SQLite and on PostgreSQL.

Everything runs on loopback. For each engine, gunicorn with the Procfile's command line (so with
the same processes and threads: 1 × 16 on SQLite, 2 × 16 on PostgreSQL) serves in turn the
**minimal durable bot** (bench/minimal_bot.py: verify, decrypt, inbox + outbox rows in one
transaction; its worker sends and marks sent) and the assistant, each with its worker beside it, both
delivering through the same fake WeCom API (bench/fake_wecom.py). wrk (Debian's package) replays
pre-encrypted WeCom callbacks, each a form answer from one of USERS (2000) leaders, paced to
PACED_RATE (100) a second: 6,000 replies a minute, within WeCom's 10,000 message/send calls a minute.

Per round (ROUNDS, 2), each for DURATION seconds (bench/load_run.py):

1. the minimal bot, then the assistant: **CPU per answered message** (web + worker + the database
   server's processes for its database, from the first request until the worker has marked every
   reply sent; not wrk nor the fake API), the acknowledgement p50 / p99 / longest, the reply
   latency, memory per web process and per worker; the assistant's ratios to the minimal bot's;
2. the assistant again while EXPORT_USERS leaders press 导出 / 查看申报表 / 提交 in a loop
   (bench/exports.py): the longest acknowledgement of any request.

Then the assistant once more with office clerks reading the console (bench/console.py: the board and
a random application page, with CONSOLE_UNITS units and CONSOLE_STUDIOS studios seeded): p99 per page.

Then, per bot, a **count run** (bench/counting.py): statements and round trips per answer, and
the statements by kind; with BENCH_PROFILE=1 the assistant's count run is also profiled on CPU
time (bench/profile.py). For information: the insert-only floors (bench/baselines.py) and the
assistant at full speed (BENCH_FULL_LOAD=0 leaves them out); the render of the whole form, the
broadcast, replies against a slow API. Prints every figure and each target as met / NOT met;
writes bench/results/latest.json.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import broadcast, console, cpu, load_run, profile, render, replies
from bench.baselines import prepare_postgres_floor
from bench.counting import Counting
from bench.minimal_bot import Store
from bench.outbox_watch import OutboxWatch
from bench.processes import ROOT, children, fake_wecom, rss_mb, serving, wrk
from bench.report import report
from bench.setup import drop_postgres, local_postgres, postgres_database, prepare_database, write_requests

DURATION = int(os.environ.get("BENCH_DURATION", "15"))
COUNT_DURATION = int(os.environ.get("BENCH_COUNT_DURATION", str(min(DURATION, 10))))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))      # the full-speed runs
USERS = int(os.environ.get("BENCH_USERS", "2000"))
EXPORT_USERS = int(os.environ.get("BENCH_EXPORT_USERS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "100"))     # form answers a second
FULL_LOAD = os.environ.get("BENCH_FULL_LOAD", "1") == "1"
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
CONSOLE = os.environ.get("BENCH_CONSOLE", "1") == "1"
REPLY_WAIT = float(os.environ.get("BENCH_REPLY_WAIT", "60"))     # seconds the worker may take to deliver after a run
FULL_SPEED = 1000           # the most requests a second the full-speed slice is made for
WECOM = {"WECOM_CORP_ID": "wwbenchcorp", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "bench-secret",
         "WECOM_TOKEN": "benchtoken", "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}
FLOORS = {"sqlite": "bench.baselines:durable()", "postgresql": "bench.baselines:durable_postgres()"}
# the targets (issue 30)
MAX_CPU_RATIO = 1.5            # the assistant's CPU per answer against the minimal bot's
ACK_P99_RATIO, ACK_P99_SLACK_MS = 5.0, 20.0     # ack p99 ≤ max(5× the minimal bot's, the minimal bot's + 20 ms)
MAX_REPLY_P99_MS = 1000.0      # acknowledged → delivered at the (fake) API
MAX_ACK_MS = 1000.0            # with the export users pressing
MAX_RSS_MB = 150.0             # per web process and per worker
MAX_CONSOLE_P99_MS = 300.0     # the board and an application page, while the answers run (issue 28)


class Slices:
    """Which callbacks each run sends: a paced run a slice of its own per database, the full-speed run the rest."""

    def __init__(self):
        longest = max(DURATION, COUNT_DURATION)
        self.paced = int(PACED_RATE * longest * 1.25) + 100
        self.full = FULL_SPEED * DURATION if FULL_LOAD else 0
        self.total = (2 * ROUNDS + 2) * self.paced + self.full      # the assistant's runs use the most

    def start(self, n):
        return n * self.paced

    def check(self, figures, size, what):
        if figures["requests"] > size:
            raise SystemExit(f"{what} sent {figures['requests']:.0f} callbacks, more than its {size} distinct ones "
                             "(some twice, which are cheaper duplicates): shorten BENCH_DURATION or lower the rate")


def bench_engine(engine, env, minimal_env, floor_env, requests_file, fake_pid, work):
    """ROUNDS rounds of minimal / assistant / assistant with the export users, then the count runs
    and the information runs."""
    print(f"[{engine}] preparing {USERS} leaders and {EXPORT_USERS} export users …", flush=True)
    export_users = prepare_database(env, USERS, EXPORT_USERS)
    if CONSOLE:
        print(f"[{engine}] seeding {console.UNITS} units with {console.STUDIOS} studios for the console …", flush=True)
        started = time.monotonic()
        console_apps = console.seed(env)
        print(f"[{engine}] seeded in {time.monotonic() - started:.0f} s", flush=True)
    Store(minimal_env["DATABASE_URL"]).create()
    slices = Slices()
    paced = {"requests_file": requests_file, "duration": DURATION, "connections": CONNECTIONS, "rate": PACED_RATE}

    def run(bot, bot_env, slot, size=slices.paced, load=paced, **kwargs):
        figures = load_run.run(bot, bot_env, load, slices.start(slot), fake_pid, REPLY_WAIT, **kwargs)
        slices.check(figures, size, f"a run of the {bot}")
        return figures

    committed = {bot: _committed(e["DATABASE_URL"], bot) for bot, e in (("assistant", env), ("minimal", minimal_env))}
    rounds = []
    for n in range(ROUNDS):
        minimal = run("minimal", minimal_env, n)
        assistant = run("assistant", env, n)
        exporting = run("assistant", env, ROUNDS + n, export_users=export_users)
        rounds.append({"minimal": minimal, "assistant": assistant, "exports": exporting})
        print(f"[{engine}] round {n + 1}: CPU per answer {assistant['cpu_per_answer_ms']:.2f} ms vs "
              f"{minimal['cpu_per_answer_ms']:.2f} ms, ack p99 {assistant['p99']:.1f} vs {minimal['p99']:.1f} ms; "
              f"with exports longest ack {max(exporting['max'], exporting['exports']['max_ack_ms']):.0f} ms",
              flush=True)
    console_run = run("assistant", env, 2 * ROUNDS + 1, console_apps=console_apps) if CONSOLE else None
    if console_run:
        c = console_run["console"]
        print(f"[{engine}] console: board p99 {c['board']['p99']:.0f} ms, application p99 "
              f"{c['application']['p99']:.0f} ms, answers' ack p99 {console_run['p99']:.1f} ms", flush=True)
    counts, profiles = {}, {}
    count_load = dict(paced, duration=COUNT_DURATION)
    for bot, bot_env, slot in (("minimal", minimal_env, ROUNDS), ("assistant", env, 2 * ROUNDS)):
        folder = Path(work) / f"counts-{engine}-{bot}"
        counting = Counting(bot_env["DATABASE_URL"], folder, profile=PROFILE and bot == "assistant")
        try:
            counts[bot] = run(bot, bot_env, slot, load=count_load, counting=counting)
        finally:
            counting.stop()
        if counting.profile:
            profiles = profile.report(folder, engine, counts[bot]["answered"], ROOT / "bench" / "results")
    print(f"[{engine}] counted: {counts['assistant']['counts']['web']['statements']:.1f} statements per answer "
          f"in the web process, {counts['minimal']['counts']['web']['statements']:.1f} in the minimal bot's", flush=True)
    result = {"rounds": rounds, "counts": counts, "profile": profiles, "export_users": EXPORT_USERS,
              "settings": {"paced_rate": PACED_RATE, "users": USERS, "duration_s": DURATION,
                           "web_processes": rounds[0]["assistant"]["web_processes"],
                           "threads": int(os.environ.get("WEB_THREADS", "16"))}}     # gunicorn.conf.py's default
    if FULL_LOAD:
        result["floor"] = _floor(engine, floor_env, requests_file)
        full = dict(paced, rate=None)
        result["full_load"] = run("assistant", env, 2 * ROUNDS + 2, size=slices.full, load=full)
    if console_run:
        result["console"] = console_run
    runs = {"assistant": [r["assistant"] for r in rounds] + [r["exports"] for r in rounds] + [counts["assistant"]]
            + ([console_run] if console_run else [])
            + ([result["full_load"]] if FULL_LOAD else []),
            "minimal": [r["minimal"] for r in rounds] + [counts["minimal"]]}
    result["committed"] = {bot: {"acknowledged": sum(r["answered"] for r in runs[bot]),
                                 "inbox": after[0] - committed[bot][0], "outbox": after[1] - committed[bot][1]}
                           for bot, after in ((b, _committed(e["DATABASE_URL"], b))
                                              for b, e in (("assistant", env), ("minimal", minimal_env)))}
    result["errors"] = sum(r["errors"] + r["non2xx"] + r.get("exports", {}).get("errors", 0)
                           for bot_runs in runs.values() for r in bot_runs)
    result["summary"] = summary(rounds)
    result["targets"] = targets(result)
    return result


def _committed(url, bot):
    watch = OutboxWatch(url, bot)
    try:
        return watch.committed()
    except Exception:       # the tables do not exist yet
        return 0, 0
    finally:
        watch.close()


def _floor(engine, floor_env, requests_file):
    """The insert-only floor at full speed, for information: requests/s and CPU per request."""
    watch = OutboxWatch(floor_env.get("BENCH_PG_FLOOR_URL") or floor_env["DATABASE_URL"], "minimal")
    try:
        with serving(FLOORS[engine], floor_env) as (port, master):
            groups = {"web": lambda: cpu.descendants(master), "database": watch.database_pids,
                      "db server": watch.server_pids}
            split = cpu.Split(groups).start()
            figures = wrk(port, requests_file, 0, DURATION, CONNECTIONS)
            figures["cpu_ms"] = split.stop(figures["requests"])
            figures["rss_mb"] = max(rss_mb(children(master)) or [0])
    finally:
        watch.close()
    return figures


def mean(values):
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def summary(rounds):
    """The rounds' means (the longest acknowledgement, the reply p99 and memory: the largest), and the ratios."""
    s = {}
    for bot in ("minimal", "assistant"):
        runs = [r[bot] for r in rounds]
        s[bot] = {"cpu_per_answer_ms": mean(r["cpu_per_answer_ms"] for r in runs),
                  "cpu_ms": {k: mean(r["cpu_ms"][k] for r in runs) for k in runs[0]["cpu_ms"]},
                  "rps": mean(r["rps"] for r in runs), "p50": mean(r["p50"] for r in runs),
                  "p99": mean(r["p99"] for r in runs), "max": max(r["max"] for r in runs),
                  "reply_p50_ms": mean(r["reply_p50_ms"] for r in runs),
                  "reply_p99_ms": max(r["reply_p99_ms"] for r in runs),
                  "last_reply_after_load_s": max(r["last_reply_after_load_s"] for r in runs),
                  "replies_owed": sum(r["replies_owed"] for r in runs),
                  "rss_mb": max(r["rss_mb"] for r in runs), "worker_rss_mb": max(r["worker_rss_mb"] for r in runs)}
    a, m = s["assistant"], s["minimal"]
    s["cpu_ratio"] = a["cpu_per_answer_ms"] / max(m["cpu_per_answer_ms"], 1e-9)
    s["p99_ratio"] = a["p99"] / max(m["p99"], 1e-9)
    s["cpu_ratios"] = [r["assistant"]["cpu_per_answer_ms"] / max(r["minimal"]["cpu_per_answer_ms"], 1e-9) for r in rounds]
    s["p99_ratios"] = [r["assistant"]["p99"] / max(r["minimal"]["p99"], 1e-9) for r in rounds]
    s["ack_p99_limit_ms"] = max(ACK_P99_RATIO * m["p99"], m["p99"] + ACK_P99_SLACK_MS)
    exporting = [r["exports"] for r in rounds]
    s["exports"] = {"p99": mean(r["p99"] for r in exporting), "answers_max": max(r["max"] for r in exporting),
                    "users_max": max(r["exports"]["max_ack_ms"] for r in exporting),
                    "loops": sum(r["exports"]["loops"] for r in exporting),
                    "requests": sum(r["exports"]["requests"] for r in exporting),
                    "documents": sum(r["exports"]["documents"] for r in exporting),
                    "document_p50_s": mean(r["exports"]["document_p50_s"] for r in exporting),
                    "document_max_s": max(r["exports"]["document_max_s"] for r in exporting),
                    "errors": sum(r["exports"]["errors"] for r in exporting),
                    "error_samples": [e for r in exporting for e in r["exports"]["error_samples"]][:3],
                    "rss_mb": max(r["rss_mb"] for r in exporting),
                    "worker_rss_mb": max(r["worker_rss_mb"] for r in exporting),
                    "steps": {step: max(r["exports"]["steps"].get(step, {}).get("max_ms", 0) for r in exporting)
                              for step in exporting[0]["exports"]["steps"]}}
    return s


def targets(result):
    s = result["summary"]
    a, ex = s["assistant"], s["exports"]
    longest = max(ex["answers_max"], ex["users_max"])
    web, worker = max(a["rss_mb"], ex["rss_mb"]), max(a["worker_rss_mb"], ex["worker_rss_mb"])
    return {
        f"CPU per answer ≤ {MAX_CPU_RATIO}× the minimal bot's ({s['cpu_ratio']:.2f}×)": s["cpu_ratio"] <= MAX_CPU_RATIO,
        f"ack p99 ≤ max({ACK_P99_RATIO:.0f}× the minimal bot's, its + {ACK_P99_SLACK_MS:.0f} ms) = "
        f"{s['ack_p99_limit_ms']:.1f} ms ({a['p99']:.1f} ms)": a["p99"] <= s["ack_p99_limit_ms"],
        f"reply p99 ≤ {MAX_REPLY_P99_MS / 1000:.0f} s ({a['reply_p99_ms']:.0f} ms), every reply delivered":
            a["reply_p99_ms"] <= MAX_REPLY_P99_MS and a["replies_owed"] == 0,
        f"no acknowledgement over {MAX_ACK_MS / 1000:.0f} s with {EXPORT_USERS} users exporting "
        f"(longest {longest:.0f} ms)": longest <= MAX_ACK_MS,
        f"< {MAX_RSS_MB:.0f} MB per web process ({web:.0f} MB) and per worker ({worker:.0f} MB)":
            web < MAX_RSS_MB and worker < MAX_RSS_MB,
        **({f"console p99 ≤ {MAX_CONSOLE_P99_MS:.0f} ms with {result['console']['console']['studios']} studios "
            f"while the answers run (board {result['console']['console']['board']['p99']:.0f} ms, application "
            f"{result['console']['console']['application']['p99']:.0f} ms)":
            max(result["console"]["console"]["board"]["p99"], result["console"]["console"]["application"]["p99"])
            <= MAX_CONSOLE_P99_MS and result["console"]["console"]["errors"] == 0} if "console" in result else {}),
        "0 errors": result["errors"] == 0,
        "every acknowledged callback committed, with its reply": all(
            c["inbox"] >= c["acknowledged"] and c["outbox"] >= c["acknowledged"] for c in result["committed"].values()),
    }


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    work = tempfile.mkdtemp(prefix="bench-")
    with fake_wecom(work, WECOM) as (api, fake_pid):
        ok = run(work, api, fake_pid)
    if os.environ.get("BENCH_KEEP"):
        print(f"logs and databases kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def run(work, wecom_api, fake_pid):
    started = time.time()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "DINGTALK_", "BOT_", "DATABASE_URL"))}
    base_env.update(WECOM, WECOM_API_BASE=wecom_api, BOT_LOG_LEVEL="WARNING", BOT_ENV="development", BENCH_DIR=work,
                    BOT_FILES_DIR=f"{work}/files", BENCH_SQLITE=f"{work}/durable.db")
    slices = Slices()
    print(f"writing {slices.total} encrypted callbacks in {work} …", flush=True)
    requests_file = f"{work}/requests.txt"
    write_requests(requests_file, base_env, slices.total, USERS)
    print(f"load: {PACED_RATE:.0f} answers a second from {USERS} leaders, {DURATION} s a run, {ROUNDS} rounds, "
          f"on {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} before the start", flush=True)
    floor_env = dict(base_env, DATABASE_URL=f"sqlite:///{work}/floor-migrations.db")   # gunicorn.conf migrates
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    results = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": commit.strip(),
               "load_average_before": os.getloadavg(),
               "settings": {"duration_s": DURATION, "count_duration_s": COUNT_DURATION, "paced_rate": PACED_RATE,
                            "users": USERS, "export_users": EXPORT_USERS, "rounds": ROUNDS,
                            "full_load_connections": CONNECTIONS, "cores": os.cpu_count(), "profile": PROFILE}}
    if "sqlite" in ENGINES:
        env = dict(base_env, DATABASE_URL=f"sqlite:///{work}/bot.db")
        minimal_env = dict(base_env, DATABASE_URL=f"sqlite:///{work}/minimal.db")
        results["sqlite"] = bench_engine("sqlite", env, minimal_env, floor_env, requests_file, fake_pid, work)
    pg_base = "postgresql" in ENGINES and (
        os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or local_postgres())
    if pg_base:
        databases = [postgres_database(pg_base) for _ in range(3)]
        try:
            (url, _), (minimal_url, _), (floor_url, _) = databases
            prepare_postgres_floor(floor_url)
            # every DATABASE_URL is PostgreSQL, so gunicorn.conf.py starts as many processes for each bot
            # (and migrates each database, beside which the minimal bot's and the floor's tables sit)
            results["postgresql"] = bench_engine(
                "postgresql", dict(base_env, DATABASE_URL=url), dict(base_env, DATABASE_URL=minimal_url),
                dict(floor_env, DATABASE_URL=floor_url, BENCH_PG_FLOOR_URL=floor_url), requests_file, fake_pid, work)
        finally:
            for _, name in databases:
                drop_postgres(pg_base, name)
    results["render"] = render.run()
    results["broadcast"] = broadcast.run(work)
    results["slow_api_replies"] = replies.run(work)
    results["load_average_after"] = os.getloadavg()
    results["seconds"] = time.time() - started
    report(results, ENGINES)
    ok = all(all(results[e]["targets"].values()) for e in ENGINES if e in results)
    print(f"targets: {'all met' if ok else 'NOT all met'} ({results['seconds'] / 60:.1f} minutes)")
    (ROOT / "bench" / "results" / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    return ok


if __name__ == "__main__":
    if sys.argv[1:] in (["-h"], ["--help"]):
        print(__doc__)
        print("Settings (environment): BENCH_DURATION, BENCH_COUNT_DURATION, BENCH_ROUNDS, BENCH_USERS, "
              "BENCH_EXPORT_USERS, BENCH_EXPORT_PAUSE, BENCH_PACED_RATE, BENCH_CONNECTIONS, BENCH_ENGINES, "
              "BENCH_POSTGRES_URL, BENCH_FULL_LOAD, BENCH_PROFILE, BENCH_REPLY_WAIT, BENCH_KEEP; see README.md.")
        sys.exit(0)
    sys.exit(main())
