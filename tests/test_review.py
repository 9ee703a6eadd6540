"""The four-step approval chain with the demo identities: prompts, decisions, returns, transfer,
withdraw, 催办 on a controllable clock, naming, and who may do what."""
from datetime import datetime

import docx
import pytest
from sqlalchemy import func, select

from tests.support.clock import clock
from handlers.review.prompts import chase_overdue
from handlers.review.steps import steps_of
from storage.models import Application, AuditEntry, OutboxMessage, Person, Studio, Task
from storage.people import bind, get_unit, upsert_person
from tests.support.office import closed_round


@pytest.fixture(autouse=True)
def may_2025():
    clock.set_now(datetime(2025, 5, 20, 10, 0))


def app_of(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        return app.status, [(st.step, st.status) for st in steps_of(s, app)]


def test_whole_chain_to_naming_with_opinions_in_the_document(bot, chat, submitted):
    union, tech, party, group = chat("union"), chat("tech"), chat("party"), chat("group")
    prompt = union.inbox()
    assert any("【待审批】王海隧道掘进劳模创新工作室 2025 年申报（第 1 步：所在单位工会）" in t for t in prompt)
    assert any("七有" in t and "近两年：专利 5 项（发明 2）" in t for t in prompt)
    assert any(t.startswith("申报表：") for t in prompt)
    assert "待您审批 1 份" in union.send("审批")
    union.press("同意")
    assert "已同意，已转第 2 步 所在单位技术部门" in union.send("同意推荐")
    assert any("第 1 步 所在单位工会已同意（李秀英：同意推荐）" in t for t in submitted.inbox())
    tech.inbox()
    tech.send("审批")
    tech.press("同意")
    assert "已转第 3 步" in tech.press("确认同意")
    party.inbox()
    party.send("审批")
    party.press("同意")
    party.send("同意")
    clock.set_now(datetime(2025, 6, 3, 10, 0))      # the group's final opinion waits for 考核验收 (from 1 June)
    group.inbox()
    group.send("审批")
    group.press("同意")
    assert "已全部审批通过" in group.send("同意命名")
    assert app_of(bot)[0] == "approved"
    assert "正在生成申报审批表" in submitted.send("导出")
    path = submitted.pushed_files()[0]["path"]
    text = "\n".join(c.text for t in docx.Document(path).tables for row in t.rows for c in row.cells)
    assert "同意推荐" in text and "负责人签名：李秀英" in text and "同意命名" in text
    assert "20250520" in text
    clock.set_now(datetime(2025, 7, 15, 10, 0))     # naming is in the second half of the year
    assert "还没有考核验收记录" in group.send("命名 王海隧道掘进劳模创新工作室")     # after 考核验收 only
    with bot.db.transaction() as s:
        closed_round(s, 2025, [s.scalar(select(Application))])
    assert "王海隧道掘进劳模创新工作室" in group.send("命名")
    reply = group.press("王海隧道掘进")
    assert "已命名「王海隧道掘进劳模创新工作室」（20250715）" in reply
    assert any("祝贺" in t for t in submitted.inbox())
    with bot.db.session() as s:
        assert s.scalar(select(Studio)).status == "named"
        actions = [r.action for r in s.scalars(select(AuditEntry).where(AuditEntry.action.like("review.%"))
                                                .order_by(AuditEntry.id))]
        assert actions == ["review.submit", "review.approve", "review.approve", "review.approve", "review.approve",
                           "review.name"]


def test_return_marks_fields_and_resubmission_resumes_at_that_step(bot, chat, submitted):
    union, tech = chat("union"), chat("tech")
    union.inbox()
    union.send("审批")
    union.press("同意")
    union.send("同意")
    tech.inbox()
    tech.send("审批")
    tech.press("退回修改")
    assert "请写明需要修改或补充的内容" in tech.send("请补充")
    assert "按您的意见已选：2024年经费来源" in tech.send("2024年经费来源请补充来源单位和金额")
    reply = tech.press("确认退回")
    assert "已退回给王海隧道掘进劳模创新工作室，并标注字段「2024年经费来源」" in reply
    news = submitted.inbox()
    assert any("退回修改" in t and "2024年经费来源" in t for t in news)
    reply = submitted.send("申报")
    assert "需修改：2024年经费来源" in reply and "2024年经费来源当前为" in reply
    assert "已按审批意见修改" in submitted.send("中交示范工程局 5万元；中交隧道局 3万元")
    submitted.send("提交")
    assert "已重新提交" in submitted.press("确认提交")
    assert "现由第 2 步 所在单位技术部门审批" in submitted.last[0].text
    assert app_of(bot) == ("submitted", [(1, "approved"), (2, "pending"), (3, "waiting"), (4, "waiting")])
    assert any("【待审批】" in t for t in tech.inbox())


def test_reject_ends_the_chain(bot, chat, submitted):
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("不同意")
    union.send("场所面积不足")
    assert app_of(bot)[0] == "rejected"
    assert any("未通过" in t and "场所面积不足" in t for t in submitted.inbox())


def test_stale_card_says_so_and_changes_nothing(bot, chat, submitted):
    union = chat("union")
    union.inbox()
    union.send("审批")
    card = [b for r in union.last for b in r.buttons if b.label == "同意"][0]
    union.press("同意")
    union.send("同意")
    before = app_of(bot)
    assert "这一步已处理（已同意），无需重复操作" in union.action(card.action)
    assert app_of(bot) == before


def test_transfer_to_a_colleague_with_the_same_role(bot, chat, submitted):
    with bot.db.transaction() as s:
        unit = get_unit(s, "中交示范工程局有限公司")
        bind(s, upsert_person(s, "周敏", unit, ["union"]), "web", "union2")
    union, union2 = chat("union"), chat("union2")
    union.inbox()
    union.send("审批")
    union.press("转交同事")
    assert "已转交给 周敏" in union.press("周敏")
    assert any("【待审批】" in t for t in union2.inbox())
    assert "目前没有待您审批" in union.send("审批")
    union2.send("审批")
    union2.press("同意")
    assert "已转第 2 步" in union2.send("同意")


def test_withdraw_only_before_the_first_decision(bot, chat, submitted):
    assert "已撤回申报" in submitted.send("撤回")
    assert app_of(bot) == ("withdrawn", [(1, "waiting"), (2, "waiting"), (3, "waiting"), (4, "waiting")])
    submitted.send("申报")
    submitted.send("提交")
    submitted.press("确认提交")
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("同意")
    union.send("同意")
    assert "审批已经开始，不能撤回" in submitted.send("撤回")


def test_the_prompt_is_composed_by_the_worker_and_a_withdrawn_one_never_goes_out(bot, chat, submitted):
    """确认提交 queues the reviewers' prompt; withdrawn before the worker ran, it is not sent, and the
    next submission's prompt is (once)."""
    with bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.notice == "review_prompt")) == 0          # nothing composed in the turn
        assert s.scalar(select(func.count()).select_from(Task).where(Task.kind == "review_prompt")) == 1
    union = chat("union")
    assert "已撤回申报" in submitted.send("撤回")
    assert not [t for t in union.inbox() if t.startswith("【待审批】")]
    submitted.send("申报")
    submitted.send("提交")
    submitted.press("确认提交")
    prompts = [t for t in union.inbox() if t.startswith("【待审批】")]
    assert len(prompts) == 1 and "领衔人：" in prompts[0]
    assert not [t for t in union.inbox() if t.startswith("【待审批】")]


