"""Stored records judged again, once, by the rules in force: expenses booked and 七有 verdicts shown before.

The rules of money (handlers/ledgers/funding_rule.py) and of 七有 (handlers/application/seven.py)
changed (#25): an expense booked under the older rules may now be one the unit union has to
confirm (or refuse), and a reviewer may have seen 「七有 7/7」 where the 意见 says 待核实. ``run``
judges every stored expense and every application before its reviewers again:

* an expense the rule now refuses, holds or asks about, and that counts (not held, not confirmed by
  the unit union), is held for the unit union with the reason (it counts nowhere until confirmed;
  a refused one is for the union to 经费驳回); one held that the rule now books counts again; one
  the unit union confirmed stays as the union decided;
* the 七有 of an application submitted and not yet decided for good (审批中, 退回修改, 审批通过) is
  kept as judged now (``flags["seven_judged"]``); every have that is not ✓ — or, when judged before
  by this job, every have that changed — is listed.

What changed is listed for each unit union, one message per person (the group union gets the studios
without a unit), once per version of the rules (``RULES``, a claim in the shared cache). Every
change is audited (ledger updates by the ledger store; ``records.rejudge`` once per run).
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from handlers import policy
from handlers.application import seven, seven_record
from handlers.application.schema import application_form
from handlers.ledgers import funding_rule, schema
from handlers.ledgers.funding_review import unit_unions
from handlers.notices.run import claim_once
from handlers.policy import Do
from handlers.review.steps import role_holders
from handlers.services.context import Outcome
from storage import applications, ledgers
from storage.models import Application, CacheEntry, LedgerEntry, Studio
from storage.statuses import AppStatus, Hold

RULES = "2026-issue25"      # the version of the rules: a new version is judged again once
CLAIM = f"rejudge:{RULES}"
SEVEN_FLAG = "seven_judged"
OPEN = (AppStatus.SUBMITTED, AppStatus.RETURNED, AppStatus.APPROVED)
DETAIL = "按现行规则重新判断"


@dataclass
class Change:
    studio: Studio
    kind: str               # expense | seven
    line: str
    apply: object = None    # fn() making the change (None: nothing to store)


@dataclass
class Plan:
    changes: list = field(default_factory=list)
    seven: list = field(default_factory=list)       # (app, verdicts) to keep

    def by_unit(self):
        units = {}
        for change in self.changes:
            units.setdefault(change.studio.unit_id, []).append(change)
        return units


def done(session):
    """Whether this version of the rules was already applied to the stored records."""
    return session.get(CacheEntry, f"notice-once:{CLAIM}"[:128]) is not None


# -- expenses -------------------------------------------------------------------------------------

def _expense(session, actor, entry, studio):
    data = dict(entry.data or {})
    hold = data.get("hold")
    if hold == Hold.CONFIRMED:
        return None                                  # the unit union decided
    verdict = funding_rule.verdict_of(data)
    described = f"编号 {entry.id} {schema.describe('funding', data)}"
    if verdict.kind == funding_rule.BOOKED:
        if hold != Hold.PENDING:
            return None
        new = {k: v for k, v in data.items() if k not in ("hold", "hold_reason")}
        return Change(studio, "expense", f"{described}：按现行规则可以列支，不再待确认，已计入余额",
                      lambda: ledgers.update_entry(session, entry, new, entry.entry_date, actor, detail=DETAIL))
    if hold == Hold.PENDING:
        return None                                  # already waiting for the unit union
    if verdict.kind == funding_rule.REFUSED:
        reason = f"按现行规则不能列支：{verdict.reason}"
    elif verdict.kind == funding_rule.ASK:
        reason = f"{verdict.reason}，需核实{verdict.ask}"
    else:
        reason = verdict.reason
    new = dict(data, hold=Hold.PENDING.value, hold_reason=reason)
    return Change(studio, "expense", f"{described}：已计入 → 待单位工会确认（{reason}）",
                  lambda: ledgers.update_entry(session, entry, new, entry.entry_date, actor, detail=DETAIL))


def _expenses(session, actor):
    rows = session.execute(select(LedgerEntry, Studio).join(Studio, Studio.id == LedgerEntry.studio_id).where(
        LedgerEntry.ledger == "funding", LedgerEntry.deleted_at.is_(None)).order_by(LedgerEntry.id)).all()
    found = []
    for entry, studio in rows:
        if (entry.data or {}).get("direction") == "支出":
            change = _expense(session, actor, entry, studio)
            if change is not None:
                found.append(change)
    return found


# -- 七有 -------------------------------------------------------------------------------------------

def _seven(session, config, app):
    values = application_form(app.year).complete_values(applications.load_answers(session, app.id))
    haves = seven_record.check(session, app, values, config)
    before = (app.flags or {}).get(SEVEN_FLAG) or {}
    judged = {h.name: h.status for h in haves}
    if before:
        listed = [h for h in haves if before.get(h.name) != h.status]
        lines = [f"{seven.MARK.get(before.get(h.name), '—')} → {h.line()}" for h in listed]
    else:                   # shown under the older rules: every have that is not ✓ now
        lines = [h.line() for h in haves if h.status != seven.MET]
    head = f"{app.year} 年申报（{seven.summary(haves)}）"
    return judged, [Change(app.studio, "seven", f"{head}：{line}") for line in lines]


def plan(ctx):
    """What judging the stored records again would change (nothing is written)."""
    session = ctx.session
    result = Plan(changes=_expenses(session, ctx.actor))
    apps = session.scalars(select(Application).where(Application.status.in_([s.value for s in OPEN]),
                                                     Application.submitted_at.is_not(None))
                           .order_by(Application.id)).all()
    for app in apps:
        judged, changes = _seven(session, ctx.config, app)
        result.seven.append((app, judged))
        result.changes += changes
    return result


# -- the run --------------------------------------------------------------------------------------

def run(ctx, *, dry_run=False):
    """Judge the stored records again (once per ``RULES``): ``already`` when done before, else
    ``rejudged`` (or ``planned`` with ``dry_run``, which writes nothing) with the ``changes``."""
    policy.require(ctx.actor, Do.REJUDGE, "重新判断")
    session = ctx.session
    if done(session):
        return Outcome("already", {"changes": [], "rules": RULES})
    result = plan(ctx)
    if dry_run:
        return Outcome("planned", {"changes": result.changes, "rules": RULES})
    if not claim_once(session, CLAIM):
        return Outcome("already", {"changes": [], "rules": RULES})
    for change in result.changes:
        if change.apply is not None:
            change.apply()
    for app, judged in result.seven:
        applications.set_flag(app, SEVEN_FLAG, judged)
    told = _tell(ctx, result)
    expenses = sum(c.kind == "expense" for c in result.changes)
    ctx.audit("records.rejudge", object_type="rules", object_id=RULES, detail=DETAIL,
              after={"expenses": expenses, "seven": len(result.changes) - expenses, "told": len(told)})
    return Outcome("rejudged", {"changes": result.changes, "rules": RULES}, told=told)


def _tell(ctx, result):
    """One message per unit union person listing that unit's changes (the group union: no unit)."""
    told = []
    for unit_id, changes in result.by_unit().items():
        studio = changes[0].studio
        people = unit_unions(ctx.session, studio) if unit_id else role_holders(ctx.session, "group")
        text = message(changes)
        for person in people:
            ctx.tell(person, text, key=f"{CLAIM}:{unit_id or 0}:{person.id}", notice="rejudge")
            told.append(person)
    return told


def message(changes):
    expenses = [c for c in changes if c.kind == "expense"]
    haves = [c for c in changes if c.kind == "seven"]
    lines = ["【按现行规则重新核对】经费使用和七有的判断规则已按《意见》更新，本单位已记录的经费支出和在审申报的七有已重新核对："]
    if expenses:
        lines.append(f"经费支出（{len(expenses)} 笔有变化）：")
        lines += [f"{n}. {c.studio.name} {c.line}" for n, c in enumerate(expenses, 1)]
        lines.append("待确认的支出确认前不计入余额、统计和附件2，请发送「待确认经费」逐笔核实（「经费确认 编号」或「经费驳回 编号 理由」）。")
    if haves:
        lines.append(f"七有（{len(haves)} 项需关注）：")
        lines += [f"{n}. {c.studio.name} {c.line}" for n, c in enumerate(haves, 1)]
        lines.append("审批时请按七有的核实要点查看证明材料。")
    return "\n".join(lines)
