"""专项科研经费 of a 立项: its budget, the unit's approval, and the spending charged against it (data only).

「专项科研经费由创新工作室根据技术攻关课题立项情况制定预算，经审批后在本单位科研经费中列支」: a 立项 entry of the
achievement ledger may carry ``budget`` (万元, as the ledger writes money) and ``budget_state``
(handlers/ledgers/schema.py ``BUDGET_STATES``: pending → approved | rejected); an expense charged to it
names the 立项's entry id as ``project``. These are pure functions over entries' data; asking for a
budget, the unit's approval and checking a charge are the budget service's (handlers/services/budgets.py).
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.forms.parsers import format_wan
from handlers.ledgers import funding_rule

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def _wan(value):
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def propose(project, amount):
    """The 立项's data with a budget of ``amount`` 万元 waiting for the unit's approval."""
    value = _wan(amount)
    if value is None or value <= 0:
        raise ValueError("a budget is a positive amount of 万元")
    return dict(project, budget=format_wan(value), budget_state=PENDING)


def decide(project, approve):
    """The 立项's data with its budget approved (``approve``) or not."""
    if _wan(project.get("budget")) is None:
        raise ValueError("the 立项 has no budget to decide")
    return dict(project, budget_state=APPROVED if approve else REJECTED)


@dataclass(frozen=True)
class Standing:
    budget: Decimal         # 0 when the 立项 has none
    state: str              # "" (no budget), pending, approved, rejected
    spent: Decimal          # counted expenses charged to the 立项

    @property
    def left(self):
        return self.budget - self.spent

    @property
    def over(self):
        return self.spent > self.budget


def standing(project_id, project, expenses):
    """Budget against spending of the 立项 ``project_id`` (its data ``project``); ``expenses``: the
    data of the studio's funding entries (only counted expenses naming the 立项 are summed)."""
    spent = sum((_wan(e.get("amount")) or Decimal(0) for e in expenses
                 if e.get("project") == project_id and funding_rule.counts_as_spent(e)), Decimal(0))
    budget = _wan(project.get("budget"))
    return Standing(budget or Decimal(0), project.get("budget_state") or (PENDING if budget else ""), spent)


def charge_problem(standing_now, amount):
    """Why ``amount`` 万元 cannot be charged to the 立项 ("" when it can): no budget, a budget not
    approved, or more than is left."""
    if standing_now.state == "":
        return "该立项没有专项科研经费预算"
    if standing_now.state == PENDING:
        return "该立项的专项科研经费预算尚未经所在单位审批"
    if standing_now.state == REJECTED:
        return "该立项的专项科研经费预算未获批准"
    value = _wan(amount) or Decimal(0)
    if value > standing_now.left:
        return (f"超出预算：预算 {format_wan(standing_now.budget)} 万元，已支出 {format_wan(standing_now.spent)} 万元，"
                f"尚余 {format_wan(standing_now.left)} 万元")
    return ""
