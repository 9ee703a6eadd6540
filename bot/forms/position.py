"""A form's position in the conversation state: the walker's own keys, and the host's keys as HostState.

The position is one JSON dict, the data of the form's frame on the flow stack (handlers/form_flow.py),
loaded and saved with the conversation once per turn:

    walker's keys: {"host": name, "cursor": key, "row": {...} | None, "pending": {...} | None (a value waiting for its field to be picked),
                    "back": [keys asked before], "paste": {...} (rows of a pasted table to confirm),
                    "row_pick": index (a row whose field to change is being chosen),
                    "offer": {...} (a value offered with [采用]),
                    "return_to": {"cursor", "row", "paste"} (where the walk goes back to after a correction
                                 made elsewhere), "held": {...} (an answer a cross-field rule refused, kept
                                 until the other field is corrected), "aside": text (a short line at a long
                                 text: is it part of the text?), "draft": text (a long text's draft shown,
                                 stored only when accepted)}
    host's keys:   anything else (the application's "ref" and "year", a ledger's "answers", "files", …)

Hosts read and write only their own keys, through ``HostState``; the walker's keys are refused
there, so a host cannot move the cursor behind the walker's back.
"""
from collections.abc import MutableMapping

from bot.actions import encode

WALKER_KEYS = frozenset({"host", "cursor", "row", "pending", "back", "paste", "row_pick", "offer", "return_to", "held",
                         "aside", "draft"})


class HostState(MutableMapping):
    """The host's own keys of a form position; kept, and saved, with the position itself."""

    def __init__(self, position):
        self._position = position

    @staticmethod
    def _check(key):
        if key in WALKER_KEYS:
            raise KeyError(f"{key!r} belongs to the form walker, not to its host")

    def __getitem__(self, key):
        self._check(key)
        return self._position[key]

    def __setitem__(self, key, value):
        self._check(key)
        self._position[key] = value

    def __delitem__(self, key):
        self._check(key)
        del self._position[key]

    def __iter__(self):
        return (k for k in list(self._position) if k not in WALKER_KEYS)

    def __len__(self):
        return sum(1 for k in self._position if k not in WALKER_KEYS)

    def __repr__(self):
        return f"HostState({dict(self)!r})"


def check_host_keys(state):
    """A host's opening state must not name the walker's keys (a mistake when a host is written)."""
    clash = sorted(WALKER_KEYS & set(state))
    if clash:
        raise ValueError(f"form state keys {clash} belong to the walker")


def act(verb, *args):
    """A form button's action (``form:verb:args``; handlers/form_flow.py declares the verbs)."""
    return encode("form", verb, *args)
