"""Replies against a slow API: 2000 replies queued for 400 members (5 each), delivered through the
fake WeCom API whose message/send takes 0.2 s, as item 8 of issue 18 measured it (one call at a
time gave 3.9 replies/s). Twice: plain texts (pending ones to a member go as one message), and
texts alternating with cards (never merged: concurrency alone)."""
import time

from bench.broadcast import bot_for
from bot.delivery import Delivery
from bot.message import Button, Outgoing
from storage.outbox import enqueue

MEMBERS, REPLIES, API_SECONDS = 400, 2000, 0.2


def run(work):
    return {"texts": _run(work, "texts", cards=False), "texts_and_cards": _run(work, "cards", cards=True)}


def _run(work, name, cards):
    from tests.fakes.wecom import FakeWeCom
    users = [f"member{i:03d}" for i in range(MEMBERS)]
    with FakeWeCom(users=set(users)) as fake:
        fake.fail_next("message/send", f"slow:{API_SECONDS}", times=REPLIES * 2)
        bot = bot_for(fake, work, f"replies-{name}")
        with bot.db.transaction() as s:
            for n in range(REPLIES):
                step = n // MEMBERS
                buttons = [Button("今天", f"form:answer:{n}")] if cards and step % 2 else []
                enqueue(s, "wecom", users[n % MEMBERS], Outgoing(text=f"✓ 第 {step + 1} 项：已记录", buttons=buttons))
        started = time.perf_counter()
        sent = Delivery(bot).drain_all(timeout=300)
        took = time.perf_counter() - started
        calls = len(fake.requests_to("message/send"))
        bot.db.dispose()
    return {"replies": sent, "calls": calls, "seconds": took, "replies_per_s": sent / took}
