"""The funding balance rule: a spending above the current balance is noted, yet may be saved."""
from decimal import Decimal

from bot.forms.parsers import format_wan
from handlers.ledgers.access import own_studio
from storage import ledgers


def over_balance_note(turn, amount, ref=None):
    """The note for spending ``amount`` beyond the balance ("" within it); ``ref``: the entry being corrected."""
    balance = ledgers.balance(turn.session, own_studio(turn).id)
    if ref:
        entry = ledgers.get_entry(turn.session, ref)
        if entry is not None and entry.ledger == "funding" and ledgers.counted(entry.data):
            balance -= ledgers.signed_amount(entry)
    if Decimal(str(amount)) > balance:
        return f"注意：这笔支出超过当前经费余额（{format_wan(balance)} 万元），仍可保存，会标注为超出余额"
    return ""

