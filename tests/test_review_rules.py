"""The approval chain's rules as a union office reads them: 不同意 is final for the year (only the
group union reopens), every submission round prompts its reviewer, a step without a reviewer is
reported at once, and 退回修改 may ask for proofs or lead through every flagged field."""
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.support.clock import clock
from handlers.review.steps import steps_of
from storage.models import Application, AuditEntry, Person, PersonRole


@pytest.fixture(autouse=True)
def may_2025():
    clock.set_now(datetime(2025, 5, 20, 10, 0))


def state(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        return app.status, [(st.step, st.status) for st in steps_of(s, app)]


def decide(reviewer, button, opinion):
    reviewer.inbox()
    reviewer.send("审批")
    reviewer.press(button)
    return reviewer.send(opinion)


def prompts(who):
    return [t for t in who.inbox() if t.startswith("【待审批】")]


# -- 1. 不同意 is final --------------------------------------------------------------------------

def test_a_rejected_application_stays_rejected_until_the_group_union_reopens_it(bot, chat, submitted):
    union, group = chat("union"), chat("group")
    assert "申报流程结束" in decide(union, "不同意", "场所面积不足")
    submitted.inbox()
    reply = submitted.send("申报")
    assert "未通过" in reply and "场所面积不足" in reply and "集团工会" in reply
    assert "第 1 项" not in reply and "继续填写" not in reply
    assert "未通过" in submitted.send("提交")
    assert state(bot) == ("rejected", [(1, "rejected"), (2, "waiting"), (3, "waiting"), (4, "waiting")])
    assert prompts(union) == []
    # only the group union may reopen it, and it is audited
    assert "仅限" in union.send("重新开放 王海隧道掘进劳模创新工作室 复核后场所已达标")
    assert "请写明理由" in group.send("重新开放 王海隧道掘进劳模创新工作室")
    reply = group.send("重新开放 王海隧道掘进劳模创新工作室 复核后场所已达标")
    assert "已重新开放" in reply and "第 1 步" in reply
    assert any("重新开放" in t and "复核后场所已达标" in t for t in submitted.inbox())
    with bot.db.session() as s:
        log = s.scalars(select(AuditEntry).where(AuditEntry.action.like("review.%")).order_by(AuditEntry.id)).all()[-1]
        assert (log.action, log.detail) == ("review.reopen", "复核后场所已达标")
        assert s.get(Person, log.actor_id).name == "陈国华" and log.role == "group"
    submitted.send("申报")
    submitted.send("提交")
    assert "现由第 1 步 所在单位工会审批" in submitted.press("确认提交")
    assert len(prompts(union)) == 1


def test_reopen_refuses_what_is_not_rejected(chat, submitted):
    assert "没有未通过" in chat("group").send("重新开放 王海隧道掘进劳模创新工作室 复核")


# -- 2. every submission round prompts its reviewer -------------------------------------------------

def test_resubmitting_after_withdraw_prompts_the_reviewer_again(bot, chat, submitted):
    union = chat("union")
    assert len(prompts(union)) == 1
    assert "已撤回" in submitted.send("撤回")
    submitted.send("申报")
    submitted.send("提交")
    assert "现由第 1 步 所在单位工会审批" in submitted.press("确认提交")
    assert len(prompts(union)) == 1
    # and a third round, too
    submitted.send("撤回")
    submitted.send("申报")
    submitted.send("提交")
    submitted.press("确认提交")
    assert len(prompts(union)) == 1
    assert "待您审批 1 份" in union.send("审批")


# -- 4. a step with no reviewer --------------------------------------------------------------------

def test_a_step_without_a_reviewer_is_reported_to_the_unit_union_and_the_group_union(bot, chat, submitted):
    with bot.db.transaction() as s:
        for role in s.scalars(select(PersonRole).where(PersonRole.role == "tech")).all():
            s.delete(role)
    union, group = chat("union"), chat("group")
    group.inbox()
    assert "所在单位技术部门还没有绑定审批人员" in decide(union, "同意", "同意")
    warning = [t for t in union.inbox() if "缺少审批人" in t]
    assert warning and "所在单位技术部门" in warning[0] and "中交示范工程局有限公司" in warning[0]
    assert any("缺少审批人" in t and "所在单位技术部门" in t for t in group.inbox())
    with bot.db.session() as s:
        assert "review.no_reviewer" in [r.action for r in s.scalars(select(AuditEntry))]


# -- 5. return for proof; every flagged field ----------------------------------------------------------

def test_a_return_asking_for_proof_reaches_the_leader_with_what_to_do(bot, chat, submitted):
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("退回修改")
    union.send("经济效益证明材料须加盖单位财务章原件")
    reply = union.press("确认退回")
    assert "已退回给" in reply and "没能从意见中识别" not in reply
    assert state(bot)[0] == "returned"
    news = [t for t in submitted.inbox() if "退回修改" in t]
    assert news and "经济效益证明材料须加盖单位财务章原件" in news[0] and "证明材料" in news[0]
    reply = submitted.send("申报")
    assert "经济效益证明材料须加盖单位财务章原件" in reply and "发送照片或文件" in reply
    submitted.send("提交")
    assert "现由第 1 步" in submitted.press("确认提交")
    assert len(prompts(union)) == 1


def test_a_field_level_return_leads_through_every_flagged_field(bot, chat, submitted):
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("退回修改")
    union.send("2024年经费来源请补充金额，领衔人联系电话有误")
    reply = union.send("确认")
    assert "2024年经费来源" in reply and "领衔人联系电话" in reply
    reply = submitted.send("申报")
    assert "2024年经费来源当前为" in reply
    reply = submitted.send("中交示范工程局 5万元；中交隧道局 3万元")
    assert "已按审批意见修改" in reply and "领衔人联系电话当前为" in reply
    reply = submitted.send("13912345678")
    assert "已按审批意见修改" in reply and "全部" in reply


# -- after the deadline the application under review is still the leader's ---------------------------

def test_after_the_deadline_the_leader_still_sees_and_fixes_the_application_under_review(bot, chat, submitted):
    clock.set_now(datetime(2025, 6, 10, 10, 0))            # the application year is now 2026
    assert "第 1 步 所在单位工会审批中" in submitted.send("进度")
    union = chat("union")
    union.inbox()
    union.send("审批")
    union.press("退回修改")
    union.send("领衔人联系电话有误")
    union.press("确认退回")
    reply = submitted.send("申报")
    assert "2025 年度" in reply and "领衔人联系电话当前为" in reply
    submitted.send("13912345678")
    submitted.send("提交")
    assert "已重新提交 2025 年度申报表" in submitted.press("确认提交")
    with bot.db.session() as s:
        assert [a.year for a in s.scalars(select(Application))] == [2025]
