"""People, units, studios and bindings: find-or-create helpers shared by the demo, import and admin."""
from sqlalchemy import select

from storage.models import Account, Person, PersonRole, Studio, Unit


def get_unit(session, name, kind=""):
    unit = session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        unit = Unit(name=name, kind=kind)
        session.add(unit)
        session.flush()
    return unit


def find_person(session, name, unit):
    return session.scalar(select(Person).where(Person.name == name,
                                               Person.unit_id == (unit.id if unit else None)))


def upsert_person(session, name, unit, roles, mobile=""):
    """The person called ``name`` in ``unit``, created if missing, with exactly ``roles``."""
    person = find_person(session, name, unit)
    if person is None:
        person = Person(name=name, unit_id=unit.id if unit else None, mobile=mobile)
        session.add(person)
        session.flush()
    if mobile:
        person.mobile = mobile
    set_roles(person, roles)
    return person


def set_roles(person, roles):
    current = {r.role: r for r in person.roles}
    for role in set(current) - set(roles):
        person.roles.remove(current[role])
    for role in set(roles) - set(current):
        person.roles.append(PersonRole(role=role))


def bind(session, person, channel, external_id):
    """Bind a messenger account to ``person``; an account bound elsewhere moves here."""
    account = session.scalar(select(Account).where(Account.channel == channel,
                                                   Account.external_id == external_id))
    if account is None:
        account = Account(channel=channel, external_id=external_id, person_id=person.id)
        session.add(account)
    else:
        account.person_id = person.id
    session.flush()
    return account


def unbind(session, channel, external_id):
    account = session.scalar(select(Account).where(Account.channel == channel,
                                                   Account.external_id == external_id))
    if account is not None:
        session.delete(account)
    return account is not None


def get_studio(session, name, unit, leader=None):
    studio = session.scalar(select(Studio).where(Studio.name == name))
    if studio is None:
        studio = Studio(name=name, unit_id=unit.id if unit else None,
                        leader_id=leader.id if leader else None, status="active")
        session.add(studio)
        session.flush()
    return studio
