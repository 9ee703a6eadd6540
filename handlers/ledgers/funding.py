"""The funding balance rule: a spending above the current balance is noted, yet may be saved."""
from decimal import Decimal

from bot.forms.parsers import format_wan
from storage import ledgers


def balance_before(session, studio_id, ref=None):
    """The balance an expense is measured against; ``ref``: the entry being corrected (its own amount back)."""
    balance = ledgers.balance(session, studio_id)
    if ref:
        entry = ledgers.get_entry(session, ref)
        if entry is not None and entry.ledger == "funding" and ledgers.on_balance(entry.data):
            balance -= ledgers.signed_amount(entry)
    return balance


def over_balance(session, studio_id, amount, ref=None):
    return Decimal(str(amount)) > balance_before(session, studio_id, ref)


def over_balance_note(session, studio_id, amount, ref=None):
    """The note for spending ``amount`` beyond the balance ("" within it)."""
    balance = balance_before(session, studio_id, ref)
    if Decimal(str(amount)) > balance:
        return f"注意：这笔支出超过当前经费余额（{format_wan(balance)} 万元），仍可保存，会标注为超出余额"
    return ""
