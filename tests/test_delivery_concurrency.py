"""Delivery serves different recipients at once and keeps one recipient's messages in order."""
import threading
import time

from bot.delivery import Delivery
from bot.message import Outgoing
from storage.outbox import enqueue


class SlowChannel:
    """A channel whose API takes 0.2 s a call, recording who was served when."""
    name = "slow"
    max_batch = 1
    accepts_once = False
    pausing_codes = frozenset()
    per_app_per_minute = None
    merges_texts = False

    def __init__(self):
        self.calls, self.lock, self.active, self.most = [], threading.Lock(), 0, 0

    def limit_per_minute(self, recipient):
        return None

    def api_messages(self, recipient, payload):
        return 1

    def push(self, recipients, payload):
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.2)
        with self.lock:
            self.active -= 1
            self.calls.append((recipients[0], payload["text"]))


def test_replies_to_different_people_go_out_together_and_each_persons_in_order(bot):
    slow = bot.channels["slow"] = SlowChannel()
    with bot.db.transaction() as session:
        for n in range(3):
            for user in ("a", "b", "c", "d"):
                enqueue(session, "slow", user, Outgoing(text=f"{user}{n}"))
    assert Delivery(bot).drain() == 12
    assert slow.most == 4                           # four recipients served at once
    for user in ("a", "b", "c", "d"):
        assert [text for who, text in slow.calls if who == user] == [f"{user}0", f"{user}1", f"{user}2"]