def test_progress_shows_where_the_application_is(chat, submitted):
    reply = submitted.send("进度")
    assert "第 1 步 所在单位工会审批中" in reply and "○ 第 2 步 所在单位技术部门" in reply


def test_chase_reminds_reviewer_then_colleagues_then_group(bot, chat, submitted):
    with bot.db.transaction() as s:
        unit = get_unit(s, "中交示范工程局有限公司")
        bind(s, upsert_person(s, "周敏", unit, ["union"]), "web", "union2")
    union, union2, group = chat("union"), chat("union2"), chat("group")
    union.inbox(), union2.inbox(), group.inbox()
    # 2025-05-31 .. 06-02 is the Dragon Boat holiday
    days = [datetime(2025, 5, d, 9) for d in (21, 22, 23, 26, 27, 28, 29, 30, 31)] + \
        [datetime(2025, 6, d, 9) for d in (1, 2, 3)]
    seen = {}
    for day in days:
        clock.set_now(day)
        with bot.db.transaction() as s:
            chase_overdue(bot, s)
            chase_overdue(bot, s)      # twice the same day: nothing new
        for name, who in (("union", union), ("union2", union2), ("group", group)):
            for text in who.inbox():
                if text.startswith("【催办】"):
                    seen.setdefault(name, []).append(day.day)
    # 3 working days after 5-20 is 5-23 (reviewer and colleague are both union holders of the unit)
    assert seen["union"] == [23, 28]
    assert seen["union2"] == [23, 28]
    assert seen["group"] == [3]        # the 9th working day


