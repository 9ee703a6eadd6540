"""Spot checks (不定期抽查) of named studios: the reproducible draw, the result per studio, the check of a draw.

The draw is ``random.Random(seed).sample(candidates, n)`` over the sorted ids of the named
studios; seed and candidates are recorded, so anyone can repeat it and get the same studios.
A result of 限期整改 opens a 整改 with a deadline in working days (handlers/office/rectify.py);
撤销称号 (with the 意见's grounds) withdraws the studio's title and voids its certificate.
"""
from sqlalchemy import select

from bot.errors import UserError
from handlers import policy
from handlers.notices import spotcheck as rules
from handlers.policy import Do
from handlers.office import rectify
from handlers.services import certificates
from handlers.services.context import Outcome
from storage.models import Attachment, SpotCheck, SpotCheckResult, Studio
from storage.statuses import StudioStatus

RESULTS = rules.RESULTS
GROUNDS = rules.GROUNDS


def draw(ctx, n=rules.DEFAULT_N):
    """Draw ``n`` named studios (at most all of them), record it and notify leaders and unit unions."""
    policy.require(ctx.actor, Do.SPOTCHECK, "抽查")
    if n < 1:
        raise UserError("抽取家数至少为 1。")
    check = rules.draw(ctx.session, ctx.config, ctx.actor.person_id, n, ctx.clock.today(), ctx.clock.utcnow())
    ctx.audit("spotcheck.draw", object_type="spot_check", object_id=check.id,
              after={"seed": check.seed, "candidates": check.candidates, "chosen": check.chosen},
              detail=f"抽取 {len(check.chosen)} 家")
    return Outcome("drawn", {"check": check, "studios": rules.studios_of(ctx.session, check)})


def record_result(ctx, studio_id, result, note="", *, grounds=(), photos=(), working_days=None):
    """合格 / 限期整改 (a 整改 deadline ``working_days`` working days from today, default
    BOT_RECTIFY_WORKING_DAYS) / 撤销称号 (with the 意见's ``grounds``) for a studio's latest spot
    check, with a note and photos (stored file ids); 撤销称号 withdraws the title and voids its certificate."""
    policy.require(ctx.actor, Do.SPOTCHECK_RESULT, "登记抽查结果")
    if result not in RESULTS:
        raise UserError("抽查结果只能是：合格、限期整改或撤销称号。")
    grounds = [g for g in GROUNDS if g in grounds]
    if result == "撤销称号" and not grounds:
        raise UserError(f"撤销称号须写明《意见》规定的情形（可多选）：{'、'.join(GROUNDS)}。")
    session = ctx.session
    studio = session.get(Studio, studio_id)
    row = session.scalar(select(SpotCheckResult).where(SpotCheckResult.studio_id == studio_id)
                         .order_by(SpotCheckResult.spot_check_id.desc()).limit(1)) if studio else None
    if row is None:
        raise UserError(f"「{studio.name if studio else studio_id}」没有被抽查过。发送「抽查记录」查看抽查情况。")
    if row.result == "撤销称号":
        raise UserError(f"「{studio.name}」已在第 {row.spot_check_id} 次抽查中被撤销称号，不能再更改。")
    before = {"result": row.result, "note": row.note, "grounds": row.grounds or []}
    row.result, row.note, row.grounds = result, (note or "").strip(), grounds if result == "撤销称号" else []
    row.recorded_by, row.recorded_at = ctx.actor.person_id, ctx.clock.utcnow()
    if result == "撤销称号":
        before["studio"] = studio.status
        studio.status = StudioStatus.REVOKED
    for file_id in photos:
        session.add(Attachment(owner_kind="spotcheck", owner_id=row.id, field_key="photo", file_id=file_id,
                               person_id=ctx.actor.person_id, created_at=ctx.clock.utcnow()))
    ctx.audit("spotcheck.result", object_type="studio", object_id=studio.id, studio_id=studio.id,
              unit_id=studio.unit_id, key=row.spot_check_id, before=before,
              after={"result": result, "note": row.note, "grounds": row.grounds, "photos": list(photos)},
              detail="；".join(filter(None, ["、".join(row.grounds), row.note])))
    rectification = rectify.follow_result(ctx, row, studio, working_days)
    if result == "撤销称号":
        certificates.void_titles(ctx, studio, f"第 {row.spot_check_id} 次抽查撤销称号：{'、'.join(grounds)}")
    for notice in rules.result_notices(session, ctx.config, row, studio, rectification):
        notice.write(session)
    return Outcome("recorded", {"row": row, "studio": studio, "rectification": rectification})


def reproduce(ctx, check_id):
    """Draw again from a recorded seed and candidates: the same studios, or a discrepancy."""
    policy.require(ctx.actor, Do.SPOTCHECK_REPRODUCE, "复现抽查")
    check = ctx.session.get(SpotCheck, check_id)
    if check is None:
        raise UserError(f"没有第 {check_id} 次抽查。发送「抽查记录」查看编号。")
    again = rules.choose(check.seed, check.candidates, len(check.chosen))
    names = {s.id: s.name for s in ctx.session.scalars(select(Studio).where(Studio.id.in_(again)))}
    return Outcome("reproduced", {"check": check, "again": again, "same": again == list(check.chosen),
                                  "names": names})
