"""Group commit: turns waiting together share one commit, and a failing writer never strands a request."""
import threading

import pytest
from sqlalchemy import event, func, select

from bot import turns
from storage.models import InboxEntry
from tests.chat import Chat, incoming


pytestmark = pytest.mark.usefixtures("may_2025")


def test_turns_waiting_together_are_committed_together(bot):
    commits = []
    event.listen(bot.db.engine, "commit", lambda conn: commits.append(1))
    users = [f"visitor{i}" for i in range(6)]
    bot.db._write_lock.acquire()                 # hold the writer at its first group
    threads = [threading.Thread(target=bot.handle, args=(incoming("我是谁", user),)) for user in users]
    for t in threads:
        t.start()
    waited = 0
    while bot.writer._queue.qsize() < len(users) - 1 and waited < 300:
        threading.Event().wait(0.01)             # the first in the writer, the rest queued behind it
        waited += 1
    bot.db._write_lock.release()
    for t in threads:
        t.join(30)
    assert 1 <= len(commits) <= 2                # whatever the writer took first, then all the others
    with bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(InboxEntry)) == len(users)


def test_a_failing_writer_answers_the_waiting_request_and_goes_on(bot, monkeypatch):
    leader = Chat(bot, "leader")
    leader.send("申报")
    real = turns.log_turn

    def broken(*args):
        raise RuntimeError("log is broken")
    monkeypatch.setattr(turns, "log_turn", broken)
    result = {}

    def send():
        try:
            bot.handle(incoming("成员总数：12人"))
        except RuntimeError as exc:
            result["error"] = str(exc)
    t = threading.Thread(target=send)
    t.start()
    t.join(30)
    assert not t.is_alive() and result == {"error": "log is broken"}
    monkeypatch.setattr(turns, "log_turn", real)
    assert leader.send("场所面积：30平米").startswith("✓ 场所面积：30 平方米")     # the writer still runs
