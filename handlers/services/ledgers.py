"""Ledger operations: record or correct an entry, delete one, and the unit union's 确认 / 不认可 of a held expense.

Leaders and members write their own studio's ledgers. An expense is judged by the funding rule
when it is recorded (handlers/ledgers/funding_review.py): refused (nothing is stored), held for
the unit union (stored, counted nowhere until confirmed) or booked; one charged to a 立项's
专项科研经费 must fit what is left of its approved budget (handlers/services/budgets.py). Every change is audited by
the ledger store (``ledger.create`` / ``ledger.update`` / ``ledger.delete``).
"""
from sqlalchemy import select

from bot.errors import UserError
from handlers import policy
from handlers.ledgers import funding_review, schema
from handlers.ledgers.funding import over_balance
from handlers.policy import Do, Forbidden
from handlers.services import budgets
from handlers.services.context import Outcome
from storage import ledgers
from storage.models import LedgerEntry, Person, Studio
from storage.statuses import Hold


def _writable_studio(ctx, studio_id):
    policy.require(ctx.actor, Do.LEDGER_WRITE, "记台账")
    studio = ctx.session.get(Studio, studio_id) if studio_id else None
    if studio is None:
        raise UserError("您还没有关联到任何工作室，暂不能记录台账。请联系管理员绑定工作室。")
    if not policy.may_write_ledger(ctx.actor, studio.id):
        raise Forbidden("您只能记录本工作室的台账。")
    return studio


def _writable_entry(ctx, entry_id):
    policy.require(ctx.actor, Do.LEDGER_WRITE, "修改台账")
    entry = ledgers.get_entry(ctx.session, entry_id)
    if entry is None:
        raise UserError(f"没有找到编号为 {entry_id} 的台账（可能已删除）。发送「台账」可以查看编号。")
    if not policy.may_write_ledger(ctx.actor, entry.studio_id):
        raise Forbidden(f"编号 {entry.id} 的台账属于其他工作室，您只能修改本工作室的台账。")
    return entry


def record(ctx, studio_id, ledger, answers, *, file_ids=(), ref=None):
    """Create (or, with ``ref``, correct) an entry from confirmed answers and attach files.

    Outcome ``created`` / ``updated`` with ``entry``, ``hold`` (the reason an expense waits for the
    unit union, or ""), ``diff`` (for a correction) and ``balance`` (funding)."""
    studio = _writable_studio(ctx, studio_id)
    session = ctx.session
    data = schema.clean(ledger, answers)
    missing = schema.missing(ledger, data)
    if missing:
        raise UserError(f"这条台账还缺少：{'、'.join(missing)}，暂不能保存。")
    hold = ""
    if ledger == "funding" and data.get("direction") != "支出":
        data.pop("project", None)                   # only an expense is charged to a 立项's budget
    if ledger == "funding" and data.get("direction") == "支出":
        hold = funding_review.check(data)            # refuses a payment to people; holds a doubtful use
        problem = budgets.charge_problem(session, studio.id, data, ref)
        if problem:
            raise UserError(f"不能计入专项科研经费：{problem}。")
        if not data.get("project") and over_balance(session, studio.id, data["amount"], ref):
            data["over_balance"] = True
    on_date = schema.entry_date(ledger, data)
    if ref:
        entry = _writable_entry(ctx, ref)
        keep = {k: v for k, v in (entry.data or {}).items()
                if k not in schema.form_keys(ledger) and k not in ("over_balance", "hold", "hold_reason")}
        data = {**keep, **data}
        before = ledgers.update_entry(session, entry, data, on_date, ctx.actor)
        what, diff = "updated", schema.changes(ledger, before, data)
    else:
        entry = ledgers.add_entry(session, studio.id, ledger, data, on_date, ctx.actor)
        what, diff = "created", []
    told = funding_review.hold_for_union(ctx, studio, entry, hold) if hold else []
    for file_id in file_ids:
        ledgers.attach(session, entry.id, file_id, ctx.actor.person_id)
    balance = ledgers.balance(session, studio.id) if ledger == "funding" else None
    return Outcome(what, {"entry": entry, "studio": studio, "ledger": ledger, "data": data, "hold": hold,
                          "unions": told, "diff": diff, "files": len(file_ids), "balance": balance}, told=told)


