"""Where an answer's CPU goes during a bench run: each process group's CPU time, read from /proc.

A bot shares this machine's cores with everything it talks to (PostgreSQL, the fake WeCom API,
wrk) and with whatever else runs here, so its cost is read per process rather than from its
rate: ``Split`` reads the CPU time (user + system) of named groups of processes before and after
a run, and the machine's whole busy time; what no group accounts for (wrk, the kernel's network
work, the bench itself, other work on the machine) is reported as ``other``.
"""
import os
from pathlib import Path

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def process_ms(pid):
    """CPU time (user + system) a live process has used, in ms; 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()     # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def descendants(pid):
    """``pid`` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def machine_busy_ms():
    """CPU time all cores spent not idle since boot, in ms."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)          # idle + iowait
    return (sum(values[:8]) - idle) * TICK_MS


class Split:
    """CPU time per group over a run: ``Split({"web": lambda: [pids]}).start()`` … ``.stop(requests)``.

    Each group's processes are listed at the start and at the end (a backend may open meanwhile);
    a process that exits during the run loses what it used since the start, which is why the run's
    long-lived processes are the ones measured.
    """

    def __init__(self, groups):
        self.groups = groups
        self._start = {}
        self._machine = 0.0

    def _sample(self):
        return {name: {pid: process_ms(pid) for pid in pids()} for name, pids in self.groups.items()}

    def start(self):
        self._start = self._sample()
        self._machine = machine_busy_ms()
        return self

    def stop(self, requests):
        """{group: ms per request, ..., "other": ..., "total": ...} over ``requests`` requests."""
        machine = machine_busy_ms() - self._machine
        end = self._sample()
        spent = {}
        for name, now in end.items():
            before = self._start.get(name, {})
            spent[name] = sum(max(0.0, ms - before.get(pid, 0.0)) for pid, ms in now.items())
        per = max(requests, 1)
        split = {name: ms / per for name, ms in spent.items()}
        split["other"] = max(0.0, machine - sum(spent.values())) / per
        split["total"] = machine / per
        return split
