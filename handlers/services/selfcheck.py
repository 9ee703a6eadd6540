"""Self-checks as answers: the leader confirms or corrects each 七有 line and each ledger gap of the
quarter's self-check (the quarterly notice's content, handlers/notices/rules.py ``studio_health``);
the answers are kept per studio and quarter; the unit union (its unit) and the office (all) read
them. Every answer is audited (``selfcheck.*``).
"""
from sqlalchemy import select

from bot.errors import UserError
from handlers import policy
from handlers.application import seven
from handlers.notices.notice import named_studios, unit_unions
from handlers.notices.rules import studio_health
from handlers.policy import Do, Forbidden
from handlers.services.context import Outcome
from storage.models import Studio
from storage.office import SelfCheck

CONFIRM_WORDS = ("属实", "确认", "是", "是的", "对", "对的", "没问题", "无误", "正确", "ok", "OK", "好")
MAX_TEXT = 500


def quarter_of(day):
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_name(quarter):
    year, q = quarter.split("Q")
    return f"{year} 年第{'一二三四'[int(q) - 1]}季度"


def items_for(session, studio, today, config):
    """What the quarter's self-check asks: each 七有 line, then each ledger gap."""
    health = studio_health(session, studio, today, config)
    items = [{"item": h.name, "shown": h.line()} for h in health["haves"]]
    items += [{"item": "台账", "shown": f"⚠ {gap}"} for gap in health["gaps"] if not gap.startswith(tuple(seven.RULES))]
    return items


def _audit(ctx, action, check, before=None, after=None, detail=""):
    ctx.audit(f"selfcheck.{action}", object_type="self_check", object_id=check.id, studio_id=check.studio_id,
              unit_id=check.studio.unit_id, key=check.quarter, before=before, after=after, detail=detail)


def begin(ctx, *, restart=False):
    """The leader's self-check of this quarter: created with its items, resumed where it stopped,
    or (``restart``) answered again. Outcome ``begun`` / ``resumed`` / ``done`` with ``check``."""
    policy.require(ctx.actor, Do.SELFCHECK, "季度自查")
    studio = ctx.session.get(Studio, ctx.actor.studio_id) if ctx.actor.studio_id else None
    if studio is None:
        raise UserError("您还没有关联到工作室，暂不能自查。请联系管理员绑定工作室。")
    quarter = quarter_of(ctx.clock.today())
    check = ctx.session.scalar(select(SelfCheck).where(SelfCheck.studio_id == studio.id, SelfCheck.quarter == quarter))
    if check is not None and check.finished_at is not None and not restart:
        return Outcome("done", {"check": check})
    if check is not None and not restart:
        return Outcome("resumed", {"check": check})
    items = items_for(ctx.session, studio, ctx.clock.today(), ctx.config)
    if check is None:
        check = SelfCheck(studio_id=studio.id, quarter=quarter, person_id=ctx.actor.person_id)
        ctx.session.add(check)
    before = {"answers": check.answers} if check.answers else None
    check.items, check.answers, check.started_at, check.finished_at = items, [], ctx.clock.utcnow(), None
    ctx.session.flush()
    _audit(ctx, "begin", check, before=before, after={"items": len(items)}, detail=quarter_name(quarter))
    return Outcome("begun", {"check": check})


def answer(ctx, check_id, index, text):
    """Answer item ``index`` (0-based, the next one) with 属实 (a confirming word) or a correction;
    the last answer finishes the self-check and tells the unit union."""
    policy.require(ctx.actor, Do.SELFCHECK, "季度自查")
    check = ctx.session.get(SelfCheck, check_id)
    if check is None or check.studio_id != ctx.actor.studio_id:
        raise Forbidden("这不是您工作室的自查。")
    if check.finished_at is not None:
        raise UserError("这次自查已经完成。发送「自查」可以查看或重新自查。")
    if index != len(check.answers) or index >= len(check.items):
        raise UserError("这一项已经回答过了。")
    text = (text or "").strip()
    if not text:
        raise UserError("请回复「属实」，或写明实际情况。")
    if len(text) > MAX_TEXT:
        raise UserError(f"说明不能超过 {MAX_TEXT} 字。")
    item = check.items[index]
    confirmed = text in CONFIRM_WORDS
    given = {"item": item["item"], "shown": item["shown"], "answer": "confirm" if confirmed else "correct",
             "text": "" if confirmed else text}
    check.answers = [*check.answers, given]
    _audit(ctx, "answer", check, after=given, detail=key_detail(given))
    if len(check.answers) < len(check.items):
        return Outcome("answered", {"check": check, "next": len(check.answers)})
    check.finished_at = ctx.clock.utcnow()
    corrections = [a for a in check.answers if a["answer"] == "correct"]
    _audit(ctx, "finish", check, after={"corrections": len(corrections)}, detail=quarter_name(check.quarter))
    told = _tell_union(ctx, check, corrections)
    return Outcome("finished", {"check": check, "corrections": corrections}, told=told)


def key_detail(given):
    return given["item"] + ("：属实" if given["answer"] == "confirm" else f"：{given['text']}")


def _tell_union(ctx, check, corrections):
    studio = check.studio
    lines = [f"【自查结果】「{studio.name}」已完成 {quarter_name(check.quarter)}自查："
             f"{len(check.answers)} 项中 {len(check.answers) - len(corrections)} 项确认属实"
             + (f"，{len(corrections)} 项更正：" if corrections else "。")]
    lines += [f"· {a['item']}：{a['text']}" for a in corrections]
    told = []
    for person in unit_unions(ctx.session, studio.unit_id):
        if ctx.tell(person, "\n".join(lines), key=f"selfcheck:done:{check.id}:{check.finished_at:%Y%m%d%H%M%S}:{person.id}",
                    notice="selfcheck"):
            told.append(person)
    return told


def answers(ctx, quarter=None):
    """The self-checks of ``quarter`` (default this one) in the actor's reach, and the named studios
    that have not finished theirs: Outcome with ``checks`` and ``missing``."""
    policy.require(ctx.actor, Do.SELFCHECK_READ, "自查结果")
    quarter = quarter or quarter_of(ctx.clock.today())
    scope = policy.studio_scope(ctx.actor)
    checks = ctx.session.scalars(select(SelfCheck).join(Studio, Studio.id == SelfCheck.studio_id)
                                 .where(SelfCheck.quarter == quarter, scope)
                                 .order_by(Studio.unit_id, Studio.name)).all()
    done = {c.studio_id for c in checks if c.finished_at is not None}
    visible = set(ctx.session.scalars(select(Studio.id).where(scope)))
    missing = [s for s in named_studios(ctx.session) if s.id in visible and s.id not in done]
    return Outcome("answers", {"quarter": quarter, "checks": checks, "missing": missing})


def of_studio(ctx, studio_id):
    """Every quarter's self-check of one studio, newest first (the console's studio page)."""
    policy.require(ctx.actor, Do.SELFCHECK_READ, "自查结果")
    studio = ctx.session.get(Studio, studio_id)
    if studio is None or not policy.may_read_studio(ctx.actor, studio):
        raise Forbidden("您无权查看这个工作室的自查。")
    return ctx.session.scalars(select(SelfCheck).where(SelfCheck.studio_id == studio_id)
                               .order_by(SelfCheck.quarter.desc())).all()
