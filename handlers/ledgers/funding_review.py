"""Doubtful expenses held for the unit union: whether an expense is refused or held, and telling the unit union.

A payment to people or a use outside the studio is refused outright (handlers/ledgers/funding_rule.py); an
expense the rule cannot decide (or would ask about) is saved marked 待单位工会确认 and counts nowhere until the
unit union confirms it (handlers/services/ledgers.py: confirm_held, refuse_held; both audited).
"""
from sqlalchemy import select

from bot.errors import UserError
from handlers.ledgers import funding_rule, schema
from storage.models import Person, PersonRole
from storage.statuses import Hold


def doubt(data):
    """Why an expense would be held ("" when it is booked); raises the rule for a refused one.

    An expense the rule asks about (收款方 / 受益方, ``funding_rule.ASK``) is asked in the confirmation
    (handlers/ledgers/entry.py); when the leader does not know, it is held for the unit union and the
    reason says what is not known."""
    verdict = funding_rule.verdict_of(data)
    if verdict.kind == funding_rule.REFUSED:
        raise UserError(schema.FUNDING_RULE + "\n" + verdict.reason)
    if verdict.kind == funding_rule.ASK:
        return f"{verdict.reason}，需核实{verdict.ask}"
    return verdict.reason if verdict.kind == funding_rule.HELD else ""


def check(data):
    """Before saving an expense: refuse it, or mark it held (returns the reason), or pass ("")."""
    reason = doubt(data)
    if reason:
        data["hold"], data["hold_reason"] = Hold.PENDING.value, reason
    return reason


def unit_unions(session, studio):
    return session.scalars(select(Person).join(PersonRole).where(
        PersonRole.role == "union", Person.unit_id == studio.unit_id, Person.studio_id.is_distinct_from(studio.id))
        .order_by(Person.id)).all() if studio.unit_id else []


def hold_for_union(ctx, studio, entry, reason):
    """Tell the unit union about a held expense (service context ``ctx``); returns the people told."""
    unions = unit_unions(ctx.session, studio)
    text = (f"【经费待确认】{studio.name}记了一笔支出（编号 {entry.id}）：{schema.describe('funding', entry.data)}。\n"
            f"{reason}。经费仅限用于设备购置、研究费用和成果推广，不得作为奖金津贴发放。\n"
            f"请核实后发送「经费确认 {entry.id}」，或「经费驳回 {entry.id} 理由」。")
    for person in unions:
        ctx.tell(person, text, key=f"funding_hold:{entry.id}:{person.id}", notice="funding_hold")
    return unions