def attach(ctx, entry_id, file_ids):
    """Files (proofs) attached to an existing entry of the actor's studio."""
    entry = _writable_entry(ctx, entry_id)
    for file_id in file_ids:
        ledgers.attach(ctx.session, entry.id, file_id, ctx.actor.person_id)
    ctx.audit("ledger.attach", object_type="ledger_entry", object_id=entry.id, studio_id=entry.studio_id,
              after={"files": list(file_ids)})
    return Outcome("attached", {"entry": entry, "files": len(file_ids)})


def delete(ctx, entry_id):
    entry = _writable_entry(ctx, entry_id)
    ledgers.delete_entry(ctx.session, entry, ctx.actor)
    balance = ledgers.balance(ctx.session, entry.studio_id) if entry.ledger == "funding" else None
    return Outcome("deleted", {"entry": entry, "balance": balance})


# -- held expenses: the unit union's side -----------------------------------------------------------

def _held(ctx, entry_id):
    policy.require(ctx.actor, Do.FUNDING_CONFIRM, "经费确认")
    entry = ledgers.get_entry(ctx.session, entry_id)
    if entry is None or entry.ledger != "funding" or (entry.data or {}).get("hold") != Hold.PENDING:
        raise UserError(f"编号 {entry_id} 不是待确认的经费支出。发送「待确认经费」查看。")
    studio = ctx.session.get(Studio, entry.studio_id)
    if ctx.actor.unit_id is None or studio.unit_id != ctx.actor.unit_id:
        raise Forbidden(f"编号 {entry_id} 不是本单位工作室的支出，只能由其所在单位工会确认。")
    return entry, studio


def _tell_studio(ctx, studio, text, key):
    told = []
    for person in ctx.session.scalars(select(Person).where(Person.studio_id == studio.id)):
        if policy.STUDIO_PEOPLE & person.role_names:
            ctx.tell(person, text, key=f"{key}:{person.id}", notice="funding_hold")
            told.append(person)
    return told


def confirm_held(ctx, entry_id):
    """经费确认: the unit union confirms a held expense fits the rule; it counts from now on."""
    entry, studio = _held(ctx, entry_id)
    data = dict(entry.data, hold=Hold.CONFIRMED)
    ledgers.update_entry(ctx.session, entry, data, entry.entry_date, ctx.actor, detail="单位工会确认")
    told = _tell_studio(ctx, studio, f"所在单位工会已确认经费支出（编号 {entry.id}）："
                                     f"{schema.describe('funding', data)}。", f"funding_ok:{entry.id}")
    return Outcome("confirmed", {"entry": entry, "studio": studio, "data": data}, told=told)


def refuse_held(ctx, entry_id, reason):
    """经费驳回: the unit union refuses a held expense; the entry is deleted (kept in the audit)."""
    entry, studio = _held(ctx, entry_id)
    reason = (reason or "").strip()
    if not reason:
        raise UserError(f"请写明驳回理由，例如「经费驳回 {entry.id} 用途属于发放福利」。")
    ledgers.delete_entry(ctx.session, entry, ctx.actor, detail=f"单位工会驳回：{reason}")
    told = _tell_studio(ctx, studio, f"所在单位工会驳回了经费支出（编号 {entry.id}）：{reason}。该条已从经费台账删除。"
                                     "经费仅限用于设备购置、研究费用和成果推广，不得作为奖金津贴发放。",
                        f"funding_no:{entry.id}")
    return Outcome("refused", {"entry": entry, "studio": studio, "reason": reason}, told=told)


def held(ctx):
    """The held expenses of the actor's unit (the unit union's list)."""
    policy.require(ctx.actor, Do.FUNDING_CONFIRM, "待确认经费")
    rows = ctx.session.execute(select(LedgerEntry, Studio).join(Studio, Studio.id == LedgerEntry.studio_id).where(
        LedgerEntry.ledger == "funding", LedgerEntry.deleted_at.is_(None), Studio.unit_id == ctx.actor.unit_id)
        .order_by(LedgerEntry.id)).all()
    return [(e, s) for e, s in rows if (e.data or {}).get("hold") == Hold.PENDING]
