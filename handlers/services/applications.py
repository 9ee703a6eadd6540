"""Operations on an application besides the approval chain: proofs added, replaced and deleted; the
七有 facts the form has no field for (制度 / 设备 / 场所) recorded; the 七有 judgement read.

The leader and the studio's members change their own studio's application while it is editable
(draft, returned, withdrawn); every change is audited (``proof.*``, ``seven.record``).
"""
from bot import files
from bot.errors import UserError
from handlers import policy
from handlers.application import proofs, seven_record
from handlers.application.schema import application_form
from handlers.policy import Do, Forbidden
from handlers.review.steps import steps_of
from handlers.services.context import Outcome
from storage import applications
from storage.models import Attachment, StoredFile
from storage.statuses import EDITABLE

LOCKED = "申报已提交审批，证明材料不能再修改。如需补充，请等审批退回后再发送。"


def _editable(ctx, app, locked=LOCKED):
    policy.require(ctx.actor, Do.APPLY, "修改申报表")
    if not ctx.actor.is_system and ctx.actor.studio_id != app.studio_id:
        raise Forbidden("这不是您所在工作室的申报表。")
    if app.status not in EDITABLE:
        raise UserError(locked)


def _audit(ctx, app, action, key, before=None, after=None, detail=""):
    ctx.audit(action, object_type="application", object_id=app.id, application_id=app.id, studio_id=app.studio_id,
              unit_id=app.studio.unit_id, key=key, before=before, after=after, detail=detail)


def add_proofs(ctx, app, key, refs, *, replace=None):
    """Keep the received files (``refs``: their channel handles) as proofs of ``key``; ``replace``
    (an Attachment id of the same item) takes the first file instead. Outcome ``added`` with the
    file ``names`` and the item's ``count``; files not received (unknown refs) are skipped."""
    _editable(ctx, app)
    session, now = ctx.session, ctx.clock.utcnow()
    names, added = [], []
    for ref in refs:
        stored = files.lookup_in(session, ref)
        if stored is None:
            continue
        old = session.get(Attachment, replace) if replace else None
        if old is not None and old.owner_id == app.id and old.field_key == key:
            _audit(ctx, app, "proof.replace", key, before={"file": old.file_id}, after={"file": stored.id},
                   detail=stored.name)
            replaced = session.get(StoredFile, old.file_id)
            old.file_id, old.person_id, old.created_at = stored.id, ctx.actor.person_id, now
            if replaced is not None and replaced.id != stored.id:
                files.forget(session, replaced)         # its links answer 410, its bytes go
            replace = None
            names.append(f"{stored.name}（已替换原文件）")
            continue
        session.add(Attachment(owner_kind="application", owner_id=app.id, field_key=key, file_id=stored.id,
                               person_id=ctx.actor.person_id, created_at=now))
        added.append(stored.id)
        names.append(stored.name)
    session.flush()
    if added:
        _audit(ctx, app, "proof.add", key, after={"files": added}, detail="、".join(names))
    count = proofs.counts(session, app.id).get(key, 0)
    return Outcome("added", {"names": names, "count": count, "key": key})


def remove_proof(ctx, app, key, number):
    """删除证明: the ``number``-th proof of ``key`` (1-based); its file is no longer served."""
    _editable(ctx, app)
    rows = proofs.proofs_of(ctx.session, app.id, key)
    if not 1 <= number <= len(rows):
        label = application_form(app.year).by_key[key].qualified if key in application_form(app.year).by_key else key
        raise UserError(f"「{label}」只有 {len(rows)} 份证明材料，没有第 {number} 份。")
    att, stored = rows[number - 1]
    _audit(ctx, app, "proof.delete", key, before={"file": stored.id}, detail=stored.name)
    ctx.session.delete(att)
    files.forget(ctx.session, stored)               # its links answer 410, its bytes go
    ctx.session.flush()
    return Outcome("removed", {"name": stored.name, "key": key, "number": number})


def record_seven(ctx, app, topic, mode, kinds):
    """What the studio has of ``topic`` (制度 / 设备 / 场所): ``mode`` add / remove / none."""
    _editable(ctx, app, "申报已提交审批，七有材料不能再修改。如需补充，请等审批退回后再发送。")
    kept = seven_record.record(app)
    current = kept.get(topic.key) or []
    if mode == "none":
        new = []
    elif mode == "remove":
        new = [k for k in current if k not in kinds]
    else:
        new = [k for k in topic.kinds if k in current or k in kinds]
    before = kept.get(topic.key)
    kept[topic.key] = new
    applications.set_flag(app, seven_record.FLAG, kept)
    _audit(ctx, app, "seven.record", f"{seven_record.FLAG}.{topic.key}", before=before, after=new)
    return Outcome("recorded", {"topic": topic, "kinds": new})


def seven_haves(ctx, app):
    """The 七有 judgement of ``app`` from its answers, its ledgers and what was recorded (read only)."""
    policy.require(ctx.actor, Do.READ_APPLICATION, "七有")
    if not policy.may_read_application(ctx.actor, app, steps_of(ctx.session, app)):
        raise Forbidden("您无权查看这份申报表。")
    values = application_form(app.year).complete_values(applications.load_answers(ctx.session, app.id))
    return seven_record.check(ctx.session, app, values, ctx.config)
