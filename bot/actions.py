"""Button actions: the one codec for what a button sends back — a namespace, a verb and typed arguments.

A button's action is ``ns:verb:arg:arg…``. ``encode`` builds it (checking the arguments); the
router's ``ActionTable`` decodes it with the types its owner declared, so a handler receives
ints as ints, and a forged or garbled key (a superscript digit, a thousand digits, a missing
argument) gets a Chinese message instead of reaching the handler. A namespace is declared once,
by one owner; an action whose first part is no declared namespace is plain text (a button may
send a command word, e.g. 「申报」).
"""
from dataclasses import dataclass

from bot.errors import UserError

SEP = ":"
MAX_INT_DIGITS = 12
MAX_TEXT = 200

INT = "int"         # a non-negative ASCII integer, at most MAX_INT_DIGITS digits
TEXT = "text"       # any text without the separator (at most MAX_TEXT characters)
REST = "rest"       # the rest of the action, separators included (last argument only)


class BadAction(UserError):
    """A button whose action cannot be read (stale, forged or garbled): nothing was changed."""


STALE = "这个按钮已失效，没有做任何改动。请发送「帮助」查看可用功能。"


@dataclass(frozen=True)
class Action:
    ns: str
    verb: str
    args: tuple = ()

    def __str__(self):
        return encode(self.ns, self.verb, *self.args)


def encode(ns, verb, *args):
    """``ns:verb:arg…``; an argument may contain the separator only when it is the last."""
    parts = [ns, verb]
    for n, arg in enumerate(args):
        text = str(arg)
        if SEP in text and n < len(args) - 1:
            raise ValueError(f"action argument {text!r} contains {SEP!r}")
        parts.append(text)
    return SEP.join(parts)


def _read(kind, text):
    if kind == INT:
        if not (text.isascii() and text.isdigit() and len(text) <= MAX_INT_DIGITS):
            raise BadAction(STALE)
        return int(text)
    if len(text) > MAX_TEXT:
        raise BadAction(STALE)
    return text


class ActionTable:
    """The declared actions: ``declare(ns, owner, {verb: (types…)})`` once per namespace."""

    def __init__(self):
        self._owners = {}
        self._verbs = {}

    def declare(self, ns, owner, verbs):
        if not ns or SEP in ns:
            raise ValueError(f"bad action namespace {ns!r}")
        if ns in self._owners:
            raise ValueError(f"action namespace {ns!r} declared twice ({self._owners[ns]} and {owner})")
        for verb, kinds in verbs.items():
            if SEP in verb:
                raise ValueError(f"bad verb {verb!r} in namespace {ns!r}")
            if REST in kinds[:-1]:
                raise ValueError(f"{ns}:{verb}: only the last argument may take the rest")
        self._owners[ns] = owner
        self._verbs[ns] = {verb: tuple(kinds) for verb, kinds in verbs.items()}

    def owner(self, ns):
        return self._owners.get(ns)

    def namespaces(self):
        return dict(self._owners)

    def verbs(self, ns):
        return dict(self._verbs[ns])

    def decode(self, text):
        """The Action a button sent, or None when it names no declared namespace (plain text);
        ``BadAction`` when the namespace is ours but the verb or the arguments are not."""
        ns, sep, rest = (text or "").partition(SEP)
        verbs = self._verbs.get(ns)
        if verbs is None or not sep:
            return None
        verb, _, rest = rest.partition(SEP)
        kinds = verbs.get(verb)
        if kinds is None:
            raise BadAction(STALE)
        if not kinds:
            if rest:
                raise BadAction(STALE)
            return Action(ns, verb, ())
        if kinds[-1] == REST:
            parts = rest.split(SEP, len(kinds) - 1)
        else:
            parts = rest.split(SEP) if rest else []
        if len(parts) != len(kinds):
            raise BadAction(STALE)
        return Action(ns, verb, tuple(_read(kind, part) for kind, part in zip(kinds, parts)))
