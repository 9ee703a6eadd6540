"""`python -m bench` (make bench): what users meet, on SQLite and on PostgreSQL, against durable floors.

Everything runs on loopback. For each engine, gunicorn with the Procfile's command line serves in
turn the engine's *durable floor* (bare Flask + one committed insert per request, bench/baselines.py)
and the assistant, with its worker process (`python -m bot worker`) running beside it as in
production. wrk (Debian's package) replays pre-encrypted WeCom callbacks from USERS distinct
leaders, each a form answer (`标签：值`), over CONNECTIONS connections. Each round measures:

1. the floor, then the assistant, under the form answers alone: requests/s, p50, p99, the longest;
2. the assistant under the same load while EXPORT_USERS other leaders press 导出 / 查看申报表 /
   提交 in a loop through the try-out API (bench/exports.py): the form answers' p99 and the longest
   acknowledgement of any request, the export users' own included, and how long a document takes.

3. once per engine, first, the assistant under a *paced* load of PACED_RATE form answers a second
   (default 100: 6,000 replies a minute, within WeCom's 10,000 message/send calls a minute per
   company), where the reply latency target applies: at the full load the replies the assistant
   owes are more than WeCom lets any app send, so they queue by design.

For the floor and the plain full load, the CPU time of every process on the machine is split per
request (bench/cpu.py): web, worker, fake API, database, and the rest (wrk, the kernel). The
requests/s ratio is a ratio of these totals, and the split shows what the reply's delivery alone
costs against the floor's whole request.

Then the render time of the whole form (bench/render.py) and the broadcast (bench/broadcast.py).
Prints every figure and each target as met / NOT met; writes bench/results/latest.json.
"""
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import cpu

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DURATION = int(os.environ.get("BENCH_DURATION", "15"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
USERS = int(os.environ.get("BENCH_USERS", "400"))
EXPORT_USERS = int(os.environ.get("BENCH_EXPORT_USERS", "10"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "240000"))   # enough that no run sends one twice
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
ENGINES = os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",")
PACED_RATE = float(os.environ.get("BENCH_PACED_RATE", "100"))     # form answers a second in the paced run
PACED_CONNECTIONS = 20
WECOM = {"WECOM_CORP_ID": "wwbenchcorp", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "bench-secret",
         "WECOM_TOKEN": "benchtoken", "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}
# the targets: assistant/floor requests/s per engine; p99 against the floor's; acknowledgements
MIN_RPS_RATIO = {"postgresql": 0.5, "sqlite": 0.4}
MAX_P99_RATIO = 3.0
MAX_ACK_MS = 1000.0
MAX_RSS_MB = 150.0
MAX_REPLY_P99_MS = 2000.0      # acknowledged → delivered at the (fake) API
REPLY_WAIT = float(os.environ.get("BENCH_REPLY_WAIT", "60"))   # seconds the worker may take to drain after a run
FLOORS = {"sqlite": "bench.baselines:durable()", "postgresql": "bench.baselines:durable_postgres()"}
UNIT = "压测单位"
FAKE_API = {"pid": None}       # the fake WeCom API's process, once started (its CPU is split out)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def form_year():
    from bot.config import Config
    from handlers.application.current import application_year
    return application_year(Config.from_env(environ={}))


def prepare_database(env):
    """Migrate, load the demo, create USERS leaders bound on WeCom, each already inside the form,
    and EXPORT_USERS leaders on the try-out channel with a whole application. Returns those
    users' {user: application id}."""
    from bench import exports
    from bot import demo
    from bot.config import Config
    from bot.core import Bot
    from bot.message import Incoming
    from storage.people import bind, get_studio, get_unit, upsert_person
    bot = Bot(Config.from_env(environ=env))
    bot.migrate()
    with bot.db.transaction() as s:
        demo.load(s)
        unit = get_unit(s, UNIT)
        for i in range(USERS):
            person = upsert_person(s, f"压测领衔人{i}", unit, ["leader"])
            person.studio_id = get_studio(s, f"压测工作室{i}", unit, person).id
            bind(s, person, "wecom", f"bench{i}")
    for i in range(USERS):
        bot.handle(Incoming(channel="wecom", user=f"bench{i}", text="申报", message_id=f"warm-{i}"))
    apps = exports.prepare(bot, EXPORT_USERS, UNIT, form_year())
    bot.db.dispose()
    return apps


def write_requests(path, env):
    """Pre-encrypted callbacks: user i answers the form's fields by label, one message each."""
    from bench.exports import scalars_for
    from bot.crypto import Envelope
    scalars = scalars_for(form_year())
    envelope = Envelope(env["WECOM_TOKEN"], env["WECOM_AES_KEY"], env["WECOM_CORP_ID"])
    ts = str(int(time.time()))
    with open(path, "w") as out:
        for n in range(REQUESTS):
            user = f"bench{n % USERS}"
            label, typed, _ = scalars[(n // USERS) % len(scalars)]
            inner = (f"<xml><ToUserName><![CDATA[{env['WECOM_CORP_ID']}]]></ToUserName>"
                     f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{ts}</CreateTime>"
                     f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{label}：{typed}]]></Content>"
                     f"<MsgId>bench-{n}-{secrets.token_hex(4)}</MsgId><AgentID>1000002</AgentID></xml>")
            nonce = secrets.token_hex(5)
            encrypted, signature = envelope.seal(inner, ts, nonce)
            body = (f"<xml><ToUserName><![CDATA[{env['WECOM_CORP_ID']}]]></ToUserName>"
                    f"<AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
            out.write(f"/wecom/callback?msg_signature={signature}&timestamp={ts}&nonce={nonce}\t{body}\n")


def rss_mb(pids):
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


def run_env(env):
    return dict(env, PATH=f"{VENV_BIN}:{os.environ['PATH']}", PYTHONPATH=str(ROOT))


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
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        log.close()


@contextlib.contextmanager
def fake_wecom(work):
    """WeCom's API (bench/fake_wecom.py) in its own process: the worker delivers the replies to it."""
    log = open(f"{work}/fake-wecom.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bench.fake_wecom", WECOM["WECOM_CORP_ID"], WECOM["WECOM_SECRET"],
                             WECOM["WECOM_AGENT_ID"]], cwd=ROOT, env=run_env(dict(os.environ)),
                            stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
    try:
        FAKE_API["pid"] = proc.pid
        base_url = proc.stdout.readline().strip()
        if not base_url.startswith("http://"):
            raise SystemExit(f"the fake WeCom API did not start; see {log.name}")
        yield base_url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()


@contextlib.contextmanager
def worker_process(env):
    """`python -m bot worker` (the Procfile's `worker:`), holding its lease before the load starts."""
    log = open(env["BENCH_DIR"] + f"/worker-{time.time_ns()}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=run_env(env), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise SystemExit(f"the worker exited; see {log.name}")
            if lease_holder(env["DATABASE_URL"], proc.pid):
                break
            time.sleep(0.2)
        else:
            raise SystemExit(f"the worker never took its lease; see {log.name}")
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
        log.close()


def lease_holder(url, pid):
    from sqlalchemy import select
    from storage.db import Database
    from storage.models import Lease
    db = Database(url)
    try:
        with db.session() as s:
            holder = s.scalar(select(Lease.holder).where(Lease.name == "worker"))
    except Exception:   # not migrated yet
        holder = None
    db.dispose()
    return bool(holder) and f":{pid}:" in holder


def wrk(port, requests_file, skip, rate=None):
    """wrk's figures; with ``rate``, PACED_CONNECTIONS connections paced to about that many requests a second."""
    threads = 2
    connections = PACED_CONNECTIONS if rate else CONNECTIONS
    pace_ms = int(connections * 1000 / rate) if rate else 0
    result = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{DURATION}s",
                             "--timeout", "10s", "-s", str(ROOT / "bench" / "requests.lua"),
                             f"http://127.0.0.1:{port}", "--", requests_file, str(threads), str(int(skip)),
                             str(pace_ms)],
                            capture_output=True, text=True, check=True)
    line = next(l for l in result.stdout.splitlines() if l.startswith("BENCH "))
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def cpu_groups(engine, master, worker=None):
    """The process groups whose CPU a run is split into (bench/cpu.py)."""
    groups = {"web": lambda: cpu.descendants(master)}
    if worker is not None:
        groups["worker"] = lambda: cpu.descendants(worker)
        groups["fake API"] = lambda: [FAKE_API["pid"]]
    if engine == "postgresql":
        groups["database"] = cpu.postgres_processes
    return groups


def load_floor(engine, env, requests_file):
    with serving(FLOORS[engine], env) as (port, master):
        split = cpu.Split(cpu_groups(engine, master)).start()
        figures = wrk(port, requests_file, 0)
        figures["cpu_ms"] = split.stop(figures["requests"])
        figures["rss_mb"] = max(rss_mb(children(master)) or [0])
    return figures


def load_assistant(engine, env, requests_file, skip, export_users=None, rate=None):
    """The assistant and its worker under wrk; with ``export_users``, those press their loop meanwhile;
    with ``rate``, the load is paced to that many requests a second. The plain full load's CPU is
    split per process group, from wrk's start until the worker has delivered the run's replies."""
    from bench.exports import ExportUsers
    with worker_process(env) as worker, serving("bot.app:create_app()", env) as (port, master):
        exporting = ExportUsers(port, export_users) if export_users else None
        started = utcnow()
        split = None if exporting or rate else cpu.Split(cpu_groups(engine, master, worker.pid)).start()
        if exporting:
            exporting.start()
        try:
            figures = wrk(port, requests_file, skip, rate)
        finally:
            if exporting:
                exporting.stop()
        figures["rss_mb"] = max(rss_mb(children(master)) or [0])
        figures["worker_rss_mb"] = max(rss_mb([worker.pid]) or [0])
        figures.update(reply_latency(env["DATABASE_URL"], started))
        if split is not None:
            figures["cpu_ms"] = split.stop(figures["requests"])
    if exporting:
        figures["exports"] = exporting.figures()
    return figures


def utcnow():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc).replace(tzinfo=None)


def reply_latency(url, since, wait=REPLY_WAIT):
    """How long replies took from the acknowledged turn (the outbox row, committed before the ack)
    to their delivery at the (fake) WeCom API (marked sent right after it answered): p50, p99 and
    the longest, in ms, over this run's WeCom replies, after letting the worker drain for ``wait`` s."""
    from sqlalchemy import select
    from storage.db import Database
    from storage.models import OutboxMessage
    db = Database(url)
    query = select(OutboxMessage.created_at, OutboxMessage.sent_at, OutboxMessage.status,
                   OutboxMessage.api_messages).where(
        OutboxMessage.channel == "wecom", OutboxMessage.created_at >= since)
    deadline = time.monotonic() + wait
    while True:
        with db.session() as s:
            rows = s.execute(query).all()
        waiting = sum(1 for _c, _s, status, _n in rows if status in ("pending", "sending"))
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    db.dispose()
    took = sorted((sent - created).total_seconds() * 1000 for created, sent, status, _n in rows
                  if status == "sent" and sent is not None)
    # the API messages they took: fewer than the replies when pending texts were merged
    messages = sum(n or 0 for _c, sent, status, n in rows if status == "sent" and sent is not None)
    if not took:
        return {"reply_p50_ms": 0.0, "reply_p99_ms": 0.0, "reply_max_ms": 0.0, "replies_waiting": waiting,
                "replies_sent": 0, "reply_messages": 0}
    return {"reply_p50_ms": took[len(took) // 2], "reply_p99_ms": took[min(len(took) - 1, int(len(took) * 0.99))],
            "reply_max_ms": took[-1], "replies_waiting": waiting, "replies_sent": len(took), "reply_messages": messages}


def committed(url):
    """(WeCom messages claimed in the inbox, WeCom replies in the outbox): what the assistant committed."""
    from sqlalchemy import func, select
    from storage.db import Database
    from storage.models import InboxEntry, OutboxMessage
    db = Database(url)
    with db.session() as s:
        counts = (s.scalar(select(func.count()).select_from(InboxEntry).where(InboxEntry.channel == "wecom")),
                  s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.channel == "wecom")))
    db.dispose()
    return counts


