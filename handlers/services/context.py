"""What a service runs with (``Context``: session, actor, clock, config) and what it returns (``Outcome``).

A service checks the policy, changes rows, queues the messages others must get (outbox) and the
slow work (tasks), writes one audit row per change, and returns an ``Outcome``: what happened, the
facts the caller words its answer from, and who was told. It never replies; the chat handler, the
console view or the CLI says it in its own way.
"""
from dataclasses import dataclass, field

from bot.message import Outgoing
from storage import audit
from storage.outbox import push_to_person


@dataclass
class Context:
    session: object
    actor: object           # storage.actor.Actor
    clock: object           # storage.clock.Clock
    config: object          # bot.config.Config

    def audit(self, action, **fields):
        audit.record(self.session, self.actor, action, at=self.clock.utcnow(), **fields)

    def tell(self, person, text_or_message, *, key=None, notice=None, buttons=()):
        """Queue a message to ``person`` on every messenger they are bound on (once per ``key``)."""
        message = text_or_message if isinstance(text_or_message, Outgoing) else \
            Outgoing(text=text_or_message, buttons=list(buttons))
        return push_to_person(self.session, person, message, dedupe_key=key, notice=notice)


@dataclass
class Outcome:
    """What a service did: ``what`` (a short name the caller words), ``facts`` for the wording,
    ``told`` (the people notified) and ``notes`` (lines the caller should pass on, e.g. a missing reviewer)."""
    what: str
    facts: dict = field(default_factory=dict)
    told: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def __getitem__(self, name):
        return self.facts[name]

    def get(self, name, default=None):
        return self.facts.get(name, default)
