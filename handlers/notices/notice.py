"""A notice: one message to one person (on every account) or one subscribed group, with its dedupe key;
and the audiences notices go to (subscribed groups, a unit's union, the named studios)."""
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot import cycle
from bot.message import Outgoing
from storage.models import OutboxMessage, Person, PersonRole, RobotGroup, Studio
from storage.outbox import enqueue, push_to_person
from storage.statuses import StudioStatus

FAR_FUTURE = datetime(9999, 12, 31)        # expiry of cache rows that must never expire (pause flags, once-only claims)


@dataclass
class Notice:
    """One message to one person (on every account) or one subscribed group, with its dedupe key."""
    type: str
    key: str
    message: Outgoing
    person: object = None
    group: object = None
    batch_key: str | None = None

    @property
    def to(self):
        return f"群「{self.group.name}」" if self.group is not None else self.person.name

    def write(self, session):
        """Rows written to the outbox (0 when this pair was written before)."""
        if self.group is not None:
            return int(enqueue(session, self.group.channel, f"group:{self.group.name}", self.message,
                               dedupe_key=self.key, batch_key=self.batch_key, notice=self.type))
        return push_to_person(session, self.person, self.message, dedupe_key=self.key,
                              batch_key=self.batch_key, notice=self.type)

    def written_before(self, session):
        column = OutboxMessage.dedupe_key
        cond = column == self.key if self.group is not None else column.startswith(self.key + "|", autoescape=True)
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(cond)) > 0


def timely(now, real, late_at, drop_at):
    """The ``Outgoing.timely`` of a notice decided at ``now`` (aware) that is true as written until
    ``late_at`` and pointless from ``drop_at`` (aware moments of the decision's calendar): both
    carried onto the wall clock (``real``, naive UTC) from this moment, so ``notices run --now``
    keeps their distance."""
    return {"late_at": (real + (late_at - now)).isoformat(), "drop_at": (real + (drop_at - now)).isoformat(),
            "planned": cycle.chinese_date(now.date())}


def batch_key(prefix, message):
    """Same key for the same content, so one API call can carry it to many recipients."""
    return f"{prefix}:{hashlib.sha1(message.text.encode()).hexdigest()[:12]}"


def subscribed_groups(session):
    return session.scalars(select(RobotGroup).where(RobotGroup.subscribed.is_(True)).order_by(RobotGroup.id)).all()


def to_groups(session, kind, key_prefix, message):
    bk = batch_key(key_prefix + ":group", message)
    return [Notice(kind, f"{key_prefix}:group:{g.name}", message, group=g, batch_key=bk)
            for g in subscribed_groups(session)]


def unit_unions(session, unit_id):
    if unit_id is None:
        return []
    return session.scalars(select(Person).join(PersonRole).where(PersonRole.role == "union",
                                                                  Person.unit_id == unit_id)
                           .order_by(Person.id)).all()


def named_studios(session):
    return session.scalars(select(Studio).where(Studio.status == StudioStatus.NAMED).order_by(Studio.unit_id, Studio.id)).all()
