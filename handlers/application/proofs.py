"""Proofs (证明材料) tied to the starred items of the application they prove (填表说明 5, 6).

A starred item (``proof=True`` in handlers/application/schema.py) answered with something to
prove — a non-empty text, a number other than 0, a list with rows — needs at least one proof
copy. A file is kept against an item (an ``Attachment`` row: owner ``application``, the item's
key) when it is sent

* with ``证明 <标签>`` (in the same message, or after it: the target stays for a while), or
* in the form right after a starred answer (the item just answered), or while a starred item
  is being asked;

a file nobody can place waits in the conversation until ``证明 <标签>`` says what it proves.
``证明`` lists every starred item with its count and those lacking proof; ``删除证明 <标签> <序号>``
removes one, ``替换证明 <标签> <序号>`` makes the next file replace it.
"""
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from bot import files
from bot.errors import UserError
from bot.forms.schema import Group
from bot.message import Attachment as Incoming_Attachment
from handlers.application import seven_record
from handlers.application.current import application_in, current_application
from handlers.application.schema import application_form
from storage import applications, clock
from storage.models import Attachment, StoredFile

TARGET_MINUTES = 30          # a 证明 <标签> target keeps taking files this long
EDITABLE = ("draft", "returned", "withdrawn")
HOW_TO = ("补充：发送「证明 项目名」后发送照片或文件（也可以在填写带 * 的项目后直接发送）；"
          "删除：「删除证明 项目名 序号」；替换：「替换证明 项目名 序号」。")


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


# -- the application a user means -----------------------------------------------------------------



def _editable(app):
    if app.status not in EDITABLE:
        raise UserError("申报已提交审批，证明材料不能再修改。如需补充，请等审批退回后再发送。")


# -- attaching ------------------------------------------------------------------------------------

def _target(turn, app):
    """The item a 证明 <标签> named lately (and the proof to replace), or None."""
    target = turn.state.get("proof")
    if not isinstance(target, dict) or target.get("app") != app.id:
        return None
    if clock.utcnow().timestamp() - target.get("at", 0) > TARGET_MINUTES * 60:
        turn.state.pop("proof", None)
        return None
    return target


def _set_target(turn, app, key, replace=None):
    turn.state["proof"] = {"app": app.id, "key": key, "replace": replace, "at": clock.utcnow().timestamp()}


def attach(turn, app, item, attachments, replace=None):
    """Keep the files against ``item``; ``replace`` (an Attachment id) takes the first file instead."""
    _editable(app)
    names = []
    for att in attachments:
        stored = files.lookup_in(turn.session, att.ref)
        if stored is None:
            continue
        old = turn.session.get(Attachment, replace) if replace else None
        if old is not None and old.owner_id == app.id and old.field_key == item.key:
            replaced = turn.session.get(StoredFile, old.file_id)
            old.file_id, old.person_id, old.created_at = stored.id, turn.person.id, clock.utcnow()
            if replaced is not None and replaced.id != stored.id:
                files.forget(turn.session, replaced)        # its links answer 410, its bytes go
            replace = None
            names.append(f"{att.name or stored.name}（已替换原文件）")
            continue
        turn.session.add(Attachment(owner_kind="application", owner_id=app.id, field_key=item.key,
                                    file_id=stored.id, person_id=turn.person.id, created_at=clock.utcnow()))
        names.append(att.name or stored.name)
    turn.session.flush()
    n = counts(turn.session, app.id).get(item.key, 0)
    return f"已收到证明材料 {'、'.join(names) or '1 份'}，已附在「{item.qualified}」下（该项共 {n} 份）。"


def on_attachment(turn, attachments, *, walker=None, app=None):
    """Files that came without a command: to the 证明 target, the starred answer just given, the
    starred item being asked — or kept waiting for 证明 <标签>. Returns the reply text."""
    app = app or application_in(turn, walker)
    form = application_form(app.year)
    target = _target(turn, app)
    recorded = seven_record.target(turn, app)
    if recorded is not None and (target is None or recorded["at"] >= target.get("at", 0)):
        return seven_record.attach(turn, app, attachments)
    key, replace = None, None
    if target is not None:
        key, replace = target["key"], target.get("replace")
        if replace:
            target["replace"] = None            # one file replaces; the next ones are added
    elif walker is not None:
        for item in (form.by_key.get(walker.host_state.get("proof_for") or ""), walker.cursor):
            if item is not None and getattr(item, "proof", False):
                key = item.key
                break
    item = form.by_key.get(key or "")
    if item is None:
        _editable(app)
        waiting = turn.state.setdefault("proof_waiting", [])
        waiting.extend(a.ref for a in attachments)
        del waiting[:-20]
        return ("收到文件。它是哪一项的证明材料？请回复「证明 项目名」，例如「证明 创新成果」；"
                "发送「证明」查看需要证明的项目。")
    return attach(turn, app, item, attachments, replace=replace)


