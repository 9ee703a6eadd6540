"""整改 after a spot check: the leader reports it done, the office verifies it, and an overdue or
failed 整改 is proposed for withdrawal of the title, which the office confirms through the spot
check service (``spotchecks.record_result`` 撤销称号, with the 意见's grounds); the history of a
studio's checks, 整改 and title stays readable (``history``). Every change is audited (``rectify.*``).
"""
from sqlalchemy import select

from bot.errors import UserError
from handlers import policy
from handlers.notices.notice import unit_unions
from handlers.office import rectify
from handlers.policy import Do, Forbidden
from handlers.review.steps import role_holders
from handlers.services import spotchecks
from handlers.services.context import Outcome
from storage import audit
from storage.models import Attachment, Person, Studio
from storage.office import Rectification

MAX_TEXT = 2000
HISTORY_ACTIONS = ("spotcheck.draw", "spotcheck.result", "rectify.order", "rectify.report", "rectify.verify",
                   "rectify.close", "rectify.confirm", "certificate.issue", "certificate.void", "review.name")
ACTION_NAMES = {"spotcheck.result": "登记抽查结果", "rectify.order": "限期整改", "rectify.report": "报告整改情况",
                "rectify.verify": "核查整改", "rectify.close": "整改结束", "rectify.confirm": "确认撤销称号",
                "certificate.issue": "颁发证书", "certificate.void": "证书作废", "review.name": "命名"}


def _rect(ctx, rect_id):
    rect = ctx.session.get(Rectification, rect_id)
    if rect is None:
        raise UserError("没有找到这项整改。")
    return rect


def _audit(ctx, action, rect, before=None, after=None, detail=""):
    ctx.audit(f"rectify.{action}", object_type="rectification", object_id=rect.id, studio_id=rect.studio_id,
              unit_id=rect.studio.unit_id, before=before, after=after, detail=detail)


def current(ctx, studio_id):
    """The studio's unfinished 整改 (open or reported), or None."""
    return ctx.session.scalar(select(Rectification).where(Rectification.studio_id == studio_id,
                                                          Rectification.status.in_(("open", "reported")))
                              .order_by(Rectification.id.desc()).limit(1))


def report(ctx, text, photos=()):
    """整改完成: the leader reports the studio's 整改 done (with photos: stored file ids); the office is told."""
    policy.require(ctx.actor, Do.RECTIFY_REPORT, "报告整改情况")
    if ctx.actor.studio_id is None:
        raise UserError("您还没有关联到工作室。")
    rect = current(ctx, ctx.actor.studio_id)
    if rect is None:
        raise UserError("您的工作室目前没有需要整改的事项。")
    text = (text or "").strip()
    if not text:
        raise UserError("请写明整改情况，例如「整改完成 已补齐2025年活动台账和成果台账，制度已上墙」。")
    if len(text) > MAX_TEXT:
        raise UserError(f"整改情况不能超过 {MAX_TEXT} 字。")
    before = {"status": rect.status}
    rect.status, rect.report, rect.reported_at = "reported", text, ctx.clock.utcnow()
    for file_id in photos:
        ctx.session.add(Attachment(owner_kind="rectification", owner_id=rect.id, field_key="photo", file_id=file_id,
                                   person_id=ctx.actor.person_id, created_at=ctx.clock.utcnow()))
    _audit(ctx, "report", rect, before=before, after={"status": "reported", "photos": list(photos)}, detail=text)
    told = []
    for person in role_holders(ctx.session, "group"):
        if ctx.tell(person, f"【整改报告】「{rect.studio.name}」报告整改完成：{text}\n请核查后登记整改结果。",
                    key=f"rectify:report:{rect.id}:{rect.reported_at:%Y%m%d%H%M%S}:{person.id}", notice="rectify"):
            told.append(person)
    return Outcome("reported", {"rectification": rect}, told=told)


