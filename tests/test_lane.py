"""The one lane: a turn is one transaction in the request's thread; slow work is a worker task, once."""
import concurrent.futures
import logging
import time
from handlers.policy import Do
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.clock import clock
from bot.message import Incoming
from bot.tasks import LEASE, TaskRunner
from storage.db import NestedTransaction
from storage.models import Answer, AuditEntry, InboxEntry, OutboxMessage, StoredFile, Task, WebMessage
from tests.procs import Web, Worker, env_for, post_json


def count(bot, model, *where):
    with bot.db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_transaction_inside_a_transaction_raises_at_once(bot):
    with bot.db.transaction():
        with pytest.raises(NestedTransaction):
            with bot.db.transaction():
                pass


def test_a_handler_that_opens_its_own_transaction_gets_the_apology_not_a_hang(bot, chat, caplog):
    def nested(turn, args):
        with turn.bot.db.transaction() as s:
            s.execute(select(1))
    bot.router.add_command("嵌套", nested, do=Do.EVERYONE)
    with caplog.at_level(logging.ERROR, logger="bot.turn"):
        reply = chat("leader").send("嵌套")
    assert "系统出了点问题" in reply
    assert "NestedTransaction" in caplog.text
    after = chat("leader").send("帮助")                     # the next turn runs as usual
    assert after and "系统出了点问题" not in after


def test_export_is_answered_at_once_and_the_document_follows_once_per_version(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("成员总数：15人")
    reply = leader.send("导出")
    assert "正在生成申报审批表，稍后发送给您" in reply and leader.files() == []
    assert count(bot, Task, Task.status == "pending") == 1
    [document] = leader.pushed_files()
    assert document["name"].endswith("年度申报审批表.docx")
    assert any(m["text"].startswith("已生成申报审批表：") for m in leader.pushed)
    assert count(bot, StoredFile) == 1
    # the same version again: the kept file, in the reply itself, nothing rendered
    reply = leader.send("导出")
    assert reply.startswith("已生成申报审批表：") and leader.files()[0]["token"] == document["token"]
    assert count(bot, Task) == 1 and count(bot, StoredFile) == 1
    # a new answer is a new version: rendered again
    leader.send("成员总数：16人")
    assert "正在生成" in leader.send("导出")
    [again] = leader.pushed_files()
    assert again["token"] != document["token"] and count(bot, StoredFile) == 2


def test_a_task_of_a_dead_worker_is_taken_over_and_takes_effect_once(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("导出")
    dead = TaskRunner(bot)
    [(task_id, kind, payload, old_claim)] = dead._claim(10)      # claimed, then the worker dies
    assert TaskRunner(bot).run_due() == 0                          # leased: nobody else takes it yet
    clock.advance(LEASE + timedelta(seconds=1))
    assert TaskRunner(bot).run_due() == 1                          # taken over after the lease
    dead._run(task_id, kind, payload, old_claim)                   # the dead one comes back: dropped
    assert len(leader.pushed_files()) == 1
    assert count(bot, StoredFile) == 1
    with bot.db.session() as s:
        assert s.get(Task, task_id).status == "done"


def test_a_failing_task_is_retried_then_the_user_is_told(bot, chat, monkeypatch):
    leader = chat("leader")
    leader.send("申报")
    leader.send("导出")
    runs = []

    def broken(*_args):
        runs.append(1)
        raise RuntimeError("render crashed")
    monkeypatch.setattr("handlers.application.document_tasks.render", broken)
    for _ in range(8):
        TaskRunner(bot).run_all()
        clock.advance(timedelta(minutes=11))
    assert len(runs) == 5
    texts = leader.inbox()
    assert any("申报审批表没有生成成功" in t for t in texts)
    with bot.db.session() as s:
        task = s.scalar(select(Task))
        assert task.status == "failed" and "render crashed" in task.last_error


def test_concurrent_copies_of_one_answer_have_one_effect(bot):
    from tests.chat import Chat
    Chat(bot, "leader").send("申报")
    message = Incoming(channel="web", user="leader", text="成员总数：12人", message_id="same-id")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: bot.handle(message), range(8)))
    assert sum(r is not None for r in results) == 1
    assert count(bot, InboxEntry, InboxEntry.message_id == "same-id") == 1
    with bot.db.session() as s:
        assert s.scalar(select(Answer.value).where(Answer.key == "basics.members")) == 12


@pytest.mark.fault
def test_two_web_processes_and_one_worker_on_one_database(bot, tmp_path):
    """A burst of duplicated answers spread over two web processes: one effect each, none lost."""
    env = env_for(bot.config, WEB_CONCURRENCY=1)
    webs = [Web(env, tmp_path / f"web{i}.log").start() for i in range(2)]
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        for web in webs:
            assert post_json(web.url + "/try/api/messages", {"user": "leader", "text": "帮助"})["replies"]
        post_json(webs[0].url + "/try/api/messages", {"user": "leader", "text": "申报", "id": "start"})
        answers = [(f"ans-{n}", f"成员总数：{n}人") for n in range(10, 30)]

        def send(item, web):
            (ident, text) = item
            return post_json(web.url + "/try/api/messages", {"user": "leader", "text": text, "id": ident})

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            jobs = [pool.submit(send, item, web) for item in answers for web in webs for _ in range(2)]
            results = [job.result() for job in jobs]
        assert sum(not r["duplicate"] for r in results) == len(answers)
        assert count(bot, InboxEntry, InboxEntry.message_id.like("leader:ans-%")) == len(answers)
        with bot.db.session() as s:
            changes = s.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "answer.set", AuditEntry.key == "basics.members"))
            assert changes == len(answers)                 # each distinct answer stored once
        # every accepted answer's reply went out once; the worker delivers what the webs queued
        post_json(webs[1].url + "/try/api/messages", {"user": "leader", "text": "导出", "id": "export"})
        for _ in range(200):        # the file is written, then its outbox row marked sent: wait for both
            if count(bot, WebMessage, WebMessage.user_id == "leader") >= 1 \
                    and count(bot, OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0:
                break
            time.sleep(0.05)
        assert count(bot, WebMessage, WebMessage.user_id == "leader") == 1
        assert count(bot, OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0
    finally:
        worker.stop()
        for web in webs:
            web.stop()

