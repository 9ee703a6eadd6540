"""A malformed button action gets a clear Chinese answer, no traceback, and changes nothing."""
import logging

import pytest
from sqlalchemy import func, select

from storage.models import LedgerEntry
from tests.support.ledgers import seed


@pytest.mark.parametrize("action", ["ledger_delete:delete:abc", "ledger_delete:delete:",
                                    "ledger_delete:delete:99999999999999999999", "ledger_delete:delete:１２",
                                    "ledger_delete:delete:¹", "ledger:delete:1", "ledger:confirm"])
def test_a_malformed_ledger_delete_is_answered_and_deletes_nothing(bot, chat, client, caplog, action):
    seed(chat)
    with bot.db.session() as session:
        before = session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.deleted_at.is_(None)))
    caplog.set_level(logging.INFO)
    reply = client.post("/try/api/messages", json={"user": "leader", "action": action}).get_json()
    [answer] = [r["text"] for r in reply["replies"]]
    assert answer.startswith("这个按钮已失效，没有做任何改动")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with bot.db.session() as session:
        after = session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.deleted_at.is_(None)))
    assert after == before > 0