def local_postgres(url="postgresql://postgres@127.0.0.1:5432/test"):
    """The machine's PostgreSQL, when one answers on the default port."""
    try:
        import psycopg
        psycopg.connect(url, connect_timeout=2).close()
        return url
    except Exception:   # no server: the PostgreSQL half is skipped, and said so
        print("PostgreSQL not reachable on 127.0.0.1:5432; skipping the PostgreSQL run")
        return None


def postgres_database(base_url):
    """A scratch database on the server of ``base_url``: (its plain postgresql:// URL, its name)."""
    import psycopg
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    plain = "postgresql://" + base_url.split("://", 1)[1]
    return plain.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres(base_url, name):
    import psycopg
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mean(rounds):
    """Figures averaged over rounds (the longest acknowledgement and memory: the largest)."""
    keys = [k for k, v in rounds[0].items() if isinstance(v, (int, float))]
    merged = {k: sum(r[k] for r in rounds) / len(rounds) for k in keys}
    for k in ("max", "rss_mb", "worker_rss_mb", "reply_p99_ms", "reply_max_ms"):
        if k in merged:
            merged[k] = max(r[k] for r in rounds)
    for k in ("errors", "connect", "read", "write", "timeout", "non2xx", "requests", "replies_waiting"):
        if k in merged:
            merged[k] = sum(r[k] for r in rounds)
    if all("cpu_ms" in r for r in rounds):
        merged["cpu_ms"] = {k: sum(r["cpu_ms"][k] for r in rounds) / len(rounds) for k in rounds[0]["cpu_ms"]}
    return merged


