"""Money judged by who receives it, for whom and what for (issue 25, item 2): booked / held / refused /
ask, the reason naming the 意见's sentence. Every expense line the issue names is a row, with others a
union office judges the same way; then 专项科研经费 against a 立项's budget. Pure functions."""
from decimal import Decimal

import pytest

from handlers.ledgers import funding_rule, research_budget
from handlers.ledgers.funding_rule import ASK, BOOKED, HELD, REFUSED

PEOPLE = "「不得作为奖金津贴发放」"
OUTSIDE = "「不得用于创新工作室以外支出」"

# (category, purpose, payee, beneficiary) → verdict, what the reason or the question says
LINES = [
    # the lines: payments to people in other words
    ("研究费用", "课题组成员技术咨询费", None, None, REFUSED, PEOPLE),
    ("研究费用", "课题组成员技术服务费", None, None, REFUSED, "「课题组成员……服务费」是付给个人的"),
    ("研究费用", "攻关成果奖", None, None, REFUSED, "「成果奖」是付给个人的"),
    # spending for others
    ("设备购置", "为项目部购买办公电脑", None, None, REFUSED, "「为项目部」属于创新工作室以外的支出"),
    ("研究费用", "资助兄弟单位课题", None, None, REFUSED, OUTSIDE),
    # lawful costs that were refused
    ("研究费用", "委托外单位检测试样", None, None, BOOKED, ""),
    ("研究费用", "隧道结构体检试验数据采集", None, None, BOOKED, ""),
    # like them: refused, whatever they are called
    ("研究费用", "成员技术指导费", None, None, REFUSED, PEOPLE),
    ("研究费用", "职工技术服务费", None, None, REFUSED, PEOPLE),
    ("研究费用", "劳模技术顾问费", None, None, REFUSED, PEOPLE),
    ("成果推广", "成员年度创新奖", None, None, REFUSED, PEOPLE),
    ("研究费用", "合理化建议奖", None, None, REFUSED, PEOPLE),
    ("研究费用", "攻关人员补助", None, None, REFUSED, "「补助」"),
    ("成果推广", "春节慰问", None, None, REFUSED, "「慰问」"),
    ("研究费用", "骨干成员津贴", None, None, REFUSED, "「津贴」"),
    ("设备购置", "为分公司购置全站仪", None, None, REFUSED, OUTSIDE),
    ("研究费用", "帮兄弟单位采购试验材料", None, None, REFUSED, OUTSIDE),
    ("设备购置", "替机关购买打印机", None, None, REFUSED, OUTSIDE),
    ("研究费用", "成员体检", None, None, REFUSED, "「体检」"),
    ("研究费用", "技术咨询费", "person", None, REFUSED, "付给成员或其他个人"),
    ("设备购置", "购买电脑", None, "other_unit", REFUSED, "为其他部门或单位花的"),
    ("设备购置", "购买电脑", None, "person", REFUSED, OUTSIDE),
    # booked: third parties' services, the three uses
    ("研究费用", "委托第三方检测机构检测混凝土试块", None, None, BOOKED, ""),
    ("研究费用", "外委隧道监测数据采集", None, None, BOOKED, ""),
    ("研究费用", "委托高校技术咨询", None, None, BOOKED, ""),
    ("研究费用", "专利代理费", None, None, BOOKED, ""),
    ("研究费用", "支付给中铁某局试验费", None, None, BOOKED, ""),
    ("研究费用", "技术咨询费", "supplier", None, BOOKED, ""),
    ("研究费用", "试验费", "other_unit", "studio", BOOKED, ""),
    ("成果推广", "参评省部级科技进步奖报名费", None, None, BOOKED, ""),
    ("成果推广", "奖励激励制度上墙展板", None, None, BOOKED, ""),
    ("设备购置", "全站仪", None, None, BOOKED, ""),
    # ask: who is paid, for whom — where it decides the verdict
    ("研究费用", "技术咨询费", None, None, ASK, "收款方"),
    ("研究费用", "技术服务费", None, None, ASK, "收款方"),
    ("设备购置", "为公司购买电脑", None, None, ASK, "受益方"),
    ("设备购置", "为成员购买工作服", None, None, ASK, "受益方"),
    ("研究费用", "试验费", "other_unit", None, ASK, "受益方"),
    # held for the unit union: the rule cannot decide
    ("研究费用", "办公用品", None, None, HELD, "「日常活动经费原则上由所在单位承担」"),
    ("研究费用", "差旅费", None, None, HELD, "日常开支"),
    ("设备购置", "会议室装修", None, None, HELD, "日常开支"),
    ("设备购置", "成果展板制作", None, None, HELD, "看起来属于「成果推广」"),
    ("研究费用", "其他", None, None, HELD, "未能确认用途「其他」属于「研究费用」"),
    ("", "激光测距仪", None, None, HELD, "类别「未填写」不是设备购置、研究费用、成果推广之一"),
]