def _waiting(turn):
    refs = turn.state.pop("proof_waiting", None) or []
    return [Incoming_Attachment(kind="file", ref=ref) for ref in refs]


# -- commands ---------------------------------------------------------------------------------------

def proof_command(turn, args, walker=None):
    """证明 — the list; 证明 <标签> — that item's proofs, and the next files go to it."""
    app = application_in(turn, walker)
    if not args.strip():
        turn.reply(listing(turn.session, app))
        return
    item = resolve(application_form(app.year), args)
    files_now = list(turn.incoming.attachments) + _waiting(turn)
    if files_now:
        turn.reply(attach(turn, app, item, files_now))
        _set_target(turn, app, item.key)
        return
    _editable(app)
    _set_target(turn, app, item.key)
    turn.reply(f"{item_listing(turn.session, app, item)}\n请发送「{item.qualified}」的证明照片或文件（可以发多份）。")


def _numbered_proof(turn, args, walker):
    """(application, item, attachment, stored file, number) that 「<标签> <序号>」 names."""
    app = application_in(turn, walker)
    _editable(app)
    label, number = _split_index(args)
    item = resolve(application_form(app.year), label)
    rows = proofs_of(turn.session, app.id, item.key)
    if not 1 <= number <= len(rows):
        raise UserError(f"「{item.qualified}」只有 {len(rows)} 份证明材料，没有第 {number} 份。")
    att, stored = rows[number - 1]
    return app, item, att, stored, number


def remove_command(turn, args, walker=None):
    """删除证明 <标签> <序号>."""
    app, item, att, stored, number = _numbered_proof(turn, args, walker)
    turn.session.delete(att)
    files.forget(turn.session, stored)          # its links answer 410, its bytes go
    turn.session.flush()
    turn.reply(f"已删除「{item.qualified}」的第 {number} 份证明材料：{stored.name}。\n"
               + item_listing(turn.session, app, item))


def replace_command(turn, args, walker=None):
    """替换证明 <标签> <序号>: the file sent with it, or the next one, takes that proof's place."""
    app, item, att, stored, number = _numbered_proof(turn, args, walker)
    if turn.incoming.attachments:
        turn.reply(attach(turn, app, item, turn.incoming.attachments[:1], replace=att.id))
        _set_target(turn, app, item.key)
        return
    _set_target(turn, app, item.key, replace=att.id)
    turn.reply(f"请发送新的文件，替换「{item.qualified}」的第 {number} 份证明材料（{stored.name}）。")


def loose_attachment(turn):
    """A file outside any form: placed by a 证明 target, else kept waiting. False: not ours."""
    if turn.person is None or not ({"leader", "member"} & turn.roles):
        return False
    app = current_application(turn)
    if app is None or (app.status not in EDITABLE and _target(turn, app) is None):
        return False            # nothing to prove any more: the general hint answers
    turn.reply(on_attachment(turn, turn.incoming.attachments, app=app))
    return True


def form_commands():
    """The commands the application form takes (the walker re-asks its question after them)."""
    return {"证明": lambda turn, walker, args: proof_command(turn, args, walker),
            "删除证明": lambda turn, walker, args: remove_command(turn, args, walker),
            "替换证明": lambda turn, walker, args: replace_command(turn, args, walker)}


def proofs(turn, args):
    proof_command(turn, args)


def remove_proof(turn, args):
    remove_command(turn, args)


def replace_proof(turn, args):
    replace_command(turn, args)


def register(router):
    router.add_command(("证明", "证明材料"), proofs, roles=["leader", "member"],
                       help="查看或补充申报表的证明材料：证明 / 证明 项目名")
    router.add_command("删除证明", remove_proof, roles=["leader", "member"])
    router.add_command("替换证明", replace_proof, roles=["leader", "member"])
