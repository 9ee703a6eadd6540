"""Proofs (证明材料) tied to the starred items of the application they prove (填表说明 5, 6): what needs
proof, what is kept, the listings, and which item a label names.

A starred item (``proof=True`` in handlers/application/schema.py) answered with something to
prove — a non-empty text, a number other than 0, a list with rows — needs at least one proof
copy, kept as an ``Attachment`` row (owner ``application``, the item's key). Adding, replacing and
deleting them is the application service's (handlers/services/applications.py); the chat's side
(证明, 删除证明, 替换证明, files sent) is handlers/application/proof_chat.py. 说明7's extra written proofs,
tied to no starred item, are kept with ``证明 其他`` under ``OTHER``.
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from bot.errors import UserError
from bot.forms.schema import Group
from handlers.application.schema import application_form
from storage import applications
from storage.models import Attachment, StoredFile

HOW_TO = ("补充：发送「证明 项目名」后发送照片或文件（也可以在填写带 * 的项目后直接发送）；"
          "其他需要说明的书面材料（填表说明 7）：「证明 其他」；"
          "删除：「删除证明 项目名 序号」；替换：「替换证明 项目名 序号」。")


@dataclass(frozen=True)
class Extra:
    """说明7's 其他证明材料: written proofs tied to no starred item (the files' key is ``key``)."""
    key: str = "other"
    qualified: str = "其他证明材料"
    proof: bool = True


OTHER = Extra()
OTHER_WORDS = ("其他", "其它", "其他证明", "其他证明材料", "其他材料", "其它材料", "补充材料", "补充证明", "补充证明材料")


# -- what needs proof --------------------------------------------------------------------------

def starred(form):
    """The items of the form marked * (proof copies required), in form order."""
    return [item for item in form.items if item.proof]


def needs_proof(item, value):
    """Whether an answer states something a proof must back (0, empty and skipped do not)."""
    if isinstance(item, Group):
        return bool(value)
    if value in (None, ""):
        return False
    try:
        return Decimal(str(value)) != 0
    except (InvalidOperation, ValueError):
        return True


def counts(session, app_id):
    """{item key: number of proofs} of an application."""
    rows = session.execute(select(Attachment.field_key, func.count(Attachment.id))
                           .where(Attachment.owner_kind == "application", Attachment.owner_id == app_id)
                           .group_by(Attachment.field_key)).all()
    return {key: n for key, n in rows}


def proofs_of(session, app_id, key=None):
    """[(Attachment, StoredFile)] of an application (or one item), in the order they came."""
    query = (select(Attachment, StoredFile).join(StoredFile, StoredFile.id == Attachment.file_id)
             .where(Attachment.owner_kind == "application", Attachment.owner_id == app_id))
    if key is not None:
        query = query.where(Attachment.field_key == key)
    return session.execute(query.order_by(Attachment.id)).all()


def status(session, app):
    """(form, values, [(item, count, needed)]) for every starred item of ``app``."""
    form = application_form(app.year)
    values = form.complete_values(applications.load_answers(session, app.id))
    have = counts(session, app.id)
    return form, values, [(item, have.get(item.key, 0), needs_proof(item, values.get(item.key)))
                          for item in starred(form)]


def missing(session, app):
    """The starred items that state something and have no proof yet."""
    return [item for item, n, needed in status(session, app)[2] if needed and n == 0]


def summary_line(session, app):
    """One line for a reviewer: how many proofs, how many starred items lack one."""
    rows = status(session, app)[2]
    total = sum(n for _, n, _ in rows)
    lacking = [item.qualified for item, n, needed in rows if needed and n == 0]
    line = f"证明材料：{total} 份"
    if lacking:
        line += f"，{len(lacking)} 项缺少证明（{'、'.join(lacking[:4])}{'等' if len(lacking) > 4 else ''}）"
    return line


def listing(session, app, *, how_to=True):
    """The 证明 answer: each starred item with its count, then what lacks proof."""
    rows = status(session, app)[2]
    total = sum(n for _, n, _ in rows)
    lines = [f"{app.year} 年度申报表证明材料（共 {total} 份）："]
    n = 0
    not_needed = []
    for item, count, needed in rows:
        if count == 0 and not needed:
            not_needed.append(item.qualified)
            continue
        n += 1
        lines.append(f"{n}. {item.qualified}：{f'{count} 份' if count else '缺少证明 ⚠'}")
    if not_needed:
        lines.append(f"无需证明（未填写或为 0）：{'、'.join(not_needed)}")
    lacking = [item.qualified for item, count, needed in rows if needed and count == 0]
    lines.append(f"还有 {len(lacking)} 项缺少证明：{'、'.join(lacking)}。" if lacking else "每一项都已有证明材料。")
    others = counts(session, app.id).get(OTHER.key, 0)
    if others:
        lines.append(f"{OTHER.qualified}（填表说明 7）：{others} 份。")
    lines.append("经济效益的证明须为加盖单位财务章的原件。")
    if how_to:
        lines.append(HOW_TO)
    return "\n".join(lines)


def item_listing(session, app, item):
    rows = proofs_of(session, app.id, item.key)
    if not rows:
        return f"「{item.qualified}」还没有证明材料。"
    lines = [f"「{item.qualified}」的证明材料 {len(rows)} 份："]
    for n, (att, stored) in enumerate(rows, 1):
        lines.append(f"{n}. {stored.name}{'' if stored.path else '（接收中）'}")
    return "\n".join(lines)


# -- finding the item a label names ---------------------------------------------------------------

def resolve(form, label):
    """The starred item ``label`` names; UserError (with the choices) when it names none or several."""
    label = label.strip().strip("「」“”\"'")
    if label in OTHER_WORDS:
        return OTHER
    items = [i for i in form.lookup(label) if i.proof]
    exact = [i for i in items if i.qualified == label]
    if exact:
        return exact[0]
    if len(items) == 1:
        return items[0]
    if len(items) > 1:
        raise UserError(f"「{label}」有多项：{'、'.join(i.qualified for i in items)}。请写出完整的名称。")
    near = [i.qualified for i in starred(form) if label and (label in i.qualified or i.qualified in label)]
    if near:
        raise UserError(f"没有「{label}」这一项需要证明。您是指：{'、'.join(near[:6])}？")
    if form.lookup(label):
        raise UserError(f"「{label}」不是带 * 的项目，不需要证明材料。发送「证明」查看需要证明的项目。")
    raise UserError(f"没有「{label}」这一项。发送「证明」查看需要证明的项目。")


def _split_index(args):
    """'2023年创收金额 2' → ('2023年创收金额', 2)."""
    label, _, number = args.strip().rpartition(" ")
    if not label or not number.strip().isdigit():
        raise UserError("请写出项目名和序号，例如「删除证明 创新成果 1」。发送「证明 项目名」查看序号。")
    return label, int(number)


def item_of(form, key):
    """The item proofs under ``key`` belong to: a starred field, or 其他证明材料."""
    return OTHER if key == OTHER.key else form.by_key.get(key)
