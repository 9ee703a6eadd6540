"""Proofs in chat: 证明 / 删除证明 / 替换证明, and where a file the user sends goes.

A file goes to, in order: the item a 「证明 <标签>」 named (a ``proof_upload`` frame on top, for half
an hour), the starred answer just given or the starred item being asked (the form's own), or —
when nothing says what it proves — it waits (a ``proof_files`` frame) until 「证明 <标签>」 does.
The files are kept through the application service (handlers/services/applications.py).
"""
from bot.conversation.flow import Flow
from bot.errors import UserError
from handlers.application import proofs
from handlers.application.current import application_or_refuse, current_application
from handlers.application.schema import application_form
from handlers.policy import Do
from handlers.services import applications as app_service
from storage.models import Application
from storage.statuses import EDITABLE

UPLOAD, WAITING = "proof_upload", "proof_files"
WAITING_KEPT = 20           # files kept waiting for 证明 <标签> at most


def _say_added(item, outcome):
    names = "、".join(outcome["names"]) or "1 份"
    return f"已收到证明材料 {names}，已附在「{item.qualified}」下（该项共 {outcome['count']} 份）。"


class ProofUpload(Flow):
    """After 「证明 <标签>」: the files sent next prove that item (the first replaces one, after 替换证明)."""
    name = UPLOAD
    transient = True
    ttl_minutes = 30

    def on_message(self, turn, frame):
        attachments = turn.incoming.attachments
        if not attachments or turn.incoming.text.strip():
            return False
        app = turn.session.get(Application, frame.data["app"])
        item = proofs.item_of(application_form(app.year), frame.data["key"])
        outcome = app_service.add_proofs(turn.ctx, app, item.key, [a.ref for a in attachments],
                                         replace=frame.data.get("replace"))
        frame.data["replace"] = None            # one file replaces; the next ones are added
        turn.reply(_say_added(item, outcome))
        return True

    def describe(self, frame):
        return "等待证明材料文件"


class ProofFiles(Flow):
    """Files nobody could place: kept until 「证明 <标签>」 says what they prove."""
    name = WAITING
    transient = True
    ttl_minutes = 60

    def claims(self, turn, frame, text, command):
        cmd, args = command
        return text.startswith("证明") and bool(args)

    def on_message(self, turn, frame):
        attachments = turn.incoming.attachments
        text = turn.incoming.text.strip()
        if attachments and not text:
            frame.data["refs"] = (list(frame.data.get("refs", [])) + [a.ref for a in attachments])[-WAITING_KEPT:]
            turn.reply(f"又收到 {len(attachments)} 个文件。它是哪一项的证明材料？请回复「证明 项目名」。")
            return True
        head, _, label = text.partition(" ")
        if head not in ("证明", "证明材料") or not label.strip():
            return False
        app = turn.session.get(Application, frame.data["app"]) if frame.data.get("app") else current_application(turn)
        if app is None:
            return False
        item = proofs.resolve(application_form(app.year), label)
        outcome = app_service.add_proofs(turn.ctx, app, item.key, frame.data.get("refs", []))
        turn.stack.end(frame)
        begin_upload(turn, app, item)
        turn.reply(_say_added(item, outcome))
        return True

    def describe(self, frame):
        return f"{len(frame.data.get('refs', []))} 个文件等待说明是哪一项的证明材料"


def begin_upload(turn, app, item, replace=None):
    frame = turn.stack.begin(UPLOAD, {"app": app.id, "key": item.key, "replace": replace}, f"{app.id}:{item.key}")
    frame.data["replace"] = replace
    return frame


def hold_files(turn, app, attachments):
    """Files that nobody can place wait for 「证明 <标签>」; the reply asks what they prove."""
    if app.status not in EDITABLE:
        raise UserError(app_service.LOCKED)
    frame = turn.stack.begin(WAITING, {"app": app.id, "refs": []}, str(app.id))
    frame.data["refs"] = (list(frame.data.get("refs", [])) + [a.ref for a in attachments])[-WAITING_KEPT:]
    return ("收到文件。它是哪一项的证明材料？请回复「证明 项目名」，例如「证明 创新成果」；"
            "发送「证明」查看需要证明的项目。")


