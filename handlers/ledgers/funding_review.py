"""Doubtful expenses held for the unit union: the hold when saving, 待确认经费 / 经费确认 / 经费驳回.

A payment to people or a use outside the studio is refused outright (handlers/ledgers/funding_rule.py); an
expense the rule cannot decide (or would ask about) is saved marked 待单位工会确认 and counts nowhere until the
unit union confirms it; the unit union confirms or rejects it.
Both are audited in the ledger's audit trail (``LedgerAudit``).
"""
from sqlalchemy import select

from bot.errors import UserError
from bot.message import Outgoing
from handlers.ledgers import funding_rule, schema
from storage import ledgers
from storage.models import LedgerEntry, Person, PersonRole, Studio
from storage.outbox import push_to_person

UNION = ("union",)


def doubt(data):
    """Why an expense would be held ("" when it is booked); raises the rule for a refused one.

    An expense the rule would ask about (收款方 / 受益方, ``funding_rule.ASK``) is held for the unit union
    while the conversation does not ask: the reason says what is not known."""
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
        data["hold"], data["hold_reason"] = ledgers.HELD, reason
    return reason


def _unit_unions(session, studio):
    return session.scalars(select(Person).join(PersonRole).where(
        PersonRole.role == "union", Person.unit_id == studio.unit_id, Person.studio_id.is_distinct_from(studio.id))
        .order_by(Person.id)).all() if studio.unit_id else []


def hold_for_union(turn, studio, entry, reason):
    """Tell the unit union about a held expense; returns the line for the person who recorded it."""
    unions = _unit_unions(turn.session, studio)
    text = (f"【经费待确认】{studio.name}记了一笔支出（编号 {entry.id}）：{schema.describe('funding', entry.data)}。\n"
            f"{reason}。经费仅限用于设备购置、研究费用和成果推广，不得作为奖金津贴发放。\n"
            f"请核实后发送「经费确认 {entry.id}」，或「经费驳回 {entry.id} 理由」。")
    for person in unions:
        push_to_person(turn.session, person, Outgoing(text=text, buttons=[]),
                       dedupe_key=f"funding_hold:{entry.id}:{person.id}", notice="funding_hold")
    if not unions:
        return f"注意：{reason}。这笔支出已标注「待单位工会确认」，但所在单位还没有绑定单位工会人员，请联系管理员。"
    return f"注意：{reason}。这笔支出已标注「待单位工会确认」，已请所在单位工会核实。"


def _held_entry(turn, args):
    ref, _, reason = (args or "").strip().partition(" ")
    if not ref.isdigit():
        raise UserError("请写上台账编号，例如「经费确认 12」或「经费驳回 12 用途属于发放福利」。")
    entry = ledgers.get_entry(turn.session, int(ref))
    if entry is None or entry.ledger != "funding" or (entry.data or {}).get("hold") != ledgers.HELD:
        raise UserError(f"编号 {ref} 不是待确认的经费支出。发送「待确认经费」查看。")
    studio = turn.session.get(Studio, entry.studio_id)
    if studio.unit_id != turn.person.unit_id:
        raise UserError(f"编号 {ref} 属于其他单位的工作室，只能由其所在单位工会确认。")
    return entry, studio, reason.strip()


def _tell_studio(turn, studio, text, key):
    for person in turn.session.scalars(select(Person).where(Person.studio_id == studio.id)):
        if {"leader", "member"} & person.role_names:
            push_to_person(turn.session, person, Outgoing(text=text), dedupe_key=f"{key}:{person.id}",
                           notice="funding_hold")


def confirm(turn, args):
    """经费确认 N: the unit union confirms a held expense fits the rule."""
    entry, studio, _ = _held_entry(turn, args)
    data = dict(entry.data, hold="confirmed")
    ledgers.update_entry(turn.session, entry, data, entry.entry_date, turn.person.id)
    turn.reply(f"已确认编号 {entry.id} 的支出：{schema.describe('funding', data)}。")
    _tell_studio(turn, studio, f"所在单位工会已确认经费支出（编号 {entry.id}）：{schema.describe('funding', data)}。",
                 f"funding_ok:{entry.id}")


def reject(turn, args):
    """经费驳回 N 理由: the unit union rejects a held expense; the entry is deleted (kept in the audit)."""
    entry, studio, reason = _held_entry(turn, args)
    if not reason:
        raise UserError(f"请写明驳回理由，例如「经费驳回 {entry.id} 用途属于发放福利」。")
    ledgers.delete_entry(turn.session, entry, turn.person.id)
    turn.reply(f"已驳回编号 {entry.id} 的支出（理由：{reason}），该条已从经费台账删除，修改记录保留。")
    _tell_studio(turn, studio, f"所在单位工会驳回了经费支出（编号 {entry.id}）：{reason}。该条已从经费台账删除。"
                               "经费仅限用于设备购置、研究费用和成果推广，不得作为奖金津贴发放。",
                 f"funding_no:{entry.id}")


def pending_list(turn, args):
    """待确认经费: the held expenses of the unit union's studios."""
    rows = turn.session.execute(select(LedgerEntry, Studio).join(Studio, Studio.id == LedgerEntry.studio_id).where(
        LedgerEntry.ledger == "funding", LedgerEntry.deleted_at.is_(None), Studio.unit_id == turn.person.unit_id)
        .order_by(LedgerEntry.id)).all()
    held = [(e, s) for e, s in rows if not ledgers.counted(e.data)]
    if not held:
        turn.reply("目前没有待确认的经费支出。")
        return
    turn.reply("待确认的经费支出：\n" + "\n".join(
        f"编号 {e.id} {s.name}：{schema.describe('funding', e.data)}；{e.data.get('hold_reason', '')}" for e, s in held)
        + "\n发送「经费确认 编号」或「经费驳回 编号 理由」。")


def register(router):
    router.add_command("待确认经费", pending_list, roles=UNION, help="查看待单位工会确认的经费支出", preempt=True)
    router.add_command("经费确认", confirm, roles=UNION, help="确认一笔待确认的经费支出：经费确认 编号", preempt=True)
    router.add_command("经费驳回", reject, roles=UNION, help="驳回一笔待确认的经费支出：经费驳回 编号 理由", preempt=True)
