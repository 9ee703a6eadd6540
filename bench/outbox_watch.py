"""What a bot's outbox says during a bench run: replies still owed, their latencies, and the database's processes.

One connection of the bench's own (an SQLite connection that only reads, or a PostgreSQL connection whose
backend is left out of the database's CPU): ``received(since)`` counts the WeCom messages the bot
committed in a run, ``owed(since)`` the run's WeCom replies not yet sent, ``latencies(since)``
gives each sent reply's time from its outbox row (committed before the acknowledgement) to its
"sent" mark (right after the API answered). ``database_pids()`` lists the
PostgreSQL backends working for this database, ``server_pids()`` the server's own processes
(postmaster, WAL writer, checkpointer, …), which every database shares; the other databases'
backends on the server (other agents' tests, here) are left out.
"""
import sqlite3
from datetime import datetime
from pathlib import Path

import psycopg

SQL = {
    "assistant": {
        "owed": "SELECT count(*) FROM outbox WHERE channel = 'wecom' AND status IN ('pending', 'sending') "
                "AND created_at >= %s",
        "sent": "SELECT created_at, sent_at, api_messages FROM outbox WHERE channel = 'wecom' AND status = 'sent' "
                "AND created_at >= %s",
        "received": "SELECT count(*) FROM inbox WHERE channel = 'wecom' AND received_at >= %s",
        "inbox": "SELECT count(*) FROM inbox WHERE channel = 'wecom'",
        "outbox": "SELECT count(*) FROM outbox WHERE channel = 'wecom'",
    },
    "minimal": {
        "owed": "SELECT count(*) FROM minimal_outbox WHERE sent_at IS NULL AND created_at >= %s",
        "sent": "SELECT created_at, sent_at, 1 FROM minimal_outbox WHERE sent_at IS NOT NULL AND created_at >= %s",
        "received": "SELECT count(*) FROM minimal_inbox WHERE received_at >= %s",
        "inbox": "SELECT count(*) FROM minimal_inbox",
        "outbox": "SELECT count(*) FROM minimal_outbox",
    },
}


def _time(value):
    return value if isinstance(value, datetime) or value is None else datetime.fromisoformat(value)


class OutboxWatch:
    def __init__(self, url, bot):
        self.sql = SQL[bot]
        self.sqlite = url.startswith("sqlite:///")
        if self.sqlite:
            self.db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self.db.execute("PRAGMA busy_timeout=30000")
            self.name, self.pid = None, None
        else:
            self.db = psycopg.connect(url, autocommit=True)
            self.name = self.db.info.dbname
            self.pid = self.db.info.backend_pid

    def _rows(self, what, *args):
        sql = self.sql[what]
        if self.sqlite:
            sql = sql.replace("%s", "?")
            args = [a.isoformat(" ", timespec="microseconds") if isinstance(a, datetime) else a for a in args]
        return self.db.execute(sql, args).fetchall()

    def owed(self, since):
        return self._rows("owed", since)[0][0]

    def received(self, since):
        """WeCom messages committed (so acknowledged, or about to be) since ``since``."""
        return self._rows("received", since)[0][0]

    def latencies(self, since):
        """[(created, sent, API messages)] of the replies sent that were queued since ``since``."""
        return [(_time(c), _time(s), n) for c, s, n in self._rows("sent", since)]

    def committed(self):
        """(inbox rows, outbox rows) of WeCom messages: what the bot committed so far."""
        return self._rows("inbox")[0][0], self._rows("outbox")[0][0]

    def database_pids(self):
        """The backends (and autovacuum workers) working in this database, but the bench's own."""
        if self.sqlite:
            return []
        rows = self.db.execute("SELECT pid, datname FROM pg_stat_activity").fetchall()
        return [pid for pid, name in rows if name == self.name and pid != self.pid]

    def server_pids(self):
        """The server's own processes, shared by every database: postmaster, WAL writer, checkpointer, …"""
        if self.sqlite:
            return []
        rows = self.db.execute("SELECT pid FROM pg_stat_activity WHERE datname IS NULL "
                               "AND backend_type <> 'client backend'").fetchall()
        pids = [pid for (pid,) in rows]
        return pids + list({_parent(pid) for pid in pids} - {None})

    def close(self):
        self.db.close()


def _parent(pid):
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
