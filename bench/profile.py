"""BENCH_PROFILE=1: where the assistant's CPU goes per answer, from the pyinstrument samples of its count run.

bench/instrument.py leaves one session per process (``profile-<role>-<pid>.json``, sampled on
CPU time). Per role they are merged, written to ``bench/results/profile-<engine>-<role>.txt``
(pyinstrument's call tree, and the functions by their own time) and summed up per answer: by
area (the project's packages, each library, the standard library) and the functions that spend
the most themselves.
"""
import re
from collections import Counter
from pathlib import Path

from pyinstrument.renderers import ConsoleRenderer
from pyinstrument.session import Session

ROOT = Path(__file__).resolve().parent.parent
TOP = 12


def merged(folder, role):
    sessions = [Session.load(p) for p in sorted(Path(folder).glob(f"profile-{role}-*.json"))]
    if not sessions:
        return None
    session = sessions[0]
    for other in sessions[1:]:
        session = Session.combine(session, other)
    session.start_call_stack = ["(merged)"]        # no common stem to trim: threads and requests differ
    session.frame_records = [([_thread(stack[0]), *stack[1:]] if stack and "\x00<thread>\x00" in stack[0] else stack, t)
                             for stack, t in session.frame_records]
    return session


def _thread(marker):
    """One root per kind of thread: a pool's threads (and the web's request threads) merged."""
    name = re.sub(r"[-_]\d+", "", marker.split("\x00", 1)[0])
    return name + "\x00<thread>\x000"


def area(frame):
    """The part of the code a frame belongs to: bot/handlers/storage/bench, a library, the standard
    library, or SQLite's C code; other native code and generated functions count with their caller."""
    path = frame.file_path or ""
    if path.startswith("<built-in>") or path in ("", "<string>"):
        if frame.function.startswith(("Cursor.", "Connection.")) and path.startswith("<built-in>"):
            return "sqlite3 (C)"            # psycopg's are Python: only sqlite3's are built in
        return area(frame.parent) if frame.parent else "(native)"
    if path.startswith("<sqlalchemy"):
        return "sqlalchemy"
    if path.startswith("<frozen"):
        return "stdlib"
    p = Path(path)
    if "site-packages" in p.parts:
        return p.parts[p.parts.index("site-packages") + 1].split(".")[0].removesuffix(".py")
    try:
        return p.resolve().relative_to(ROOT).parts[0]
    except ValueError:
        return "stdlib"


def self_times(frame, by_area, by_function):
    """Each frame's own time (its self-time children included, so those are not visited), by area and function."""
    if frame.is_synthetic and frame.parent is not None:
        return
    own = frame.total_self_time
    if own > 0:
        by_area[area(frame)] += own
        by_function[f"{frame.function} ({frame.file_path_short}:{frame.line_no})"] += own
    for child in frame.children:
        self_times(child, by_area, by_function)


def report(folder, engine, answered, out_dir):
    """{role: {"cpu_ms_per_answer", "areas": {area: ms}, "functions": {function: ms}, "file"}}."""
    result = {}
    for role in ("web", "worker"):
        session = merged(folder, role)
        if session is None:
            continue
        out = Path(out_dir) / f"profile-{engine}-{role}.txt"
        tree = ConsoleRenderer(unicode=True, show_all=False, short_mode=False).render(session)
        flat = ConsoleRenderer(unicode=True, flat=True, flat_time="self").render(session)
        out.write_text(f"{role} on {engine}: CPU samples over {answered} answers\n\n{tree}\n\nby own time:\n{flat}")
        by_area, by_function = Counter(), Counter()
        root = session.root_frame()
        if root is not None:
            self_times(root, by_area, by_function)
        per = max(answered, 1)
        result[role] = {"cpu_ms_per_answer": 1000 * sum(by_area.values()) / per,
                        "areas": {k: 1000 * v / per for k, v in by_area.most_common()},
                        "functions": {k: 1000 * v / per for k, v in by_function.most_common(TOP)},
                        "file": str(out.relative_to(ROOT) if out.is_relative_to(ROOT) else out)}
    return result
