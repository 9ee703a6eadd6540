"""Finding a studio by the name someone typed, only among the studios they may see.

A lookup never searches beyond the asker's reach and a refusal never repeats a name the asker
could not see: 「甲」 matching two studios of other units is simply 「没有找到」.
"""
import re

from sqlalchemy import select

from bot.errors import UserError
from handlers import policy
from storage.models import Studio

SHOWN = 6


def find(session, actor, name, *, scope=None, what="工作室"):
    """The one studio ``name`` names within ``scope`` (a SQL condition on Studio; default: the
    studios ``actor`` may read): the full name, else the only studio whose name contains it."""
    name = re.sub(r"\s+", "", name or "")
    if not name:
        raise UserError(f"请写明{what}名称。")
    scope = policy.studio_scope(actor) if scope is None else scope
    studio = session.scalar(select(Studio).where(Studio.name == name, scope))
    if studio is not None:
        return studio
    hits = session.scalars(select(Studio).where(Studio.name.contains(name, autoescape=True), scope)
                           .order_by(Studio.name).limit(SHOWN + 1)).all()
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise UserError(f"在您可以查看的范围内没有找到{what}「{name}」，请写完整名称。")
    more = "等" if len(hits) > SHOWN else ""
    raise UserError(f"「{name}」对应多个{what}：{'、'.join(s.name for s in hits[:SHOWN])}{more}，请写完整名称。")


def visible(session, actor, *, scope=None):
    """The studios ``actor`` may read (or ``scope`` selects), by name."""
    scope = policy.studio_scope(actor) if scope is None else scope
    return session.scalars(select(Studio).where(scope).order_by(Studio.name)).all()
