"""Conversation state: one JSON row per (channel, user), read locked for a turn and written once,
guarded by its version."""
import json

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storage import clock
from storage.actor import Actor
from storage.models import Account, Conversation, Person, PersonRole


class StaleState(RuntimeError):
    """The conversation changed under a turn that held its lock: a bug, never a retry."""


class ConversationRow:
    """A conversation as loaded for a turn, with the bound person as an ``Actor`` (None: unbound)."""
    __slots__ = ("id", "state", "version", "person_id", "_person")

    def __init__(self, id, state, version, person_id=None, name=None, unit_id=None, studio_id=None, roles=None):
        self.id, self.state, self.version, self.person_id = id, state or {}, version, person_id
        self._person = (name, unit_id, studio_id, roles)

    def actor(self, channel, request_id):
        """Who sends this turn's message, read with the conversation (no query of its own)."""
        if self.person_id is None:
            return Actor(None, "", frozenset(), channel=channel, request_id=request_id)
        name, unit_id, studio_id, roles = self._person
        return Actor(self.person_id, name or "", frozenset(r for r in (roles or "").split(",") if r), unit_id,
                     studio_id, channel, request_id)

    def working_state(self):
        """A copy of the state for the turn to change (JSON in, JSON out: a round trip is the copy)."""
        return json.loads(json.dumps(self.state))


_CONV = Conversation.__table__
_ACCOUNT = Account.__table__
_PERSON = Person.__table__
_ROLE = PersonRole.__table__
# the person's roles, one string ("leader,member"), for the actor of the turn
_ROLES = (select(func.aggregate_strings(_ROLE.c.role, ",")).where(_ROLE.c.person_id == _ACCOUNT.c.person_id)
          .correlate(_ACCOUNT).scalar_subquery())
# the conversation, and in the same round trip the Person this account is bound to (name, unit,
# studio, roles): who the sender is costs no query of its own
_LOAD = (select(_CONV.c.id, _CONV.c.state, _CONV.c.version, _ACCOUNT.c.person_id, _PERSON.c.name,
                _PERSON.c.unit_id, _PERSON.c.studio_id, _ROLES)
         .select_from(_CONV.outerjoin(_ACCOUNT, (_ACCOUNT.c.channel == _CONV.c.channel)
                                      & (_ACCOUNT.c.external_id == _CONV.c.user_id))
                      .outerjoin(_PERSON, _PERSON.c.id == _ACCOUNT.c.person_id))
         .where(_CONV.c.channel == bindparam("channel"), _CONV.c.user_id == bindparam("user_id")))
_LOAD_LOCKED = _LOAD.with_for_update(of=_CONV)
_SAVE = (update(_CONV).where(_CONV.c.id == bindparam("conv_id"), _CONV.c.version == bindparam("seen"))
         .values(state=bindparam("state"), version=bindparam("seen") + 1, updated_at=bindparam("at")))


def _create_statement(module):
    return (module.insert(_CONV).values(channel=bindparam("channel"), user_id=bindparam("user_id"),
                                        state=bindparam("state"), version=0, updated_at=bindparam("at"))
            .on_conflict_do_nothing(index_elements=["channel", "user_id"]))


_CREATE = {"postgresql": _create_statement(postgresql), "sqlite": _create_statement(sqlite)}


def load(session, channel, user_id):
    """The conversation, locked for this turn (``FOR UPDATE`` on PostgreSQL; SQLite's transaction
    holds the write lock already), made empty when the user has none yet."""
    connection = session.connection()
    params = {"channel": channel, "user_id": user_id}
    dialect = connection.dialect.name
    locked = _LOAD_LOCKED if dialect == "postgresql" else _LOAD
    row = connection.execute(locked, params).first()
    if row is None:
        connection.execute(_CREATE[dialect], {**params, "state": {}, "at": clock.of(session).wall_utcnow()})
        row = connection.execute(locked, params).first()
    return ConversationRow(*row)


def save(session, conv, state):
    """Write the state once, guarded by the version read at the start of the turn."""
    result = session.connection().execute(_SAVE, {"conv_id": conv.id, "seen": conv.version, "state": state,
                                                  "at": clock.of(session).wall_utcnow()})
    if result.rowcount != 1:
        raise StaleState(f"conversation {conv.id} changed under a locked turn")