@pytest.mark.parametrize("category, purpose, payee, beneficiary, kind, fragment", LINES)
def test_an_expense_is_judged_by_recipient_purpose_and_place(category, purpose, payee, beneficiary, kind, fragment):
    verdict = funding_rule.judge(category, purpose, payee, beneficiary)
    assert verdict.kind == kind, verdict
    if kind == ASK:
        assert verdict.ask == fragment and verdict.question.startswith(
            "这笔钱付给谁？" if fragment == "收款方" else "这笔钱为谁花？")
        assert verdict.reason
    elif kind == BOOKED:
        assert verdict.reason == ""
    else:
        assert fragment in verdict.reason, verdict.reason
    if kind == REFUSED:
        assert "不能从工作室经费中支出" in verdict.reason


def test_the_words_alone_refuse_before_anything_is_asked():
    assert funding_rule.refusal("课题组成员技术咨询费").kind == REFUSED
    assert funding_rule.refusal("委托外单位检测试样") is None
    assert funding_rule.people_payment("为项目部购买办公电脑") == "为项目部"


@pytest.mark.parametrize("data, counts", [
    ({"direction": "支出", "amount": "1"}, True),
    ({"direction": "支出", "amount": "1", "hold": "pending"}, False),
    ({"direction": "支出", "amount": "1", "hold": "confirmed"}, True),
    ({"direction": "收入", "amount": "1"}, False),
])
def test_a_held_expense_is_not_money_spent_until_confirmed(data, counts):
    assert funding_rule.counts_as_spent(data) is counts


# -- 专项科研经费 -----------------------------------------------------------------------------------

PROJECT = {"kind": "立项", "title": "智能纠偏", "date": "20250301", "plan": "样机", "target": "20251231"}


def test_a_budget_is_proposed_approved_and_spent_against():
    proposed = research_budget.propose(PROJECT, "3")
    assert proposed["budget"] == "3" and proposed["budget_state"] == "pending" and PROJECT.get("budget") is None
    expenses = [{"direction": "支出", "amount": "1", "project": 7},
                {"direction": "支出", "amount": "0.5", "project": 7, "hold": "pending"},      # held: not yet
                {"direction": "支出", "amount": "2", "project": 8},                           # another 立项
                {"direction": "支出", "amount": "4"}]
    now = research_budget.standing(7, proposed, expenses)
    assert (now.budget, now.state, now.spent) == (Decimal(3), "pending", Decimal(1))
    assert research_budget.charge_problem(now, "1") == "该立项的专项科研经费预算尚未经所在单位审批"
    approved = research_budget.decide(proposed, True)
    now = research_budget.standing(7, approved, expenses)
    assert now.left == Decimal(2) and not now.over
    assert research_budget.charge_problem(now, "2") == ""
    assert research_budget.charge_problem(now, "2.5") == "超出预算：预算 3 万元，已支出 1 万元，尚余 2 万元"
    refused = research_budget.standing(7, research_budget.decide(proposed, False), expenses)
    assert research_budget.charge_problem(refused, "0.1") == "该立项的专项科研经费预算未获批准"
    none = research_budget.standing(7, PROJECT, expenses)
    assert none.state == "" and research_budget.charge_problem(none, "0.1") == "该立项没有专项科研经费预算"
    with pytest.raises(ValueError):
        research_budget.propose(PROJECT, "0")
    with pytest.raises(ValueError):
        research_budget.decide(PROJECT, True)
