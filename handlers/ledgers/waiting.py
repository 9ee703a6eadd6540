"""Ledger entries typed but not yet confirmed: none is dropped when another line or task comes.

The entry on screen waits in ``state["ledger"]["pending"]``; any other entry that is typed while
it waits, or that a new task (a guided entry, 申报 …) would push aside, waits in
``state["ledger_waiting"]`` and is shown again, in order, once the one before is saved or cancelled.
"""

KEY = "ledger_waiting"


def current(turn):
    """The entry waiting for [确认] right now, or None."""
    return (turn.state.get("ledger") or {}).get("pending")


def count(turn):
    return (current(turn) is not None) + len(turn.state.get(KEY) or [])


def park(turn, pending):
    """Keep ``pending`` for later (at the end of the line)."""
    turn.state[KEY] = list(turn.state.get(KEY) or []) + [dict(pending)]


def park_current(turn):
    """Move the entry on screen (if any) to the waiting line; True when there was one."""
    pending = current(turn)
    if pending is None:
        return False
    park(turn, pending)
    turn.state.pop("ledger", None)
    return True


def reminder(turn):
    """A line for a task that starts while entries wait ("" when none)."""
    n = count(turn)
    return f"提醒：您还有 {n} 条台账未确认，已为您保留；需要时发送「待确认台账」继续。" if n else ""