@pytest.mark.parametrize("who, action, phrase", [
    ("leader", "审批", "仅限"), ("member", "命名", "仅限"), ("tech", "命名", "仅限"),
    ("union", "命名", "仅限"), ("admin", "审批", "仅限"), ("party", "撤回", "仅限"),
])
def test_role_matrix_for_commands(chat, submitted, who, action, phrase):
    assert phrase in chat(who).send(action)


@pytest.mark.parametrize("who", ["leader", "member", "tech", "party", "group", "admin"])
def test_only_the_steps_reviewer_may_decide(bot, chat, submitted, who):
    union = chat("union")
    union.inbox()
    union.send("审批")
    approve = [b for r in union.last for b in r.buttons if b.label == "同意"][0]
    reply = chat(who).action(approve.action)
    assert "无权" in reply or "不能审批本工作室" in reply or "仅限" in reply or "还没有绑定" in reply
    assert app_of(bot)[1][0] == (1, "pending")


def test_a_reviewer_of_another_unit_cannot_act(bot, chat, submitted):
    with bot.db.transaction() as s:
        other = get_unit(s, "中交另一工程局有限公司")
        bind(s, upsert_person(s, "吴刚", other, ["union"]), "web", "union_b")
    union = chat("union")
    union.inbox()
    union.send("审批")
    approve = [b for r in union.last for b in r.buttons if b.label == "同意"][0]
    assert "目前没有待您审批" in chat("union_b").send("审批")
    assert "您不是这一步（所在单位工会）的审批人" in chat("union_b").action(approve.action)


def test_nobody_reviews_their_own_studio(bot, chat, submitted):
    with bot.db.transaction() as s:
        person = s.scalar(select(Person).where(Person.name == "李秀英"))
        person.studio_id = s.scalar(select(Studio)).id
    union = chat("union")
    assert "目前没有待您审批" in union.send("审批")


def test_try_out_api_carries_the_prompt_and_the_decision(bot, client, submitted):
    from bot.delivery import Delivery
    from bot.tasks import TaskRunner
    TaskRunner(bot).run_all()           # the worker: the prompt is composed by a task, then delivered
    Delivery(bot).drain()
    inbox = client.get("/try/api/inbox?user=union").get_json()["messages"]
    card = next(m for m in inbox if m["text"].startswith("【待审批】"))
    approve = next(b["action"] for b in card["buttons"] if b["label"] == "同意")
    reply = client.post("/try/api/messages", json={"user": "union", "action": approve}).get_json()
    assert "审批意见" in reply["replies"][0]["text"]
    reply = client.post("/try/api/messages", json={"user": "union", "text": "同意"}).get_json()
    assert "已转第 2 步" in reply["replies"][0]["text"]


@pytest.mark.parametrize("who", ["stranger", "tech_of_nobody"])
def test_who_is_not_on_the_application_cannot_open_its_document(bot, chat, submitted, who):
    """An unbound sender (or one with no part in it) gets no document, whatever step is undecided."""
    with bot.db.session() as s:
        app_id = s.scalar(select(Application)).id
    if who == "tech_of_nobody":
        with bot.db.transaction() as s:
            other = get_unit(s, "中交另一工程局有限公司")
            bind(s, upsert_person(s, "赵六", other, ["tech"]), "web", who)
    viewer = chat(who)
    reply = viewer.action(f"review:doc:{app_id}")
    assert viewer.files() == [] and viewer.pushed_files() == []
    assert "申报表：" not in reply and "正在生成" not in reply
