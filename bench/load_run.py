"""One run of a bot under wrk's load: its acknowledgements, its replies, its CPU per answer, its memory.

The bot's worker and gunicorn start (bench/processes.py), then wrk replays the pre-encrypted
callbacks, paced or at full speed, while the export users press their loop if asked. The CPU
time of every process is read from /proc (bench/cpu.py) from the moment wrk starts until the
worker has marked the last of the run's replies sent: the **bot's** CPU is its web processes, its
worker and (on PostgreSQL) the server's backends for its database and the server's own processes
(WAL writer, checkpointer …, shared with any other database on the server, so shown apart); the fake
WeCom API, wrk and the rest of the machine are reported beside it, not counted. Per answer means
per WeCom message the bot committed in the window (wrk's own count leaves out the requests in
flight when it stops, which the bot served all the same). With ``counting`` (bench/counting.py),
the statements and round trips over the same window are counted.
"""
import time
from datetime import datetime, timezone

from bench import cpu
from bench.console import Clerks
from bench.exports import ExportUsers, pct
from bench.outbox_watch import OutboxWatch
from bench.processes import BOTS, children, rss_mb, serving, worker_process, wrk

OWED_POLL = 0.05        # seconds between looks at the outbox once the load has stopped
BOT_GROUPS = ("web", "worker", "database", "db server")      # what a bot's CPU per answer counts


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


def run(bot_name, env, load, skip, fake_api_pid, reply_wait, export_users=None, counting=None, console_apps=None):
    """``load``: {"requests_file", "duration", "connections", "rate" (None: full speed)}."""
    bot = BOTS[bot_name]
    web_env, worker_env = counting.envs(env) if counting else (env, env)
    watch = OutboxWatch(env["DATABASE_URL"], bot_name)
    try:
        with worker_process(bot, worker_env, counted=bool(counting)) as worker, \
                serving(bot.counted_app if counting else bot.app, web_env) as (port, master):
            groups = {"web": lambda: cpu.descendants(master), "worker": lambda: cpu.descendants(worker.pid),
                      "database": watch.database_pids, "db server": watch.server_pids,
                      "fake API": lambda: [fake_api_pid]}
            exporting = ExportUsers(port, export_users) if export_users else None
            clerks = Clerks(port, console_apps) if console_apps is not None else None
            since = utcnow()
            split = cpu.Split(groups).start()
            counted = counting.snapshot() if counting else None
            for users in (exporting, clerks):
                if users:
                    users.start()
            try:
                figures = wrk(port, load["requests_file"], skip, load["duration"], load["connections"], load["rate"])
            finally:
                for users in (exporting, clerks):
                    if users:
                        users.stop()
            ended = utcnow()
            figures["replies_owed"] = _wait_delivered(watch, since, reply_wait)
            # the messages the bot committed: wrk leaves out those in flight when it stopped
            figures["answered"] = answered = watch.received(since)
            figures["cpu_ms"] = split.stop(answered)
            figures["cpu_per_answer_ms"] = sum(figures["cpu_ms"].get(g, 0.0) for g in BOT_GROUPS)
            if counting:
                figures["counts"] = counting.per_answer(counted, counting.snapshot(settle=True), answered)
            web_processes = children(master)
            figures["web_processes"] = len(web_processes)
            figures["rss_mb"] = max(rss_mb(web_processes) or [0])
            figures["worker_rss_mb"] = max(rss_mb([worker.pid]) or [0])
            figures.update(_latencies(watch.latencies(since), ended))
    finally:
        watch.close()
    if exporting:
        figures["exports"] = exporting.figures()
    if clerks:
        figures["console"] = clerks.figures()
    return figures


def _wait_delivered(watch, since, wait):
    """Replies of this run still owed once they are all sent, or ``wait`` seconds have passed."""
    deadline = time.monotonic() + wait
    while True:
        owed = watch.owed(since)
        if not owed or time.monotonic() > deadline:
            return owed
        time.sleep(OWED_POLL)


def _latencies(rows, ended):
    took = sorted((sent - created).total_seconds() * 1000 for created, sent, _n in rows)
    last = max((sent for _c, sent, _n in rows), default=ended)
    return {"reply_p50_ms": pct(took, 50), "reply_p99_ms": pct(took, 99), "reply_max_ms": max(took, default=0.0),
            "replies_sent": len(took), "reply_messages": sum(n or 0 for _c, _s, n in rows),
            "last_reply_after_load_s": max(0.0, (last - ended).total_seconds())}
