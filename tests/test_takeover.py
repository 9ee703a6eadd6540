"""After a worker dies, a waiting one takes the lease over within seconds (not 15 + 30 s), and
the dead worker's claimed rows are delivered by it: kill -9 of a worker in the middle of sends."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.clock import clock
from storage.lease import DatabaseLease
from storage.outbox import enqueue
from bot.message import Outgoing
from storage.models import OutboxMessage
from tests.procs import Worker, env_for
from tests.support.wecom import fake, make_wecom_bot  # noqa: F401


def test_the_lease_of_a_dead_worker_is_taken_over_within_seconds(bot):
    dead, waiting = DatabaseLease(bot.db), DatabaseLease(bot.db)
    assert dead.acquire() and not waiting.acquire()
    clock.advance(timedelta(seconds=dead.ttl - 1))
    assert not waiting.acquire()
    clock.advance(timedelta(seconds=2))                        # ttl + 1 s after its last renewal, not 15 s
    assert dead.ttl <= 10 and waiting.acquire()
    assert not dead.acquire()


def _statuses(bot):
    with bot.db.session() as s:
        return dict(s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


@pytest.mark.fault
def test_a_killed_workers_claimed_replies_go_out_within_seconds(make_wecom_bot, fake, tmp_path):
    from tests.support.wecom import AES_KEY, AGENT, CORP, SECRET, TOKEN, USER
    bot = make_wecom_bot()
    fake.fail_next("message/send", "slow:15", times=2)       # the first sends hang: the worker dies meanwhile
    with bot.db.transaction() as s:
        enqueue(s, "wecom", USER, Outgoing(text="一"))
        enqueue(s, "wecom", "sunli", Outgoing(text="二"))
    env = env_for(bot.config, WECOM_CORP_ID=CORP, WECOM_AGENT_ID=AGENT, WECOM_SECRET=SECRET, WECOM_TOKEN=TOKEN,
                  WECOM_AES_KEY=AES_KEY, WECOM_API_BASE=fake.base_url)
    first = Worker(env, tmp_path / "first.log").start()
    second = None
    try:
        deadline = time.monotonic() + 60
        while _statuses(bot).get("sending") != 2:               # both claimed, their sends hanging
            assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            time.sleep(0.1)
        time.sleep(2)                                           # their calls under way (the fake sleeps)
        first.kill9()
        killed = time.monotonic()
        second = Worker(env, tmp_path / "second.log").start()  # waiting for the lease, as a standby would
        while _statuses(bot).get("sent") != 2:
            assert time.monotonic() - killed < 60, (tmp_path / "second.log").read_text()
            time.sleep(0.1)
        took = time.monotonic() - killed
    finally:
        first.stop()
        if second is not None:
            second.stop()
    # the lease (8 s) and the claims (10 s) lapse together: seconds, not 15 + 30
    assert took < 20, took
