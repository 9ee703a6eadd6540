"""The SQLite applier process: every worker's planned answers committed by one process, safely."""
import json
import os
import stat
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select

from bot import planned
from bot.message import Incoming
from storage import applications, applier_process
from storage.models import Application, Person
from tests.chat import Chat
from tests.procs import ROOT, Web, env_for

pytestmark = pytest.mark.usefixtures("may_2025")


@pytest.fixture
def running(bot, monkeypatch):
    """An applier for the test's database, as the web process starts one."""
    monkeypatch.delenv("BOT_APPLIER_SOCKET", raising=False)
    started = applier_process.start(bot.config)
    assert started is not None
    socket_path = os.environ["BOT_APPLIER_SOCKET"]
    yield started, socket_path
    applier_process.stop(started)


@pytest.fixture
def worker_bot(bot, make_bot, running):
    """A bot like a gunicorn worker's: same database, told where the applier listens."""
    return make_bot(url=bot.config.database_url, demo=False, applier_socket=running[1])


def outcomes_of(worker_bot):
    seen = []
    real = worker_bot.writer.applier.apply

    def spy(writes):
        seen.append(real(writes))
        return seen[-1]
    worker_bot.writer.applier.apply = spy
    return seen


def stored_answers(bot, user_name="王海"):
    with bot.db.session() as s:
        person = s.scalar(select(Person).where(Person.name == user_name))
        app = s.scalar(select(Application).where(Application.studio_id == person.studio_id))
        return applications.load_answers(s, app.id)


def test_planned_answers_are_committed_by_the_applier(worker_bot, bot):
    seen = outcomes_of(worker_bot)
    leader = Chat(worker_bot, "leader")
    leader.send("申报")
    assert leader.send("成员总数：15人").startswith("✓ 成员总数：15")
    assert leader.send("场所面积：２５平米").startswith("✓ 场所面积：25 平方米")
    assert seen == ["ok", "ok"]
    answers = stored_answers(bot)
    assert answers["basics.members"] == 15 and answers["basics.area"] == "25"


def test_a_bad_answer_through_the_applier_changes_nothing_but_the_inbox(worker_bot, bot):
    leader = Chat(worker_bot, "leader")
    leader.send("申报")
    leader.send("成员总数：15人")
    reply = leader.send("成员总数：abc")
    assert "成员总数" in reply and "✓" not in reply
    assert stored_answers(bot)["basics.members"] == 15


def test_a_plan_applied_twice_is_a_duplicate_and_a_plan_behind_the_state_is_stale(worker_bot):
    Chat(worker_bot, "leader").send("申报")
    first = planned.plan_turn(worker_bot, Incoming(channel="web", user="leader", text="成员总数：15人", message_id="m-1"))
    second = planned.plan_turn(worker_bot, Incoming(channel="web", user="leader", text="场所面积：30平米", message_id="m-2"))
    client = worker_bot.writer.applier
    assert client.apply(first.writes) == "ok"
    assert client.apply(first.writes) == "duplicate"       # the message id is claimed already
    assert client.apply(second.writes) == "stale"          # planned against the state before `first`
    again = planned.plan_turn(worker_bot, Incoming(channel="web", user="leader", text="场所面积：30平米", message_id="m-2"))
    assert client.apply(again.writes) == "ok"


def test_without_the_applier_workers_apply_their_own_answers(worker_bot, bot, running):
    seen = outcomes_of(worker_bot)
    leader = Chat(worker_bot, "leader")
    leader.send("申报")
    assert leader.send("成员总数：15人").startswith("✓ 成员总数：15")
    running[0].process.kill()                          # the applier dies
    running[0].process.wait(10)
    assert leader.send("场所面积：30平米").startswith("✓ 场所面积：30 平方米")
    assert leader.send("命名日期：2019年5月1日").startswith("✓ 命名日期")
    assert seen[0] == "ok" and seen[1] is None          # refused once, then not tried for a while
    answers = stored_answers(bot)
    assert answers["basics.members"] == 15 and answers["basics.area"] == "30"


def test_the_socket_is_private_to_this_user(running):
    socket_path = running[1]
    assert stat.S_IMODE(os.stat(os.path.dirname(socket_path)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(socket_path).st_mode) == 0o600


def test_the_applier_ends_when_the_process_that_started_it_is_gone(bot, tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    socket_path = str(tmp_path / "a.sock")
    db_path = bot.db.sqlite_path
    applier = subprocess.Popen([sys.executable, "-m", "storage.applier", db_path, socket_path,
                                bot.db.lock_path], cwd=ROOT,
                               env=dict(os.environ, BOT_APPLIER_PARENT=str(parent.pid)))
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(socket_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert applier.poll() is None
        parent.kill()
        parent.wait(10)
        assert applier.wait(10) == 0
        assert not os.path.exists(socket_path)
    finally:
        for proc in (parent, applier):
            if proc.poll() is None:
                proc.kill()


def test_the_web_process_starts_one_applier_and_stops_it(bot, tmp_path):
    web = Web(env_for(bot.config), tmp_path / "web.log").start()
    try:
        children = subprocess.run(["pgrep", "-P", str(web.proc.pid), "-f", "storage.applier"],
                                  capture_output=True, text=True).stdout.split()
        assert len(children) == 1
        for text in ("申报", "成员总数：15人"):
            request = urllib.request.Request(web.url + "/try/api/messages", method="POST",
                                             data=json.dumps({"user": "leader", "text": text}).encode(),
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                replies = json.loads(response.read())["replies"]
        assert replies[0]["text"].startswith("✓ 成员总数：15")
    finally:
        web.stop()
    assert subprocess.run(["ps", "-p", children[0]], capture_output=True).returncode != 0
    assert stored_answers(bot)["basics.members"] == 15


def test_a_plan_the_applier_cannot_apply_is_handed_back_and_it_goes_on(worker_bot, running):
    Chat(worker_bot, "leader").send("申报")
    client = worker_bot.writer.applier
    assert client.apply([("INSERT INTO no_such_table VALUES (1)", (), None)]) is None   # apply it yourself
    assert client.apply([("SELECT 1", ("too", "many"), None)]) is None
    plan = planned.plan_turn(worker_bot, Incoming(channel="web", user="leader", text="成员总数：15人",
                                                  message_id="m-3"))
    assert client.apply(plan.writes) == "ok" and running[0].process.poll() is None
