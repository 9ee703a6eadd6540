"""The flow stack: what a user is in the middle of, topmost first to answer — the only writer of it.

The conversation state (JSON, loaded and saved once per turn) holds ``state["stack"]``: a list of
frames, bottom first::

    {"flow": "form", "key": "application:12", "data": {...}, "since": "2026-12-07T08:00:00", "seen": "…"}

``begin`` puts a frame on top (a frame of the same flow and key already on the stack is brought
back to the top instead, never pushed twice); ``end`` removes one, and the frame below resumes;
``replace`` swaps the top frame for another. The depth is bounded: a begin beyond it is refused
with the list of what is open. A flow's ``data`` is its own: flows read and change their frame's
data, never another frame's, and never the list itself.
"""
import json
from datetime import datetime

from bot.conversation import legacy
from bot.errors import UserError

MAX_DEPTH = 4
KEY = "stack"


class StackFull(UserError):
    """Too many tasks open at once: the message lists them."""


class Frame:
    """One entry of the stack (a view of its JSON dict)."""
    __slots__ = ("raw",)

    def __init__(self, raw):
        self.raw = raw

    @property
    def flow(self):
        return self.raw["flow"]

    @property
    def key(self):
        return self.raw.get("key", "")

    @property
    def data(self):
        return self.raw["data"]

    @property
    def since(self):
        return _parse(self.raw.get("since"))

    @property
    def seen(self):
        return _parse(self.raw.get("seen") or self.raw.get("since"))

    def __repr__(self):
        return f"Frame({self.flow!r}, {self.key!r})"


def _parse(text):
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


class Stack:
    """The stack of one conversation during one turn. ``flows`` (name → Flow) describes frames in
    refusals; ``now`` (naive UTC) stamps frames."""

    def __init__(self, state, flows, now):
        if legacy.is_old(state):                # saved before the stack: read as one
            converted = legacy.convert(state, now)
            state.clear()
            state.update(converted)
        self._state, self._flows, self._now = state, flows, now
        self.ended = []                 # frames ended in this turn, in order
        self.begun = []                 # frames begun (or brought back) in this turn
        self.handled = None             # the frame whose flow took this turn's message or button
        if not isinstance(state.get(KEY), list):
            state[KEY] = []

    # -- reading --------------------------------------------------------------------------------
    @property
    def frames(self):
        """Bottom first."""
        return [Frame(raw) for raw in self._state[KEY]]

    @property
    def top(self):
        raws = self._state[KEY]
        return Frame(raws[-1]) if raws else None

    def __len__(self):
        return len(self._state[KEY])

    def __bool__(self):
        return bool(self._state[KEY])

    def find(self, flow, key=None):
        """The topmost frame of ``flow`` (and ``key``, when given), or None."""
        for raw in reversed(self._state[KEY]):
            if raw["flow"] == flow and (key is None or raw.get("key", "") == key):
                return Frame(raw)
        return None

    def below(self, frame):
        """The frame under ``frame``, or None."""
        raws = self._state[KEY]
        for n, raw in enumerate(raws):
            if raw is frame.raw:
                return Frame(raws[n - 1]) if n else None
        return None

    def describe(self):
        """One line per open task, top first (for 进度 and refusals)."""
        lines = []
        for frame in reversed(self.frames):
            flow = self._flows.get(frame.flow)
            text = flow.describe(frame) if flow is not None else ""
            if text:
                lines.append(text)
        return lines

    # -- changing -------------------------------------------------------------------------------
    def begin(self, flow, data, key=""):
        """Put a frame of ``flow`` on top; one of the same flow and key is brought back to the top
        (its data kept, ``data`` ignored). Transient frames on top are dropped first. Returns the frame."""
        self._drop_transient_top()
        existing = self.find(flow, key)
        raws = self._state[KEY]
        if existing is not None:
            raws.remove(existing.raw)
            raws.append(existing.raw)
            existing.raw["seen"] = self._stamp()
            self.begun.append(existing)
            return existing
        if len(raws) >= MAX_DEPTH:
            listing = "\n".join(f"{n}. {line}" for n, line in enumerate(self.describe(), 1))
            raise StackFull(f"您同时有 {len(raws)} 件事还没办完，先完成或「取消」其中一件再开始新的：\n{listing}")
        raw = {"flow": flow, "key": key, "data": dict(data), "since": self._stamp(), "seen": self._stamp()}
        raws.append(raw)
        frame = Frame(raw)
        self.begun.append(frame)
        return frame

    def end(self, frame=None):
        """Remove ``frame`` (default: the top one); the frame now on top resumes. Returns it."""
        raws = self._state[KEY]
        frame = frame or self.top
        if frame is None or frame.raw not in raws:
            return None
        raws.remove(frame.raw)
        self.ended.append(frame)
        return frame

    def replace(self, flow, data, key=""):
        """The top frame gives way to a new one of ``flow`` (one task turning into the next)."""
        top = self.top
        if top is not None:
            self._state[KEY].remove(top.raw)
            self.ended.append(top)
        return self.begin(flow, data, key)

    def mark(self):
        """A copy of the frames and of this turn's begun/ended lists, to rewind to (a refused command
        in between; no flow has taken the message yet)."""
        return json.loads(json.dumps(self._state[KEY])), len(self.ended), len(self.begun)

    def rewind(self, mark):
        frames, ended, begun = mark
        self._state[KEY] = frames
        del self.ended[ended:], self.begun[begun:]

    def touch(self, frame):
        frame.raw["seen"] = self._stamp()

    def drop_expired(self, is_expired):
        """Remove the frames ``is_expired(frame)`` says have lapsed (a file target after half an hour)."""
        raws = self._state[KEY]
        for raw in list(raws):
            if is_expired(Frame(raw)):
                raws.remove(raw)

    def _drop_transient_top(self):
        raws = self._state[KEY]
        while raws:
            flow = self._flows.get(raws[-1]["flow"])
            if flow is None or not flow.transient:
                return
            self.ended.append(Frame(raws.pop()))

    def _stamp(self):
        return self._now.replace(microsecond=0).isoformat()
