"""Form answers planned outside the write lock: recorded writes, guards, and what is never planned."""
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import planned
from bot.message import Incoming
from storage import applications
from storage.models import AnswerHistory, Application, Conversation, InboxEntry, StoredFile, Studio
from tests.chat import Chat, incoming


pytestmark = pytest.mark.usefixtures("may_2025")


def stored(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        return applications.load_answers(s, app.id)


def test_a_form_answer_is_planned_without_writing_then_applied(bot):
    leader = Chat(bot, "leader")
    leader.send("申报")
    before = stored(bot)
    plan = planned.plan_turn(bot, incoming("成员总数：12人"))
    assert plan is not None and not plan.duplicate
    assert any("INSERT INTO answers" in sql for sql, _, _ in plan.writes)
    assert "✓ 成员总数：12" in "\n".join(r.text for r in plan.replies)
    assert stored(bot) == before                         # planning wrote nothing
    with bot.db.transaction() as s:
        assert planned.apply_plan(s, plan) == plan.replies
    assert stored(bot)["basics.members"] == 12


def test_a_plan_overtaken_by_another_turn_is_stale_and_changes_nothing(bot):
    leader = Chat(bot, "leader")
    leader.send("申报")
    plan = planned.plan_turn(bot, incoming("成员总数：12人"))
    leader.send("场所面积：30平米")                          # commits first: new versions
    with bot.db.transaction() as s:
        assert planned.apply_plan(s, plan) is planned.STALE
    answers = stored(bot)
    assert "basics.members" not in answers and answers["basics.area"] == "30"
    with bot.db.session() as s:                       # not even the message id was kept
        assert s.scalar(select(func.count()).select_from(InboxEntry)) == 2


def test_a_co_filler_changing_the_application_makes_the_plan_stale(bot):
    """Two people fill the same application: a plan read before the other's answer is redone."""
    leader = Chat(bot, "leader")
    leader.send("申报")
    plan = planned.plan_turn(bot, incoming("成员总数：12人"))
    with bot.db.transaction() as s:
        app = s.scalar(select(Application))
        applications.set_answer(s, app.id, "basics.members", 9, None)
    with bot.db.transaction() as s:
        assert planned.apply_plan(s, plan) is planned.STALE
    assert leader.send("成员总数：12人").startswith("✓ 成员总数：9 人 → 12 人")     # planned again, fresh


def test_concurrent_copies_of_a_planned_answer_have_one_effect(bot):
    leader = Chat(bot, "leader")
    leader.send("申报")
    same = Incoming(channel="web", user="leader", text="成员总数：12人", message_id="same")
    results = []
    threads = [threading.Thread(target=lambda: results.append(bot.handle(same))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r is not None for r in results) == 1
    with bot.db.session() as s:
        history = s.scalars(select(AnswerHistory).where(AnswerHistory.key == "basics.members")).all()
        assert [(h.old, h.new) for h in history] == [(None, 12)]


def test_answers_from_many_threads_are_all_kept(bot):
    """Planned turns of one user racing each other: every answer lands, none twice."""
    leader = Chat(bot, "leader")
    leader.send("申报")
    lines = ["成员总数：12人", "场所面积：30平米", "专业领域：隧道盾构施工", "命名单位：省总工会",
             "创建日期：2018年4月20日", "命名日期：2019.5.1"]
    threads = [threading.Thread(target=bot.handle, args=(incoming(line),)) for line in lines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = stored(bot)
    assert answers["basics.members"] == 12 and answers["basics.area"] == "30"
    assert answers["basics.field"] == "隧道盾构施工" and answers["basics.named_by"] == "省总工会"
    assert answers["basics.created_on"] == "20180420" and answers["basics.named_on"] == "20190501"
    with bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AnswerHistory)) == len(lines)
        conv = s.scalar(select(Conversation).where(Conversation.user_id == "leader"))
        assert conv.state["form"]["host"] == "application"


def test_a_bad_answer_plans_only_the_question_again(bot):
    leader = Chat(bot, "leader")
    leader.send("申报")
    plan = planned.plan_turn(bot, incoming("创建日期：18年春天吧"))
    assert "没能识别这个日期" in plan.replies[0].text
    assert not any("answers" in sql for sql, _, _ in plan.writes)


def test_what_a_plan_cannot_record_runs_under_the_lock_and_happens_once(bot):
    leader = Chat(bot, "leader")
    leader.send("申报")
    assert planned.plan_turn(bot, incoming("导出")) is None      # writes a file to disk
    files = Path(bot.config.files_dir)
    assert not files.exists() or not any(files.iterdir())   # planning wrote no file
    leader.send("导出")
    with bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert len(list(files.iterdir())) == 1


def test_the_studio_takes_the_planned_name_and_a_taken_name_is_left_alone(bot):
    leader = Chat(bot, "leader")
    leader.send("申报")
    plan = planned.plan_turn(bot, incoming("工作室名称：海河大桥测试劳模创新工作室"))
    assert any(sql.startswith("UPDATE studios") for sql, _, _ in plan.writes)
    leader.send("工作室名称：海河大桥测试劳模创新工作室")
    with bot.db.session() as s:
        assert s.scalar(select(Application)).studio.name == "海河大桥测试劳模创新工作室"
    with bot.db.transaction() as s:
        s.add(Studio(name="长江隧道劳模创新工作室", status="active"))
    leader.send("工作室名称：长江隧道劳模创新工作室")           # another studio's name: kept as typed
    with bot.db.session() as s:                               # in the form, not given to the studio
        assert s.scalar(select(Application)).studio.name == "海河大桥测试劳模创新工作室"


def test_only_form_answers_of_known_conversations_are_planned(bot):
    assert planned.plan_turn(bot, incoming("帮助", user="nobody-yet")) is None     # no conversation yet
    Chat(bot, "leader").send("我是谁")
    assert planned.plan_turn(bot, incoming("我是谁")) is None                       # not in a form


def test_with_batches_of_one_each_turn_runs_alone_in_the_callers_thread(make_bot):
    bot = make_bot(turn_batch=1)
    leader = Chat(bot, "leader")
    leader.send("申报")
    assert leader.send("成员总数：12人").startswith("✓ 成员总数：12 人")
    assert stored(bot)["basics.members"] == 12
    assert bot.writer._thread is None                  # no writer thread was needed


def test_a_failing_form_step_answers_with_the_apology_and_keeps_nothing(bot, monkeypatch, caplog):
    import logging
    from bot.turns import APOLOGY
    from handlers.application import ApplicationStore
    leader = Chat(bot, "leader")
    leader.send("申报")

    def broken(self, key, value):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(ApplicationStore, "set", broken)
    with caplog.at_level(logging.ERROR, logger="bot.turn"):
        assert leader.send("成员总数：12人") == APOLOGY
    assert caplog.text.count("disk on fire") >= 1 and "Traceback" in caplog.text
    monkeypatch.undo()
    assert "basics.members" not in stored(bot)
    assert leader.send("成员总数：12人").startswith("✓ 成员总数：12 人")       # the form goes on
