"""People, units, studios, bindings and robot groups: lookups and find-or-create helpers.

Shared by the demo, the people import and the admin commands.
"""
import re

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from storage import clock
from storage.models import ROLES, Account, Person, PersonRole, RobotGroup, Studio, Unit

_PERSON = (select(Person).join(Account)
           .where(Account.channel == bindparam("channel"), Account.external_id == bindparam("user_id"))
           .options(joinedload(Person.roles)))
_PERSON_ID = select(Account.person_id).where(Account.channel == bindparam("channel"),
                                             Account.external_id == bindparam("user_id"))


def resolve_person(session, channel, user_id):
    """The Person bound to this messenger account, with roles; None when unbound."""
    return session.scalars(_PERSON, {"channel": channel, "user_id": user_id}).unique().first()


def resolve_person_id(session, channel, user_id):
    """The bound Person's id only (most form answers need no more): one Core statement."""
    return session.connection().execute(_PERSON_ID, {"channel": channel, "user_id": user_id}).scalar()


def find_unit(session, name):
    return session.scalar(select(Unit).where(Unit.name == name))


def get_unit(session, name, kind=""):
    unit = find_unit(session, name)
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


# --- names users type: roles, channels, mobiles ----------------------------------------

ROLE_WORDS = {
    "领衔人": "leader", "成员": "member", "骨干成员": "member",
    "单位工会": "union", "工会": "union", "所在单位工会": "union",
    "技术部门": "tech", "所在单位技术部门": "tech", "党委": "party", "所在单位党委": "party",
    "集团工会": "group", "集团工会联合会办公室": "group", "管理员": "admin", "评审专家": "expert", "专家": "expert",
    **{key: key for key in ROLES},
}
CHANNEL_WORDS = {"企业微信": "wecom", "企微": "wecom", "wecom": "wecom",
                 "钉钉": "dingtalk", "dingtalk": "dingtalk", "试用": "web", "web": "web"}
CHANNEL_LABELS = {"wecom": "企业微信", "dingtalk": "钉钉", "web": "试用"}
_ROLE_SPLIT = re.compile(r"[、,，;；\s]+")
_MOBILE = re.compile(r"1\d{10}")


def role_key(word):
    """The role key for a Chinese role name or key (``None`` when unknown)."""
    return ROLE_WORDS.get(word.strip()) or ROLE_WORDS.get(word.strip().lower())


def parse_roles(text):
    """``"领衔人、管理员"`` → (``["leader", "admin"]``, unknown words)."""
    keys, unknown = [], []
    for word in filter(None, _ROLE_SPLIT.split(text or "")):
        key = role_key(word)
        if key is None:
            unknown.append(word)
        elif key not in keys:
            keys.append(key)
    return keys, unknown


def channel_key(word):
    return CHANNEL_WORDS.get(word.strip()) or CHANNEL_WORDS.get(word.strip().lower())


def normalise_mobile(text):
    """Digits of a mobile number without spaces or dashes; ``None`` when not 11 digits starting with 1."""
    digits = re.sub(r"[\s\-]", "", text or "")
    if digits == "" or _MOBILE.fullmatch(digits):
        return digits
    return None


def roles_text(person):
    """The person's roles in Chinese, in the order of ``ROLES``."""
    return "、".join(label for key, label in ROLES.items() if key in person.role_names) or "未分配角色"


def accounts_text(person):
    """``企业微信 zhangsan、试用 leader``: the bound accounts, WeCom first."""
    order = list(CHANNEL_LABELS)
    accounts = sorted(person.accounts, key=lambda a: (order.index(a.channel) if a.channel in order
                                                      else len(order), a.external_id))
    return "、".join(f"{CHANNEL_LABELS.get(a.channel, a.channel)} {a.external_id}" for a in accounts)


# --- looking people up ------------------------------------------------------------------

def account_owner(session, channel, external_id):
    return session.scalar(select(Person).join(Account).where(Account.channel == channel,
                                                             Account.external_id == external_id))


def people_named(session, name, unit_hint=""):
    """People called ``name``; with ``unit_hint``, those whose unit is that name or contains it."""
    people = list(session.scalars(select(Person).where(Person.name == name).order_by(Person.id)))
    if unit_hint:
        exact = [p for p in people if p.unit and p.unit.name == unit_hint]
        people = exact or [p for p in people if p.unit and unit_hint in p.unit.name]
    return people


def search_people(session, keyword=""):
    """People whose name or unit contains ``keyword`` (everyone when empty), by unit then name."""
    query = select(Person).outerjoin(Unit, Person.unit_id == Unit.id)
    if keyword:
        query = query.where(or_(Person.name.contains(keyword, autoescape=True),
                                   Unit.name.contains(keyword, autoescape=True)))
    return list(session.scalars(query.order_by(Unit.name, Person.name, Person.id)))


def find_studio(session, name):
    return session.scalar(select(Studio).where(Studio.name == name))


def admin_count(session):
    return session.scalar(select(func.count(PersonRole.id)).where(PersonRole.role == "admin"))


# --- robot groups -----------------------------------------------------------------------

def group_problems(channel, webhook, secret=""):
    """Why a robot group cannot work (Chinese, empty when fine)."""
    problems = []
    if channel not in ("wecom", "dingtalk"):
        problems.append("群机器人只能是企业微信或钉钉")
    if not re.match(r"https?://\S+$", webhook or ""):
        problems.append("webhook 地址必须以 http:// 或 https:// 开头")
    if channel == "dingtalk" and not (secret or "").startswith("SEC"):
        problems.append("钉钉群机器人需要加签密钥，以 SEC 开头（机器人安全设置 → 加签）")
    if channel == "wecom" and secret:
        problems.append("企业微信群机器人不需要密钥")
    return problems


def get_group(session, name):
    return session.scalar(select(RobotGroup).where(RobotGroup.name == name))


def subscribed_robot(session, channel, name):
    """(webhook, secret) of the subscribed robot group ``name`` on ``channel``, or None."""
    group = session.scalar(select(RobotGroup).where(RobotGroup.name == name, RobotGroup.channel == channel))
    if group is None or not group.subscribed:
        return None
    return group.webhook, group.secret or ""


def list_groups(session):
    return list(session.scalars(select(RobotGroup).order_by(RobotGroup.name)))


def save_group(session, name, channel, webhook, secret=""):
    """Add the robot group ``name``, or update it; returns (group, created). Validate first."""
    group = get_group(session, name)
    created = group is None
    if created:
        group = RobotGroup(name=name, subscribed=True, created_at=clock.of(session).utcnow())
        session.add(group)
    group.channel, group.webhook, group.secret = channel, webhook, secret or ""
    session.flush()
    return group, created


def remove_group(session, name):
    group = get_group(session, name)
    if group is not None:
        session.delete(group)
        session.flush()
    return group is not None


def masked_webhook(url):
    """The webhook with its key hidden (it is a credential): ``https://host/…abcd``."""
    head = re.match(r"https?://[^/?]+", url)
    return f"{head.group(0) if head else ''}/…{url[-4:]}"
