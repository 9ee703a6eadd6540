"""Money in chat (#25 item 2, the conversation): who is paid and for whom asked with buttons before an
expense is saved, the answer kept and judged again with the 意见's sentence; 专项科研经费 budgets asked by
the leader, approved by the unit union, and spending charged to them outside the studio's balance."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from storage import ledgers
from storage.models import AuditEntry, LedgerEntry, Studio

STUDIO = "王海隧道掘进劳模创新工作室"
PAYEE_BUTTONS = ["供应商或其他第三方", "成员或其他个人", "其他部门或单位", "不清楚，交单位工会核实", "取消"]
BENEFICIARY_BUTTONS = ["本工作室", "其他部门或单位", "个人", "不清楚，交单位工会核实", "取消"]


@pytest.fixture(autouse=True)
def may_2025(may_2025):
    return may_2025


def expenses(bot):
    with bot.db.session() as s:
        return [e.data for e in s.scalars(select(LedgerEntry).where(LedgerEntry.ledger == "funding")
                                          .order_by(LedgerEntry.id)) if e.data.get("direction") == "支出"]


def balance(bot):
    with bot.db.session() as s:
        return ledgers.balance(s, s.scalar(select(Studio.id).where(Studio.name == STUDIO)))


@pytest.fixture
def leader(chat):
    leader = chat("leader")
    leader.send("经费 收入 5万元 中交示范工程局 2025年1月5日")
    leader.send("确认")
    return leader


# -- 收款方 / 受益方 asked before saving ------------------------------------------------------------

@pytest.mark.parametrize("line, asked, press, outcome, stored", [
    # a 咨询费 to a firm is research; to a member it is a payment to people, whatever it is called
    ("技术咨询费", "这笔钱付给谁？", "供应商或其他第三方", "booked", {"payee": "supplier"}),
    ("技术咨询费", "这笔钱付给谁？", "成员或其他个人", "「不得作为奖金津贴发放」", None),
    ("课题技术服务费", "这笔钱付给谁？", "其他部门或单位", "这笔钱为谁花？", None),
    # for whom: 「为公司购买…」 may be the studio's own or another's
    ("为公司购买笔记本电脑", "这笔钱为谁花？", "本工作室", "booked", {"beneficiary": "studio"}),
    ("为公司购买笔记本电脑", "这笔钱为谁花？", "其他部门或单位", "「不得用于创新工作室以外支出」", None),
    ("为公司购买笔记本电脑", "这笔钱为谁花？", "个人", "「不得用于创新工作室以外支出」", None),
    # not known: held for the unit union, counted nowhere until it confirms
    ("技术咨询费", "这笔钱付给谁？", "不清楚", "held", {"hold": "pending"}),
])
def test_the_confirmation_asks_who_is_paid_and_for_whom(bot, leader, line, asked, press, outcome, stored):
    category = "设备购置" if "电脑" in line else "研究费用"
    reply = leader.send(f"经费 支出 3000元 {category} {line} 2025-03-02")
    assert asked in reply and "保存前请先说明" in reply and "意见" in reply
    assert leader.buttons() == (PAYEE_BUTTONS if "付给谁" in asked else BENEFICIARY_BUTTONS)
    assert expenses(bot) == []                                  # nothing is saved while it is asked
    reply = leader.press(press)
    if outcome == "booked":
        assert "注意" not in reply and "确认保存" in leader.buttons()
        assert "当前经费余额：4.7 万元" in leader.send("确认")
    elif outcome == "held":
        assert "需核实收款方" in reply
        assert "待单位工会确认" in leader.send("确认") and balance(bot) == Decimal(5)
    elif outcome.startswith("「"):
        assert "不能记录" in reply and outcome in reply and "这条支出没有保存" in reply
        assert "确认保存" not in leader.buttons()
    else:
        assert outcome in reply                                 # the next question
    if stored is None:
        assert expenses(bot) == []
    else:
        assert expenses(bot) and stored.items() <= expenses(bot)[0].items()


def test_a_typed_answer_and_a_stated_payee_need_no_button(bot, leader):
    assert "这笔钱付给谁？" in leader.send("经费 支出 3000元 研究费用 技术咨询费 2025-03-02")
    assert "可选：1. 供应商或其他第三方" in leader.send("随便")           # not an answer: asked again
    reply = leader.send("1")
    assert "收款方：供应商或其他第三方" in reply and "确认保存" in leader.buttons()
    leader.send("确认")
    reply = leader.send("经费 支出 2000元 研究费用 技术咨询费 2025-03-03 收款方：供应商")
    assert "付给谁" not in reply and "收款方：供应商或其他第三方" in reply
    leader.send("确认")
    assert [e["payee"] for e in expenses(bot)] == ["supplier", "supplier"]


def test_a_typed_confirmation_while_asked_saves_nothing(bot, leader):
    leader.send("经费 支出 3000元 研究费用 技术咨询费 2025-03-02")
    assert "可选：1. 供应商或其他第三方 2. 成员或其他个人 3. 其他部门或单位" in leader.send("确认")
    assert expenses(bot) == []


def test_the_guided_form_asks_before_saving_too(bot, leader):
    leader.send("记经费 支出")
    for answer in ("3000元", "研究费用", "专家咨询", "2025年3月2日"):
        leader.send(answer)
    leader.send("保存")
    reply = leader.press("确认保存")
    assert "这笔钱付给谁？" in reply and expenses(bot) == []
    reply = leader.press("成员或其他个人")
    assert "不得作为奖金津贴发放" in reply and expenses(bot) == []


# -- 专项科研经费 ---------------------------------------------------------------------------------------

def project_id(bot):
    with bot.db.session() as s:
        return s.scalar(select(LedgerEntry.id).where(LedgerEntry.ledger == "achievement"))


def test_a_project_budget_is_asked_approved_and_charged_outside_the_studios_balance(bot, chat, leader):
    union = chat("union")
    leader.send("成果 立项 富水砂层始发风险控制 2025-02-01 目标2025-12-31 计划：年内完成样机")
    leader.send("确认")
    n = project_id(bot)
    assert "仅限领衔人" in chat("member").send(f"预算 {n} 1万元")
    reply = leader.send(f"预算 {n} 5万元")
    assert f"已为立项「富水砂层始发风险控制」（编号 {n}）申请专项科研经费预算 5 万元，已提交所在单位工会审批" in reply
    assert any(f"预算确认 {n}" in t and "5 万元" in t for t in union.inbox())
    # not yet approved: nothing is charged to it
    charge = f"经费 支出 1万元 研究费用 委托检测中心检测试样 2025-05-06 立项：{n}"
    reply = leader.send(charge)
    assert "尚未经所在单位审批，不能计入专项科研经费" in reply
    assert "尚未经所在单位审批" in leader.send("确认") and expenses(bot) == []
    leader.send("取消")
    assert "仅限" in chat("tech").send(f"预算确认 {n}")
    assert "已批准" in union.send(f"预算确认 {n}")
    assert any("已批准" in t and f"立项：{n}" in t for t in leader.inbox())
    # charged: tracked against the budget, the studio's own balance untouched
    reply = leader.send(charge)
    assert "列支立项" in reply and "不计入工作室经费余额" in reply
    assert "当前经费余额：5 万元" in leader.send("确认")
    assert balance(bot) == Decimal(5) and expenses(bot)[0]["project"] == n
    listing = leader.send("预算")
    assert f"编号 {n} 立项「富水砂层始发风险控制」：预算 5 万元（已审批），已列支 1 万元，尚余 4 万元" in listing
    assert "立项专项科研经费支出 1 万元" in leader.send("经费余额")
    # more than is left is refused; a payment to people is refused whatever it is charged to
    leader.send(f"经费 支出 4.5万元 研究费用 试验材料 2025-05-07 立项：{n}")
    assert "超出预算：预算 5 万元，已支出 1 万元，尚余 4 万元" in leader.send("确认")
    leader.send("取消")
    assert "不能记录" in leader.send(f"经费 支出 0.5万元 研究费用 课题组成员劳务费 2025-05-07 立项：{n}")
    assert len(expenses(bot)) == 1
    with bot.db.session() as s:
        details = [r.detail for r in s.scalars(select(AuditEntry).where(AuditEntry.object_id == str(n))
                                               .order_by(AuditEntry.id))]
    assert details[-2:] == ["申请专项科研经费预算", "单位工会审批预算（同意）"]


def test_a_budget_is_refused_with_a_reason_and_only_by_the_units_union(bot, chat, leader):
    leader.send("成果 立项 管片拼装定位 2025-02-01 目标2025-12-31 计划：年内完成样机")
    leader.send("确认")
    n = project_id(bot)
    union = chat("union")
    assert "没有待审批" in union.send(f"预算确认 {n}")
    leader.send(f"预算 {n} 3万元")
    assert "请写明驳回理由" in union.send(f"预算驳回 {n}")
    assert "已驳回" in union.send(f"预算驳回 {n} 预算明细不清")
    assert any("未批准" in t and "预算明细不清" in t for t in leader.inbox())
    assert "（未批准）" in leader.send("预算")
    assert "不是立项台账" in leader.send("预算 999 1万元")
