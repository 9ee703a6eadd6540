"""Storage on SQLite and PostgreSQL alike: migrations, the inbox guard, state versions, the outbox."""
import threading

import pytest
from sqlalchemy import func, select, text

from bot import demo
from bot.delivery import Delivery
from storage import audit
from storage.actor import Actor
from storage.lease import DatabaseLease
from bot.message import Incoming, Outgoing
from storage.outbox import enqueue
from storage.conversations import StaleState, load as load_conversation, save as save_conversation
from storage.models import Account, Conversation, InboxEntry, OutboxMessage, Person


def test_demo_loads_once(any_bot):
    with any_bot.db.transaction() as s:
        demo.load(s)        # the fixture loaded it already: a second load changes nothing
    with any_bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 10          # the seven try-out roles and three experts
        assert s.scalar(select(func.count()).select_from(Account)) == 10


def test_state_survives_a_new_process_and_is_saved_once_per_turn(any_bot, tmp_path):
    any_bot.router.add_command("记住", lambda t, a: (t.state.__setitem__("note", a), t.reply("记住了")))
    any_bot.handle(Incoming(channel="web", user="leader", text="记住 二〇一八", message_id="1"))
    from bot.core import Bot
    fresh = Bot(any_bot.config)            # as after a restart
    with fresh.db.session() as s:
        conv = s.scalar(select(Conversation).where(Conversation.user_id == "leader"))
        assert conv.state == {"note": "二〇一八", "stack": []} and conv.version == 1
    fresh.db.dispose()


def test_concurrent_duplicates_have_one_effect(any_bot):
    calls = []
    lock = threading.Lock()

    def count(turn, args):
        with lock:
            calls.append(1)
        turn.reply("好")
    any_bot.router.add_command("计数", count)
    results = []

    def deliver():
        results.append(any_bot.handle(Incoming(channel="web", user="leader", text="计数",
                                               message_id="same-id")))
    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert sum(r is not None for r in results) == 1
    with any_bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(InboxEntry)) == 1


def test_stale_state_is_detected(any_bot):
    with any_bot.db.transaction() as s:
        conv = load_conversation(s, "web", "x")
    with any_bot.db.transaction() as s:
        save_conversation(s, conv, {"a": 1})
    with pytest.raises(StaleState):
        with any_bot.db.transaction() as s:
            save_conversation(s, conv, {"a": 2})      # same version read earlier


def test_outbox_dedupe_key_writes_once_and_delivery_marks_sent(any_bot):
    with any_bot.db.transaction() as s:
        assert enqueue(s, "web", "union", Outgoing(text="通知"), dedupe_key="n1:union")
        assert not enqueue(s, "web", "union", Outgoing(text="通知"), dedupe_key="n1:union")
    assert Delivery(any_bot).drain() == 1
    assert any_bot.channels["web"].take_inbox("union")[0]["text"] == "通知"
    with any_bot.db.session() as s:
        row = s.scalar(select(OutboxMessage))
        assert row.status == "sent" and row.sent_at is not None
    assert Delivery(any_bot).drain() == 0


def test_only_one_lease_holder(any_bot):
    first, second = DatabaseLease(any_bot.db), DatabaseLease(any_bot.db)
    assert first.acquire()
    assert not second.acquire()
    assert first.acquire()          # renewing
    first.release()
    assert second.acquire()


