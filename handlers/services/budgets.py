"""专项科研经费: a 立项's budget asked by the studio's leader, approved (or not) by its unit union, spending charged to it.

「专项科研经费由创新工作室根据技术攻关课题立项情况制定预算，经审批后在本单位科研经费中列支」: the budget is
kept on the 立项's entry of the achievement ledger (``budget``, ``budget_state``; the pure rules are
handlers/ledgers/research_budget.py); an expense charged to it names the 立项 (``project``) and is
checked against what is left of an approved budget when it is recorded (``charge_problem``). Such
an expense is paid from the unit's 科研经费: it never moves the studio's own balance
(storage/ledgers.py ``on_balance``). Every change is a ledger update, audited by the ledger store.
"""
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from bot.errors import UserError
from bot.forms.parsers import format_wan, parse_money_wan
from handlers import policy
from handlers.ledgers import research_budget, schema
from handlers.ledgers.funding_review import unit_unions
from handlers.policy import Do, Forbidden
from handlers.services.context import Outcome
from storage import ledgers
from storage.models import Person, Studio

STATE_NAMES = schema.BUDGET_STATES


def _project(session, entry_id):
    entry = ledgers.get_entry(session, entry_id)
    if entry is None or entry.ledger != "achievement" or (entry.data or {}).get("kind") != "立项":
        raise UserError(f"编号 {entry_id} 不是立项台账。发送「台账 成果」查看立项的编号。")
    return entry


def _spending(session, studio_id, but=None):
    return [e.data for e in ledgers.entries(session, studio_id, "funding") if e.id != but]


def standing(session, entry):
    """The budget of the 立项 ``entry`` against the counted spending charged to it."""
    return research_budget.standing(entry.id, entry.data, _spending(session, entry.studio_id))


def propose(ctx, entry_id, amount):
    """预算 N 金额: the leader asks for a budget of ``amount`` 万元 for the 立项 N; the unit union decides."""
    policy.require(ctx.actor, Do.BUDGET_PROPOSE, "申请专项科研经费预算")
    entry = _project(ctx.session, entry_id)
    if not policy.may_write_ledger(ctx.actor, entry.studio_id):
        raise Forbidden(f"编号 {entry.id} 的立项属于其他工作室。")
    now = standing(ctx.session, entry)
    if Decimal(str(amount)) < now.spent:
        raise UserError(f"预算不能少于已列支的 {format_wan(now.spent)} 万元。")
    data = research_budget.propose(entry.data, amount)
    before = ledgers.update_entry(ctx.session, entry, data, entry.entry_date, ctx.actor, detail="申请专项科研经费预算")
    studio = ctx.session.get(Studio, entry.studio_id)
    unions = unit_unions(ctx.session, studio)
    for person in unions:
        ctx.tell(person, f"【预算待审批】{studio.name}为立项「{data.get('title')}」（编号 {entry.id}）申请专项科研经费预算 "
                         f"{data['budget']} 万元（经审批后在本单位科研经费中列支）。\n"
                         f"请核实后发送「预算确认 {entry.id}」，或「预算驳回 {entry.id} 理由」。",
                 key=f"budget:{entry.id}:{data['budget']}:{person.id}", notice="funding_hold")
    return Outcome("proposed", {"entry": entry, "studio": studio, "budget": data["budget"],
                                "before": before.get("budget"), "unions": unions}, told=unions)


def decide(ctx, entry_id, approve, reason=""):
    """预算确认 N / 预算驳回 N 理由: the unit union approves (or not) a 立项's budget."""
    policy.require(ctx.actor, Do.BUDGET_APPROVE, "审批专项科研经费预算")
    entry = _project(ctx.session, entry_id)
    studio = ctx.session.get(Studio, entry.studio_id)
    if ctx.actor.unit_id is None or studio.unit_id != ctx.actor.unit_id:
        raise Forbidden(f"编号 {entry_id} 不是本单位工作室的立项，只能由其所在单位工会审批。")
    if (entry.data or {}).get("budget_state") != research_budget.PENDING:
        state = STATE_NAMES.get((entry.data or {}).get("budget_state"), "没有预算")
        raise UserError(f"编号 {entry_id} 的立项没有待审批的专项科研经费预算（{state}）。")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise UserError(f"请写明驳回理由，例如「预算驳回 {entry_id} 预算明细不清」。")
    data = research_budget.decide(entry.data, approve)
    word = "同意" if approve else f"不同意：{reason}"
    ledgers.update_entry(ctx.session, entry, data, entry.entry_date, ctx.actor, detail=f"单位工会审批预算（{word}）")
    text = (f"所在单位工会已批准立项「{data.get('title')}」（编号 {entry.id}）的专项科研经费预算 {data['budget']} 万元，"
            f"在本单位科研经费中列支。记支出时写「立项：{entry.id}」即计入该预算（不计入工作室经费余额）。") if approve else \
        (f"所在单位工会未批准立项「{data.get('title')}」（编号 {entry.id}）的专项科研经费预算 {data['budget']} 万元："
         f"{reason}。可修改后再次发送「预算 {entry.id} 金额」。")
    told = []
    for person in ctx.session.scalars(select(Person).where(Person.studio_id == studio.id).order_by(Person.id)):
        if policy.STUDIO_PEOPLE & person.role_names:
            ctx.tell(person, text, key=f"budget_decided:{entry.id}:{data['budget']}:{person.id}", notice="funding_hold")
            told.append(person)
    return Outcome("approved" if approve else "rejected", {"entry": entry, "studio": studio, "data": data,
                                                           "reason": reason}, told=told)


def charge_problem(session, studio_id, data, ref=None):
    """Why an expense cannot be charged to the 立项 it names ("" when it can, or names none)."""
    project_id = (data or {}).get("project")
    if not project_id:
        return ""
    entry = ledgers.get_entry(session, project_id)
    if entry is None or entry.studio_id != studio_id or entry.ledger != "achievement" or \
            (entry.data or {}).get("kind") != "立项":
        return f"编号 {project_id} 不是本工作室的立项"
    now = research_budget.standing(entry.id, entry.data, _spending(session, studio_id, but=ref))
    problem = research_budget.charge_problem(now, data.get("amount"))
    return f"立项「{entry.data.get('title')}」（编号 {entry.id}）{problem}" if problem else ""


def of_studio(session, studio_id):
    """[(立项 entry, Standing)] of the studio's 立项 that carry a budget."""
    spending = _spending(session, studio_id)
    return [(e, research_budget.standing(e.id, e.data, spending))
            for e in ledgers.entries(session, studio_id, "achievement")
            if e.data.get("kind") == "立项" and e.data.get("budget")]


def pending(ctx):
    """The budgets waiting for the actor's unit union."""
    policy.require(ctx.actor, Do.BUDGET_APPROVE, "待审批预算")
    studios = ctx.session.scalars(select(Studio).where(Studio.unit_id == ctx.actor.unit_id)).all() \
        if ctx.actor.unit_id else []
    return [(e, s) for s in studios for e in ledgers.entries(ctx.session, s.id, "achievement")
            if e.data.get("kind") == "立项" and e.data.get("budget_state") == research_budget.PENDING]


def parse_amount(text):
    """A budget in 万元 from what was typed (5万元, 20000元, 5)."""
    try:
        value = parse_money_wan(text)
    except (UserError, InvalidOperation):
        raise UserError("请写预算金额，例如「预算 12 5万元」。") from None
    if value <= 0:
        raise UserError("预算金额应大于 0，例如「预算 12 5万元」。")
    return value