def verify(ctx, rect_id, passed, finding):
    """The office's finding on a 整改: passed, or failed (then proposed for withdrawal)."""
    policy.require(ctx.actor, Do.SPOTCHECK_RESULT, "核查整改")
    rect = _rect(ctx, rect_id)
    if rect.status not in ("open", "reported"):
        raise UserError(f"这项整改已经{rectify.STATUS[rect.status]}，不能再核查。")
    finding = (finding or "").strip()
    if not finding:
        raise UserError("请写明核查情况。")
    before = {"status": rect.status}
    rect.status = "passed" if passed else "failed"
    rect.finding, rect.verified_by, rect.verified_at = finding, ctx.actor.person_id, ctx.clock.utcnow()
    _audit(ctx, "verify", rect, before=before, after={"status": rect.status}, detail=finding)
    studio = rect.studio
    text = (f"「{studio.name}」整改经核查合格（{finding}）。请继续保持。" if passed else
            f"「{studio.name}」整改经核查不合格（{finding}），将提请撤销称号。")
    told = _tell_studio(ctx, studio, text, f"rectify:verify:{rect.id}")
    return Outcome(rect.status, {"rectification": rect}, told=told)


def _tell_studio(ctx, studio, text, key):
    people = ([ctx.session.get(Person, studio.leader_id)] if studio.leader_id else []) + \
        unit_unions(ctx.session, studio.unit_id)
    return [p for p in people if ctx.tell(p, f"【整改结果】{p.name}您好，{text}", key=f"{key}:{p.id}", notice="rectify")]


def listing(ctx, *, studio_id=None):
    """整改 in the actor's reach (the office: all; a unit union: its unit; a leader: their studio),
    newest first, each with whether it is proposed for withdrawal."""
    policy.require(ctx.actor, Do.SPOTCHECK_READ if not ctx.actor.has("leader") else Do.RECTIFY_REPORT, "整改")
    query = select(Rectification).join(Studio, Studio.id == Rectification.studio_id).where(policy.studio_scope(ctx.actor))
    if studio_id is not None:
        query = query.where(Rectification.studio_id == studio_id)
    today = ctx.clock.today()
    return [(r, rectify.proposed(r, today), rectify.status_text(r, today))
            for r in ctx.session.scalars(query.order_by(Rectification.id.desc()))]


def proposals(ctx):
    """整改 proposed for withdrawal (overdue or failed), oldest deadline first."""
    policy.require(ctx.actor, Do.REVOKE, "撤销称号")
    today = ctx.clock.today()
    rows = ctx.session.scalars(select(Rectification).where(Rectification.status.in_(("open", "failed")))
                               .order_by(Rectification.deadline, Rectification.id)).all()
    return [r for r in rows if rectify.proposed(r, today)]


def confirm_withdrawal(ctx, rect_id, grounds, note=""):
    """The office confirms a proposed withdrawal: the spot check service records 撤销称号 with the
    意见's grounds (the title is withdrawn, the certificate voided, the studio and union told)."""
    policy.require(ctx.actor, Do.REVOKE, "撤销称号")
    rect = _rect(ctx, rect_id)
    if not rectify.proposed(rect, ctx.clock.today()):
        raise UserError(f"「{rect.studio.name}」的整改{rectify.status_text(rect, ctx.clock.today())}，"
                        "没有被提请撤销称号。")
    why = "逾期未完成整改" if rect.status == "open" else f"整改不合格：{rect.finding}"
    text = "；".join(filter(None, [why, (note or "").strip()]))
    before = {"status": rect.status}
    outcome = spotchecks.record_result(ctx, rect.studio_id, "撤销称号", text, grounds=grounds)   # ends the 整改
    _audit(ctx, "confirm", rect, before=before, after={"status": "withdrawn"}, detail=text)
    return Outcome("withdrawn", {"rectification": rect, "studio": outcome["studio"], "row": outcome["row"]},
                   told=outcome.told)


def history(ctx, studio_id):
    """A studio's spot checks, 整改, certificates and title, oldest first: [(at, actor, what, detail)]."""
    policy.require(ctx.actor, Do.SPOTCHECK_READ if not ctx.actor.has("leader") else Do.RECTIFY_REPORT, "抽查历史")
    studio = ctx.session.get(Studio, studio_id)
    if studio is None or not policy.may_read_studio(ctx.actor, studio):
        raise Forbidden("您无权查看这个工作室的抽查记录。")
    rows, _ = audit.search(ctx.session, studio_id=studio_id, actions=HISTORY_ACTIONS, limit=500)
    return [(row.at, row.actor, ACTION_NAMES.get(row.action, row.action), row.detail) for row in reversed(rows)]
