"""The router: which handler answers a message, and the one check of who may do what.

Order: a pressed button's action; a command marked ``preempt``; the active flow (a form the
user is filling); any other command; the fallback hint. Handlers call ``turn.reply(...)`` and
never a platform API.
"""
import re
from dataclasses import dataclass

from bot.errors import UserError
from storage.models import ROLES

_SPACES = re.compile(r"\s+")


@dataclass
class Command:
    words: tuple
    fn: object
    roles: frozenset = frozenset()      # empty = everyone, including unbound users
    help: str = ""
    # wins over an active flow: a command that starts another task (申报, 记经费, 审批 …) typed in the
    # middle of a form means "go there", never "the answer is 申报"
    preempt: bool = False
    name: str = ""
    needs_person: bool = True


class Router:
    def __init__(self):
        self.commands = []          # list[Command], in registration order
        self._by_word = {}
        self.actions = {}           # action prefix -> Command (its words are the prefix)
        self.flows = {}             # flow name -> fn(turn) -> bool
        self.fallback_fn = None

    # registration ------------------------------------------------------------
    def add_command(self, words, fn, *, roles=(), help="", preempt=False, needs_person=True):
        words = (words,) if isinstance(words, str) else tuple(words)
        for w in words:
            if w in self._by_word:
                raise ValueError(f"command {w!r} registered twice")
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {unknown} for command {words[0]!r}")
        cmd = Command(words, fn, frozenset(roles), help, preempt, fn.__name__, needs_person)
        self.commands.append(cmd)
        for w in words:
            self._by_word[w] = cmd
        return cmd

    def command(self, *words, **kw):
        def deco(fn):
            self.add_command(words, fn, **kw)
            return fn
        return deco

    def add_action(self, prefix, fn, *, roles=(), needs_person=True):
        """A button's handler. Like a command, it declares who may press it: the router checks
        that the sender is bound and holds one of ``roles`` before ``fn`` runs (the handler then
        checks the object: this step's reviewer, this studio's people)."""
        if prefix in self.actions:
            raise ValueError(f"action {prefix!r} registered twice")
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {unknown} for action {prefix!r}")
        self.actions[prefix] = Command((prefix,), fn, frozenset(roles), "", False, fn.__name__, needs_person)

    def action(self, prefix, **kw):
        def deco(fn):
            self.add_action(prefix, fn, **kw)
            return fn
        return deco

    def add_flow(self, name, fn):
        self.flows[name] = fn

    def fallback(self, fn):
        self.fallback_fn = fn
        return fn

    # matching ----------------------------------------------------------------
    def match(self, text):
        """The command a text starts with, and the rest of the text as its arguments."""
        text = _SPACES.sub(" ", text.strip())
        if text in self._by_word:
            return self._by_word[text], ""
        head, _, rest = text.partition(" ")
        cmd = self._by_word.get(head)
        if cmd:
            return cmd, rest.strip()
        return None, ""

    def allowed(self, cmd, turn):
        if cmd.needs_person and turn.person is None:
            return False
        return not cmd.roles or bool(cmd.roles & turn.roles)

    def available(self, turn):
        return [c for c in self.commands if c.help and self.allowed(c, turn)]

    def authorize(self, cmd, turn, what=None):
        """The one check of who the sender is, for commands and buttons alike."""
        if cmd.needs_person and turn.person is None:
            raise UserError("您的账号还没有绑定到人员信息，请联系管理员绑定后再使用。")
        if not self.allowed(cmd, turn):
            names = "、".join(ROLES[r] for r in sorted(cmd.roles))
            raise UserError(f"{what or '「' + cmd.words[0] + '」'}仅限{names}使用。发送「帮助」查看您可以使用的功能。")

    def run_command(self, cmd, turn, args):
        self.authorize(cmd, turn)
        turn.handler, turn.args = cmd.name, args
        cmd.fn(turn, args)

    def hand_over(self, word, turn, args=""):
        """Run the command registered as ``word`` within this turn, as if the user had typed it:
        one handler passes the conversation to another's command without importing it."""
        cmd = self._by_word[word]
        self.authorize(cmd, turn)
        cmd.fn(turn, args)

    # dispatch ----------------------------------------------------------------
    def dispatch(self, turn):
        incoming = turn.incoming
        flow_name = turn.state.get("flow")
        flow = self.flows.get(flow_name) if flow_name else None
        if incoming.action:
            prefix, _, rest = incoming.action.partition(":")
            action = self.actions.get(prefix)
            if action:
                turn.handler = f"action:{prefix}"
                self.authorize(action, turn, "这个按钮")
                action.fn(turn, rest)
                return
            cmd, args = self.match(incoming.action)
            if cmd:
                self.run_command(cmd, turn, args)
                return
            if flow and flow(turn):
                turn.handler = turn.handler or f"flow:{flow_name}"
                return
            raise UserError("这个按钮已失效，请发送「帮助」查看可用功能。")
        cmd, args = self.match(incoming.text)
        if cmd and cmd.preempt:
            self.run_command(cmd, turn, args)
            return
        if flow and flow(turn):
            turn.handler = turn.handler or f"flow:{flow_name}"
            return
        if cmd:
            self.run_command(cmd, turn, args)
            return
        turn.handler = "fallback"
        self.fallback_fn(turn)
