"""Who may read and write which studio's ledgers, and which studio a command is about."""
import re

from sqlalchemy import select

from bot.errors import UserError
from storage.models import Studio

WRITERS = ("leader", "member")
READERS = ("leader", "member", "union", "group")


def own_studio(turn):
    """The studio a leader or member writes to."""
    person = turn.person
    studio = turn.session.get(Studio, person.studio_id) if person.studio_id else None
    if studio is None:
        raise UserError("您还没有关联到任何工作室，暂不能记录台账。请联系管理员绑定工作室。")
    return studio


def readable_studios(turn):
    """Studios whose ledgers the user may read, by name."""
    person, roles, session = turn.person, turn.roles, turn.session
    if "group" in roles:
        return session.scalars(select(Studio).order_by(Studio.name)).all()
    found = {}
    if "union" in roles and person.unit_id:
        for studio in session.scalars(select(Studio).where(Studio.unit_id == person.unit_id)):
            found[studio.id] = studio
    if roles & set(WRITERS) and person.studio_id:
        studio = session.get(Studio, person.studio_id)
        found[studio.id] = studio
    return sorted(found.values(), key=lambda s: s.name)


def check_read(turn, studio):
    """Refuse a studio the user may not read, without naming it (the user may not know its name)."""
    if studio.id in {s.id for s in readable_studios(turn)}:
        return
    _refuse_reading(turn)


def _refuse_reading(turn):
    if "union" in turn.roles:
        raise UserError("该工作室不属于本单位，单位工会只能查看本单位工作室的台账。")
    raise UserError("您只能查看本工作室的台账。")


def check_write(turn, entry):
    if not (turn.roles & set(WRITERS)) or turn.person.studio_id != entry.studio_id:
        raise UserError(f"编号 {entry.id} 的台账属于其他工作室，您只能修改本工作室的台账。")


def find_readable(turn, name):
    """The studio called ``name``, or the only one whose name contains it, among those the user may
    read: a name the user could not read is never shown, nor is a partial match told apart from no
    studio at all. A full name typed that the user may not read is refused as such."""
    name = re.sub(r"\s+", "", name)
    readable = readable_studios(turn)
    for studio in readable:
        if studio.name == name:
            return studio
    hits = [s for s in readable if name in s.name]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise UserError(f"「{name}」对应多个工作室：{'、'.join(s.name for s in hits[:6])}，请写完整名称。")
    if turn.session.scalar(select(Studio.id).where(Studio.name == name)) is not None:
        _refuse_reading(turn)
    raise UserError(f"没有找到工作室「{name}」（只查找您可以查看的工作室），请写完整名称。")


def studio_for_reading(turn, name, command):
    """The studio named (among those the user may read), the user's own, or the only one they
    oversee; None after a pick list."""
    if name:
        return find_readable(turn, name)
    if turn.roles & set(WRITERS) and turn.person.studio_id:
        return turn.session.get(Studio, turn.person.studio_id)
    studios = readable_studios(turn)
    if not studios:
        raise UserError("您管理的范围内还没有工作室。")
    if len(studios) == 1:
        return studios[0]
    listing = "\n".join(f"{n}. {s.name}" for n, s in enumerate(studios[:20], 1))
    turn.reply(f"请选择要查看的工作室（也可以在命令后写工作室名称）：\n{listing}",
               [(s.name, f"{command} {s.name}") for s in studios[:8]])
    return None
