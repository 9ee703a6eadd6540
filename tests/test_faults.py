"""Crashes: kill -9 of the web and of the worker at random moments, then a restart.
No accepted answer is lost; no notice is delivered twice."""
import http.client
import random
import threading
import time
import urllib.error
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.message import Outgoing
from storage.clock import Clock
from storage.outbox import enqueue
from handlers.application.current import application_year
from handlers.application.schema import application_form
from storage import applications
from storage.models import Application, OutboxMessage, Person, WebMessage
from storage.people import bind, get_studio, get_unit, upsert_person
from tests.form_data import SCALARS
from tests.procs import Web, Worker, env_for, post_json

pytestmark = pytest.mark.fault


def make_leaders(bot, n):
    with bot.db.transaction() as s:
        unit = get_unit(s, "故障测试单位")
        for i in range(n):
            person = upsert_person(s, f"测试{i}", unit, ["leader"])
            person.studio_id = get_studio(s, f"故障测试工作室{i}", unit, person).id
            bind(s, person, "web", f"f{i}")
    return [f"f{i}" for i in range(n)]


def test_kill_web_mid_conversation_loses_no_accepted_answer(bot, tmp_path):
    users = make_leaders(bot, 6)
    web = Web(env_for(bot.config), tmp_path / "web.log").start()
    accepted = {u: {} for u in users}         # user -> {key: value} acknowledged with ✓
    year = application_year(bot.config, Clock().today())       # the web process runs on the real clock
    form = application_form(year)
    answers = [(label.replace("2023年", f"{year - 2}年").replace("2024年", f"{year - 1}年"), typed, stored)
               for label, typed, stored in SCALARS]
    # the 填报日期 lies within that year's cycle (a 2025 date on a later form is refused when answered)
    answers = [(label, "今天", Clock().today().strftime("%Y%m%d")) if label == "填报日期" else (label, typed, stored)
               for label, typed, stored in answers]
    stop = threading.Event()

    def leader(user):
        queue = [("申报", None)] + [(f"{label}：{typed}", (label, stored)) for label, typed, stored in answers]
        while queue and not stop.is_set():
            text, expect = queue[0]
            try:
                reply = post_json(web.url + "/try/api/messages", {"user": user, "text": text}, timeout=5)
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError):
                time.sleep(0.05)              # the web is down or restarting: try again later
                continue
            if expect and any("✓" in r["text"] for r in reply["replies"]):
                accepted[user][form.lookup(expect[0])[0].key] = expect[1]
            queue.pop(0)

    threads = [threading.Thread(target=leader, args=(u,)) for u in users]
    for t in threads:
        t.start()
    finished = []
    try:
        for _ in range(2):
            time.sleep(random.uniform(0.5, 1.5))
            web.kill9()
            web.start()
        for t in threads:
            t.join(120)
            finished.append(not t.is_alive())
    finally:
        stop.set()
        web.stop()
    assert all(finished)
    # every leader got through the whole form despite the crashes
    assert all(len(v) == len(SCALARS) for v in accepted.values()), {u: len(v) for u, v in accepted.items()}
    with bot.db.session() as s:
        for i, user in enumerate(users):
            person = s.scalar(select(Person).where(Person.name == f"测试{i}"))
            app = s.scalar(select(Application).where(Application.studio_id == person.studio_id))
            stored = applications.load_answers(s, app.id)
            for key, value in accepted[user].items():
                assert stored.get(key) == value, (user, key)


def test_kill_worker_mid_broadcast_sends_each_notice_once(bot, tmp_path):
    users = make_leaders(bot, 50)
    with bot.db.transaction() as s:
        for n in range(40):
            for user in users:
                enqueue(s, "web", user, Outgoing(text=f"通知 {n}"), dedupe_key=f"bench:{n}:{user}",
                        batch_key=f"bench:{n}", notice="test")
        for user in users:      # a second enqueue of the same pairs writes nothing
            enqueue(s, "web", user, Outgoing(text="通知 0"), dedupe_key=f"bench:0:{user}", notice="test")
    total = 40 * len(users)
    env = env_for(bot.config)
    for _ in range(3):
        worker = Worker(env, tmp_path / "worker.log").start()
        time.sleep(random.uniform(1.0, 2.5))
        worker.kill9()
    # the killed worker's lease must expire before another takes over
    from tests.support.clock import clock
    from storage.models import Lease
    with bot.db.transaction() as s:
        for lease in s.scalars(select(Lease)):
            lease.expires_at = clock.utcnow() - timedelta(seconds=1)
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.status == "sending")):
            row.next_attempt_at = clock.utcnow()       # claims of the dead worker, due now
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            with bot.db.session() as s:
                left = s.scalar(select(func.count()).select_from(OutboxMessage)
                                .where(OutboxMessage.status != "sent"))
            if not left:
                break
            time.sleep(0.3)
    finally:
        worker.stop()
    with bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == total
        assert s.scalar(select(func.count()).select_from(WebMessage)) == total
        per_user = s.execute(select(WebMessage.user_id, func.count()).group_by(WebMessage.user_id)).all()
        assert {n for _, n in per_user} == {40}