def merge_exports(rounds):
    runs = [r["exports"] for r in rounds]
    return {"users": runs[0]["users"], "loops": sum(r["loops"] for r in runs),
            "requests": sum(r["requests"] for r in runs), "max_ack_ms": max(r["max_ack_ms"] for r in runs),
            "p99_ack_ms": max(r["p99_ack_ms"] for r in runs), "documents": sum(r["documents"] for r in runs),
            "document_p50_s": sum(r["document_p50_s"] for r in runs) / len(runs),
            "document_max_s": max(r["document_max_s"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "error_samples": [e for r in runs for e in r["error_samples"]][:5],
            "steps": {step: {"requests": sum(r["steps"].get(step, {}).get("requests", 0) for r in runs),
                             "max_ms": max(r["steps"].get(step, {}).get("max_ms", 0) for r in runs)}
                      for step in runs[0]["steps"]}}


def bench_engine(engine, env, floor_env, requests_file):
    """ROUNDS rounds of floor / assistant / assistant with the export users, alternating."""
    print(f"[{engine}] preparing {USERS} leaders and {EXPORT_USERS} export users …", flush=True)
    export_users = prepare_database(env)
    floors, plain, busy = [], [], []
    share = REQUESTS // (2 * ROUNDS + 1)    # each assistant run sends its own slice of the callbacks
    before = committed(env["DATABASE_URL"])
    # first, while no backlog of the full-load runs is waiting in the outbox
    paced = load_assistant(engine, env, requests_file, skip=2 * ROUNDS * share, rate=PACED_RATE)
    print(f"[{engine}] paced: {paced['rps']:.0f} req/s, replies p99 {paced['reply_p99_ms']:.0f} ms", flush=True)
    for n in range(ROUNDS):
        floors.append(load_floor(engine, floor_env, requests_file))
        plain.append(load_assistant(engine, env, requests_file, skip=2 * n * share))
        busy.append(load_assistant(engine, env, requests_file, skip=(2 * n + 1) * share, export_users=export_users))
        print(f"[{engine}] round {n + 1}: floor {floors[-1]['rps']:.0f} req/s, assistant {plain[-1]['rps']:.0f}, "
              f"with exports {busy[-1]['rps']:.0f}", flush=True)
    after = committed(env["DATABASE_URL"])
    if max(r["requests"] for r in plain + busy + [paced]) > share:
        raise SystemExit(f"a run sent more than its {share} distinct callbacks (some twice, which are "
                         "cheaper duplicates): raise BENCH_REQUESTS")
    result = {"floor": mean(floors), "assistant": mean(plain), "assistant_exports": mean(busy),
              "exports": merge_exports(busy), "floor_rounds": floors, "assistant_rounds": plain,
              "assistant_exports_rounds": busy, "paced": paced}
    result["acknowledged"] = sum(r["requests"] for r in plain + busy + [paced])
    result["messages_committed"] = after[0] - before[0]
    result["replies_committed"] = after[1] - before[1]
    result["targets"] = targets(engine, result)
    return result


def targets(engine, r):
    floor, plain, busy, ex = r["floor"], r["assistant"], r["assistant_exports"], r["exports"]
    longest = max(plain["max"], busy["max"], ex["max_ack_ms"], r["paced"]["max"])
    return {
        f"requests/s ≥ {MIN_RPS_RATIO[engine]:.1f}× the floor's": plain["rps"] >= MIN_RPS_RATIO[engine] * floor["rps"],
        f"p99 ≤ {MAX_P99_RATIO:.0f}× the floor's": plain["p99"] <= MAX_P99_RATIO * floor["p99"],
        f"p99 with the exports ≤ {MAX_P99_RATIO:.0f}× the floor's": busy["p99"] <= MAX_P99_RATIO * floor["p99"],
        f"no acknowledgement over {MAX_ACK_MS / 1000:.0f} s (longest {longest:.0f} ms)": longest <= MAX_ACK_MS,
        "0 errors": plain["errors"] + plain["non2xx"] + busy["errors"] + busy["non2xx"] + ex["errors"] == 0,
        "every acknowledged callback committed": r["messages_committed"] >= r["acknowledged"],
        f"< {MAX_RSS_MB:.0f} MB per web process": max(plain["rss_mb"], busy["rss_mb"]) < MAX_RSS_MB,
        f"reply latency p99 ≤ {MAX_REPLY_P99_MS / 1000:.0f} s at {PACED_RATE:.0f} answers a second, all delivered":
            r["paced"]["reply_p99_ms"] <= MAX_REPLY_P99_MS and r["paced"]["replies_waiting"] == 0
            and r["paced"]["errors"] + r["paced"]["non2xx"] == 0,
        "every reply of the full load delivered": plain["replies_waiting"] + busy["replies_waiting"] == 0,
    }


def fmt(name, f, floor=None):
    ratio = ""
    if floor:
        ratio = f"  {f['rps'] / floor['rps']:.0%} of the floor's req/s, p99 {f['p99'] / floor['p99']:.1f}× the floor's"
    return (f"  {name:<30} {f['rps']:>7.0f} req/s  p50 {f['p50']:>6.1f} ms  p99 {f['p99']:>7.1f} ms  "
            f"max {f['max']:>7.1f} ms  errors {int(f['errors'] + f['non2xx'])}  rss {f['rss_mb']:.0f} MB{ratio}")


def cpu_split_line(floor, assistant):
    """The CPU per request of the floor and of the assistant (bench/cpu.py), and what the assistant's
    reply delivery alone costs against the floor's whole request."""
    def parts(split):
        named = " + ".join(f"{k} {v:.2f}" for k, v in split.items() if k != "total")
        return f"{named} = {split['total']:.2f}"
    line = (f"    CPU per request, ms (/proc, all processes on the {os.cpu_count()} cores): floor {parts(floor)}; "
            f"assistant {parts(assistant)}, {assistant['total'] / floor['total']:.1f}× the floor's")
    if "worker" in assistant:
        delivery = assistant["worker"] + assistant.get("fake API", 0.0)
        line += f"; its reply delivery (worker + fake API) alone {delivery / floor['total']:.1f}× the floor's whole request"
    return line


def report(results):
    print()
    print(fmt("bare Flask (empty 200)", results["bare"]))
    for engine in ENGINES:
        if engine not in results:
            continue
        r = results[engine]
        floor = r["floor"]
        print(f"{engine}:")
        print(fmt("durable floor (1 insert)", floor))
        print(fmt("assistant", r["assistant"], floor))
        print(fmt(f"assistant + {EXPORT_USERS} exporting", r["assistant_exports"], floor))
        for n, (f, a, b) in enumerate(zip(r["floor_rounds"], r["assistant_rounds"], r["assistant_exports_rounds"]), 1):
            print(f"    round {n}: floor {f['rps']:.0f} req/s, assistant {a['rps']:.0f} ({a['rps'] / f['rps']:.0%}), "
                  f"with exports {b['rps']:.0f} ({b['rps'] / f['rps']:.0%})")
        if "cpu_ms" in floor and "cpu_ms" in r["assistant"]:
            print(cpu_split_line(floor["cpu_ms"], r["assistant"]["cpu_ms"]))
        ex = r["exports"]
        print(f"    export users: {ex['loops']} loops, {ex['requests']} requests, longest acknowledgement "
              f"{ex['max_ack_ms']:.0f} ms, p99 {ex['p99_ack_ms']:.0f} ms; {ex['documents']} documents, "
              f"arrived in {ex['document_p50_s']:.2f} s (median), {ex['document_max_s']:.2f} s at most; "
              f"errors {ex['errors']}" + (f" e.g. {ex['error_samples'][0]}" if ex["error_samples"] else ""))
        print("    longest per step: " + ", ".join(f"{k} {v['max_ms']:.0f} ms" for k, v in ex["steps"].items()))
        paced = r["paced"]
        print(fmt(f"assistant paced (~{PACED_RATE:.0f}/s)", paced, floor))
        print(f"    paced replies: p50 {paced['reply_p50_ms']:.0f} ms, p99 {paced['reply_p99_ms']:.0f} ms, "
              f"max {paced['reply_max_ms']:.0f} ms; undelivered after {REPLY_WAIT:.0f} s: {paced['replies_waiting']}; "
              f"{paced.get('replies_sent', 0)} replies in {paced.get('reply_messages', 0)} API messages")
        rounds = r["assistant_rounds"] + r["assistant_exports_rounds"]
        print(f"    replies (acknowledged → delivered at the fake API): p50 {r['assistant']['reply_p50_ms']:.0f} ms, "
              f"p99 {r['assistant']['reply_p99_ms']:.0f} ms; with exports p50 {r['assistant_exports']['reply_p50_ms']:.0f}"
              f" ms, p99 {r['assistant_exports']['reply_p99_ms']:.0f} ms; undelivered after "
              f"{REPLY_WAIT:.0f} s: {r['assistant']['replies_waiting'] + r['assistant_exports']['replies_waiting']}; "
              f"{sum(x.get('replies_sent', 0) for x in rounds)} replies in "
              f"{sum(x.get('reply_messages', 0) for x in rounds)} API messages")
        print(f"    {int(r['acknowledged'])} callbacks acknowledged, {r['messages_committed']} messages committed "
              f"(inbox), {r['replies_committed']} replies queued (outbox); worker rss "
              f"{r['assistant_exports'].get('worker_rss_mb', 0):.0f} MB")
        for name, ok in r["targets"].items():
            print(f"    target {name}: {'met' if ok else 'NOT met'}")
    if "render" in results:
        rd = results["render"]
        print(f"render of the whole form (20 core members): {rd['median_s']:.3f} s median of {rd['renders']}, "
              f"{rd['max_s']:.3f} s at most")
    b = results["broadcast"]
    print(f"broadcast to {b['recipients']} WeCom users: {b['api_calls']} message/send calls "
          f"({b['min_calls']} is the least the API allows), {b['seconds']:.2f} s, "
          f"of which {b['api_seconds']:.2f} s waiting on the API")
    from bench.replies import API_SECONDS, MEMBERS
    for name, label in (("texts", "plain texts"), ("texts_and_cards", "texts alternating with cards")):
        x = results["slow_api_replies"][name]
        print(f"replies against a {API_SECONDS * 1000:.0f} ms API, {x['replies']} to {MEMBERS} members, {label}: "
              f"{x['calls']} message/send calls, {x['seconds']:.1f} s, {x['replies_per_s']:.0f} replies/s")


def main():
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    work = tempfile.mkdtemp(prefix="bench-")
    with fake_wecom(work) as api:
        ok = run(work, api)
    if os.environ.get("BENCH_KEEP"):
        print(f"logs and databases kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


def run(work, wecom_api):
    started = time.time()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "DINGTALK_", "BOT_", "DATABASE_URL"))}
    base_env.update(WECOM, WECOM_API_BASE=wecom_api, BOT_LOG_LEVEL="WARNING", BOT_ENV="development", BENCH_DIR=work,
                    BOT_FILES_DIR=f"{work}/files", BENCH_SQLITE=f"{work}/durable.db")
    print(f"writing {REQUESTS} encrypted callbacks in {work} …", flush=True)
    requests_file = f"{work}/requests.txt"
    write_requests(requests_file, base_env)
    print(f"load: wrk, {CONNECTIONS} connections, {DURATION} s each, {ROUNDS} rounds, on {os.cpu_count()} cores",
          flush=True)
    floor_env = dict(base_env, DATABASE_URL=f"sqlite:///{work}/floor-migrations.db")   # gunicorn.conf migrates
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    results = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": commit.strip(), "settings": {"duration_s": DURATION, "connections": CONNECTIONS, "users": USERS,
                            "export_users": EXPORT_USERS, "rounds": ROUNDS, "cores": os.cpu_count()}}
    with serving("bench.baselines:bare()", floor_env) as (port, master):
        results["bare"] = wrk(port, requests_file, 0)
        results["bare"]["rss_mb"] = max(rss_mb(children(master)) or [0])
    if "sqlite" in ENGINES:
        env = dict(base_env, DATABASE_URL=f"sqlite:///{work}/bot.db")
        results["sqlite"] = bench_engine("sqlite", env, floor_env, requests_file)
    pg_base = "postgresql" in ENGINES and (
        os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or local_postgres())
    if pg_base:
        from bench.baselines import prepare_postgres_floor
        url, name = postgres_database(pg_base)
        floor_url, floor_name = postgres_database(pg_base)
        try:
            prepare_postgres_floor(floor_url)
            env = dict(base_env, DATABASE_URL=url)
            # the floor's DATABASE_URL is PostgreSQL too, so gunicorn.conf.py starts as many processes as
            # for the assistant (and migrates that database, which the floor's own table sits beside)
            results["postgresql"] = bench_engine(
                "postgresql", env, dict(floor_env, DATABASE_URL=floor_url, BENCH_PG_FLOOR_URL=floor_url),
                requests_file)
        finally:
            drop_postgres(pg_base, name)
            drop_postgres(pg_base, floor_name)
    from bench import render
    results["render"] = render.run()
    from bench.broadcast import run as broadcast
    results["broadcast"] = broadcast(work)
    from bench.replies import run as replies
    results["slow_api_replies"] = replies(work)
    results["seconds"] = time.time() - started
    report(results)
    ok = all(all(results[e]["targets"].values()) for e in ENGINES if e in results)
    print(f"targets: {'all met' if ok else 'NOT all met'} ({results['seconds'] / 60:.1f} minutes)")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return ok


if __name__ == "__main__":
    sys.exit(main())
