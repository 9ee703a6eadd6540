"""Who acts: the person (or the system) behind a change, with the roles, scope and channel it acts through.

An ``Actor`` is a plain value: the chat builds one from the sender's Person, the console from its
signed-in account, the CLI and the worker use ``Actor.system``. The policy (handlers/policy.py)
decides what an actor may do; the audit (storage/audit.py) records what it did.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    person_id: int | None
    name: str
    roles: frozenset = field(default_factory=frozenset)
    unit_id: int | None = None
    studio_id: int | None = None
    channel: str = ""           # wecom | dingtalk | web | console | cli | worker
    request_id: str = ""        # the message id, the console request or the CLI run it came from
    ip: str = ""                # the console's client address (through BOT_TRUSTED_PROXIES)

    @classmethod
    def of_person(cls, person, channel, request_id="", ip=""):
        """The actor for a bound Person (None: an unbound sender, with no roles)."""
        if person is None:
            return cls(None, "", frozenset(), channel=channel, request_id=request_id, ip=ip)
        return cls(person.id, person.name, frozenset(person.role_names), person.unit_id, person.studio_id,
                   channel, request_id, ip)

    @classmethod
    def system(cls, name="system", channel="worker", request_id=""):
        """The assistant itself (scheduled notices, the worker) or an operator at the command line."""
        return cls(None, name, frozenset({"system"}), channel=channel, request_id=request_id)

    @property
    def bound(self):
        return self.person_id is not None or "system" in self.roles

    @property
    def is_system(self):
        return "system" in self.roles

    def has(self, *roles):
        return bool(self.roles & set(roles))

    @property
    def role_label(self):
        """The roles as one audit field ("group,leader")."""
        return ",".join(sorted(self.roles))[:60]