def test_the_turns_own_sql_stores_what_the_orm_reads_back(any_bot):
    """Answers, history, state and outbox rows written by the hot path's SQL read back through the
    ORM as the same Python values, on both engines (JSON of every shape, datetimes)."""
    from datetime import datetime
    from tests.support.clock import clock
    from storage.models import Answer, Application, AuditEntry
    from tests.chat import Chat
    from tests.form_data import SCALARS
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    leader = Chat(any_bot, "leader")
    leader.send("申报")
    for label, typed, _ in SCALARS:
        assert "✓" in leader.send(f"{label}：{typed}"), label
    leader.send("成员总数：16")                                    # a correction: history old → new
    with any_bot.db.transaction() as s:
        enqueue(s, "web", "union", Outgoing(text="通知 <b>&'\""))
    with any_bot.db.session() as s:
        app = s.scalar(select(Application))
        stored = {a.key: a.value for a in s.scalars(select(Answer).where(Answer.application_id == app.id))}
        values = list(stored.values())
        for label, _, value in SCALARS:
            if label != "成员总数":
                assert value in values, label
        members = next(k for k in stored if k.endswith("members"))
        assert stored[members] == 16
        change = s.scalars(select(AuditEntry).where(AuditEntry.action == "answer.set", AuditEntry.key == members)
                           .order_by(AuditEntry.id)).all()
        assert [(h.before, h.after) for h in change] == [(None, 15), (15, 16)]
        assert {h.actor for h in change} == {"王海"} and {h.channel for h in change} == {"web"}
        assert all(h.at == datetime(2025, 5, 20, 2, 0) for h in change)        # naive UTC
        assert app.updated_at == datetime(2025, 5, 20, 2, 0)
        conv = s.scalar(select(Conversation).where(Conversation.user_id == "leader"))
        assert conv.state["stack"][0]["data"]["host"] == "application" and conv.version > 1
        row = s.scalar(select(OutboxMessage))
        assert row.payload["text"] == "通知 <b>&'\"" and row.status == "pending"
        assert row.created_at == datetime(2025, 5, 20, 2, 0)        # the moment decided for
        assert row.next_attempt_at <= clock.real_utcnow()           # due at once, in real time
    clock.set_now(None)


def test_no_scheduler_job_table_is_left(any_bot):
    """Jobs are declared in code and given the worker's Bot (bot/scheduler.py): nothing is pickled."""
    from sqlalchemy import inspect
    assert not inspect(any_bot.db.engine).has_table("scheduler_jobs")

def test_concurrent_token_refreshes_fetch_once_and_write_no_duplicate(any_bot):
    import threading
    from storage.tokens import TokenCache
    fetched, tokens, errors = [], [], []
    gate = threading.Barrier(6)

    def fetch():
        fetched.append(1)
        return f"tok{len(fetched)}", 7200

    def one():
        gate.wait()
        try:
            tokens.append(TokenCache(any_bot.db, "race").get(fetch))
        except Exception as exc:     # the failure this test is about: a duplicate key on insert
            errors.append(exc)
    threads = [threading.Thread(target=one) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(fetched) == 1 and set(tokens) == {"tok1"}


def test_answers_are_read_once_per_transaction_and_never_outlive_it(any_bot):
    """load_answers keeps one copy per transaction: current after set_answer, forgotten when a
    savepoint rolls back or the transaction ends (another writer's answer is then seen)."""
    from storage import applications
    from storage.models import Studio
    db = any_bot.db
    with db.transaction() as s:
        app_id = applications.get_or_create(s, s.scalar(select(Studio).order_by(Studio.id)), 2026).id
        before = applications.load_answers(s, app_id)
    key = "basics.area"
    with db.sessions() as s:
        with s.begin():
            assert applications.load_answers(s, app_id) == before
            applications.set_answer(s, app_id, key, 31.0, Actor.system("test"))
            copy = applications.load_answers(s, app_id)
            assert copy[key] == 31.0
            copy[key] = "changed by the caller"            # a copy: the kept one is untouched
            assert applications.load_answers(s, app_id)[key] == 31.0
            applications.set_answer(s, app_id, "members", [{"name": "甲"}], Actor.system("test"))
            applications.load_answers(s, app_id)["members"][0]["name"] = "edited"     # all the way down
            assert applications.load_answers(s, app_id)["members"] == [{"name": "甲"}]
            with s.begin_nested() as savepoint:
                applications.set_answer(s, app_id, key, 99.0, Actor.system("test"))
                assert applications.load_answers(s, app_id)[key] == 99.0
                savepoint.rollback()
            assert applications.load_answers(s, app_id)[key] == 31.0
        with db.transaction() as other:                    # another writer, between two transactions
            applications.set_answer(other, app_id, key, 45.0, Actor.system("test"))
        with s.begin():
            assert applications.load_answers(s, app_id)[key] == 45.0
            # the old values recorded: from the kept copy in the first, from the row in the other
            assert [(h.before, h.after) for h in audit.answer_history(s, app_id, key)] == [(None, 31.0), (31.0, 45.0)]