def on_form_attachment(turn, walker, attachments):
    """Files sent in the form: the starred answer just given, else the starred item being asked."""
    app = walker.store.app
    form = application_form(app.year)
    for item in (form.by_key.get(walker.host_state.get("proof_for") or ""), walker.cursor):
        if item is not None and getattr(item, "proof", False):
            return _say_added(item, app_service.add_proofs(turn.ctx, app, item.key, [a.ref for a in attachments]))
    return hold_files(turn, app, attachments)


def loose_attachment(turn):
    """A file outside any task: kept waiting for 「证明 <标签>」 while the application can change, else
    told that proofs cannot change after 提交. False: not ours."""
    if turn.person is None or not ({"leader", "member"} & turn.roles):
        return False
    app = current_application(turn)
    if app is None:
        return False
    if app.status not in EDITABLE:
        turn.reply(app_service.LOCKED)      # after 提交 a file is most likely a late proof
        return True
    turn.reply(hold_files(turn, app, turn.incoming.attachments))
    return True


# -- commands ---------------------------------------------------------------------------------------

def proof_command(turn, args):
    """证明 — the list; 证明 <标签> — that item's proofs, and the next files go to it."""
    app = application_or_refuse(turn)
    if not args.strip():
        turn.reply(proofs.listing(turn.session, app))
        return
    item = proofs.resolve(application_form(app.year), args)
    if app.status not in EDITABLE:
        raise UserError(app_service.LOCKED)
    if turn.incoming.attachments:
        turn.reply(_say_added(item, app_service.add_proofs(turn.ctx, app, item.key,
                                                           [a.ref for a in turn.incoming.attachments])))
        begin_upload(turn, app, item)
        return
    begin_upload(turn, app, item)
    turn.reply(f"{proofs.item_listing(turn.session, app, item)}\n请发送「{item.qualified}」的证明照片或文件（可以发多份）。")


def _numbered(turn, args):
    app = application_or_refuse(turn)
    label, number = proofs._split_index(args)
    item = proofs.resolve(application_form(app.year), label)
    return app, item, number


def remove_command(turn, args):
    """删除证明 <标签> <序号>."""
    app, item, number = _numbered(turn, args)
    outcome = app_service.remove_proof(turn.ctx, app, item.key, number)
    turn.reply(f"已删除「{item.qualified}」的第 {number} 份证明材料：{outcome['name']}。\n"
               + proofs.item_listing(turn.session, app, item))


def replace_command(turn, args):
    """替换证明 <标签> <序号>: the file sent with it, or the next one, takes that proof's place."""
    app, item, number = _numbered(turn, args)
    if app.status not in EDITABLE:
        raise UserError(app_service.LOCKED)
    rows = proofs.proofs_of(turn.session, app.id, item.key)
    if not 1 <= number <= len(rows):
        raise UserError(f"「{item.qualified}」只有 {len(rows)} 份证明材料，没有第 {number} 份。")
    att, stored = rows[number - 1]
    if turn.incoming.attachments:
        turn.reply(_say_added(item, app_service.add_proofs(turn.ctx, app, item.key,
                                                           [a.ref for a in turn.incoming.attachments[:1]],
                                                           replace=att.id)))
        begin_upload(turn, app, item)
        return
    begin_upload(turn, app, item, replace=att.id)
    turn.reply(f"请发送新的文件，替换「{item.qualified}」的第 {number} 份证明材料（{stored.name}）。")


def register(router):
    router.add_flow(ProofUpload(), do=Do.APPLY)
    router.add_flow(ProofFiles(), do=Do.APPLY)
    router.add_command("proofs", proof_command, do=Do.APPLY, kind="start",
                       help="查看或补充申报表的证明材料：证明 / 证明 项目名")
    router.add_command("proof_delete", remove_command, do=Do.APPLY)
    router.add_command("proof_replace", replace_command, do=Do.APPLY, kind="start")
