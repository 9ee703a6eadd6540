"""The router: which flow or command answers a message, and the one check (handlers/policy.py) before any runs.

Order, for every message:

1. a pressed button: its action (bot/actions.py) goes to the flow that owns its namespace — the
   topmost frame of that flow is brought back to the top — or to the global action handler;
2. a typed confirmation (确认, 取消, a button's label) does what the button last shown does;
3. the top frame may claim a text that also reads as a command (「成果」 at a text field);
4. a command: one that starts a task begins its frame on top (never replacing); any other answers
   in between, and the frame on top then asks again what it was asking;
5. the top frame's flow; a transient frame (a pick list, a file target) that does not take the
   message ends, and the frame below gets it;
6. the fallback hint.

A flow ended in the turn lets the frame below resume (``Flow.on_resume``). Flows, commands and
buttons never call the router; they begin frames on ``turn.stack``. Handlers reply through
``turn.reply`` and never call a platform API.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from bot.actions import ActionTable, BadAction
from bot.conversation import words as W
from bot.conversation.stack import Stack
from bot.errors import UserError
from bot.message import Outgoing
from handlers import policy
from handlers.policy import Do

_SPACES = re.compile(r"\s+")
START, ASIDE, LINE = "start", "aside", "line"
IDLE_DAYS = 2               # a task left this long is mentioned when the user comes back


@dataclass
class Command:
    words: tuple
    fn: object
    do: Do = Do.BOUND
    kind: str = ASIDE       # START begins a task on top; ASIDE answers in between; LINE is a one-line entry
    help: str = ""
    name: str = ""
    reads: object = None    # LINE: fn(args) -> True when the words look like an entry (else they are an answer)

    def looks_like_entry(self, args):
        return bool(args) and (self.reads is None or self.reads(args))

    @property
    def roles(self):
        return policy.roles_for(self.do)


@dataclass
class GlobalAction:
    ns: str
    fn: object
    do: Do


class Router:
    def __init__(self):
        self.commands = []          # list[Command], in registration order
        self._by_word = {}
        self.actions = ActionTable()
        self._global_actions = {}   # ns -> GlobalAction
        self.flows = {}             # flow name -> Flow
        self._flow_of_ns = {}       # action namespace -> flow name
        self.fallback_fn = None

    # registration ------------------------------------------------------------
    def add_command(self, words, fn, *, do=Do.BOUND, kind=ASIDE, help="", reads=None):
        """``words``: a name in bot/conversation/words.py's table, or the words themselves."""
        if isinstance(words, str):
            words = W.COMMANDS.get(words, (words,))
        words = tuple(words)
        for w in words:
            if w in self._by_word:
                raise ValueError(f"command {w!r} registered twice")
        if kind not in (START, ASIDE, LINE):
            raise ValueError(f"unknown command kind {kind!r}")
        cmd = Command(words, fn, Do(do), kind, help, getattr(fn, "__name__", words[0]), reads)
        self.commands.append(cmd)
        for w in words:
            self._by_word[w] = cmd
        return cmd

    def add_action(self, ns, fn, verbs, *, do=Do.BOUND):
        """A global button namespace (not bound to a frame): ``fn(turn, action)``."""
        self.actions.declare(ns, getattr(fn, "__name__", ns), verbs)
        self._global_actions[ns] = GlobalAction(ns, fn, Do(do))

    def add_flow(self, flow, do=Do.BOUND):
        if flow.name in self.flows:
            raise ValueError(f"flow {flow.name!r} registered twice")
        self.flows[flow.name] = flow
        flow.do = Do(do)
        if flow.actions:
            self.actions.declare(flow.name, f"flow {flow.name}", flow.actions)
            self._flow_of_ns[flow.name] = flow.name

    def action_declarations(self):
        """{namespace: (Do, {verb: argument kinds})} of every button namespace, global or a flow's."""
        found = {}
        for ns in self.actions.namespaces():
            owner = self._global_actions.get(ns) or self.flows.get(self._flow_of_ns.get(ns))
            found[ns] = (owner.do, self.actions.verbs(ns))
        return found

    def fallback(self, fn):
        self.fallback_fn = fn
        return fn

    # matching ----------------------------------------------------------------
    def match(self, text):
        """The command a text starts with, and the rest of the text as its arguments."""
        text = _SPACES.sub(" ", (text or "").strip())
        if text in self._by_word:
            return self._by_word[text], ""
        head, _, rest = text.partition(" ")
        cmd = self._by_word.get(head)
        if cmd:
            return cmd, rest.strip()
        return None, ""

    def available(self, turn):
        return [c for c in self.commands if c.help and policy.allowed(turn.actor, c.do)]

    def _run_command(self, turn, cmd, args):
        policy.require(turn.actor, cmd.do, f"「{cmd.words[0]}」")
        turn.handler, turn.args = cmd.name, args
        cmd.fn(turn, args)

    # dispatch ----------------------------------------------------------------
    def dispatch(self, turn):
        stack = Stack(turn.state, self.flows, turn.clock.utcnow())
        turn.stack = stack
        now = turn.clock.utcnow()
        stack.drop_expired(lambda f: self._lapsed(f, now))
        before = stack.top
        idle = self._idle_note(turn, before, now)
        if idle:
            stack.touch(before)                 # said once
        self._route(turn, stack)
        self._after(turn, stack, before, idle)

    def _route(self, turn, stack):
        incoming = turn.incoming
        if incoming.action:
            action = self.actions.decode(incoming.action)
            if action is not None:
                self._act(turn, stack, action)
                return
        text = _SPACES.sub(" ", (incoming.action or incoming.text or "").strip())
        top = stack.top
        if top is not None and text:
            pressed = self._typed_button(top, text)
            if pressed is not None:
                action = self.actions.decode(pressed)
                if action is not None:
                    self._act(turn, stack, action)
                    return
                text = pressed
        cmd, args = self.match(text) if text else (None, "")
        if top is not None and cmd is not None and self._claimed(turn, stack, text, cmd, args):
            return
        if cmd is not None:
            self._command_in_between(turn, stack, cmd, args)
            return
        while top is not None:
            flow = self.flows.get(top.flow)
            if flow is not None and self._to_flow(turn, stack, top, flow):
                return
            if flow is not None and not flow.transient:
                break
            stack.end(top)                  # a lapsed pick list or file target: the frame below gets it
            top = stack.top
        turn.handler = "fallback"
        self.fallback_fn(turn)

    def _claimed(self, turn, stack, text, cmd, args):
        """Does a waiting task keep ``text`` although it reads as a command? The top frame is asked,
        and below transient frames (a file target) the first real task; the transient ones above
        the claimant end."""
        for frame in reversed(stack.frames):
            flow = self.flows.get(frame.flow)
            if flow is None:
                return False
            if flow.claims(turn, frame, text, (cmd, args)):
                while stack.top is not None and stack.top.raw is not frame.raw:
                    stack.end(stack.top)
                return self._to_flow(turn, stack, frame, flow)
            if not flow.transient:
                return False
        return False

    def _to_flow(self, turn, stack, frame, flow):
        policy.require(turn.actor, flow.do)
        handled = flow.on_message(turn, frame)
        if handled:
            stack.touch(frame)
            stack.handled = frame
            turn.handler = turn.handler or f"flow:{flow.name}"
        return handled

    def _act(self, turn, stack, action):
        turn.handler = f"action:{action.ns}:{action.verb}"
        flow_name = self._flow_of_ns.get(action.ns)
        if flow_name is None:
            handler = self._global_actions[action.ns]
            policy.require(turn.actor, handler.do, "这个按钮")
            handler.fn(turn, action)
            return
        flow = self.flows[flow_name]
        policy.require(turn.actor, flow.do, "这个按钮")
        frame = flow.frame_for(stack, action)
        if frame is None:
            raise BadAction("这个按钮对应的事项已经结束，没有做任何改动。发送「帮助」查看可用功能。")
        if frame.raw is not stack.top.raw:
            frame = stack.begin(frame.flow, {}, frame.key)      # brought back to the top
        stack.touch(frame)
        stack.handled = frame
        flow.on_action(turn, frame, action)

    def _command_in_between(self, turn, stack, cmd, args):
        """A command while a task waits: a refusal is said and undone (a savepoint), and the task
        then asks again what it was asking (``_after``); with nothing waiting, it just runs."""
        if not stack:
            self._run_command(turn, cmd, args)
            return
        mark = stack.mark()
        said = len(turn.replies)
        try:
            with turn.session.begin_nested():
                self._run_command(turn, cmd, args)
        except UserError as refused:
            stack.rewind(mark)              # what the command began or ended is undone with its rows
            del turn.replies[said:]
            turn.reply(str(refused))

    def _after(self, turn, stack, before, idle):
        """The task now on top says where it was when something else answered (a command, a task
        above it that ended); the last buttons shown are remembered on top (typed confirmations)."""
        target = next((f for f in reversed(stack.frames)
                       if not getattr(self.flows.get(f.flow), "transient", True)), None)
        handled = stack.handled
        if target is not None and (handled is None or handled.raw is not target.raw) \
                and not any(f.raw is target.raw for f in stack.begun):
            flow = self.flows[target.flow]
            ended = [f for f in stack.ended if not getattr(self.flows.get(f.flow), "transient", True)]
            if ended:
                flow.on_resume(turn, target, ended[-1])
            else:
                flow.on_aside(turn, target)
            if stack.top is not None and stack.top.raw is target.raw:
                stack.touch(target)             # shown again
        if idle:
            turn.replies.insert(0, Outgoing(text=idle))
        top = stack.top
        if top is not None:
            last = turn.replies[-1] if turn.replies else None
            top.raw["buttons"] = [[b.label, b.action] for b in last.buttons] if last is not None else []

    def _typed_button(self, frame, text):
        """The action of the button ``text`` names among those last shown on ``frame`` (a typed
        label, 确认 for a confirming button, 取消 for a cancelling one), or None."""
        buttons = frame.raw.get("buttons") or []
        for label, action in buttons:
            if text == label:
                return action
        if text in W.YES:
            for label, action in buttons:
                if label in W.YES or label.startswith("确认") or label in ("是", "同意"):
                    return action
        if text in W.NO:
            for label, action in buttons:
                if label == "取消" or label.startswith("取消"):
                    return action
        return None

    def _lapsed(self, frame, now):
        flow = self.flows.get(frame.flow)
        if flow is None:
            return True                     # a flow that no longer exists
        if not flow.ttl_minutes or frame.seen is None:
            return False
        return now - frame.seen > timedelta(minutes=flow.ttl_minutes)

    def _idle_note(self, turn, top, now):
        """A task left pending for days is mentioned when the user comes back (once)."""
        if top is None or top.seen is None or now - top.seen < timedelta(days=IDLE_DAYS):
            return ""
        flow = self.flows.get(top.flow)
        what = flow.describe(top) if flow is not None else ""
        if not what or flow.transient:
            return ""
        return f"您 {top.seen:%m月%d日} 开始的事项还没有完成：{what}。"

