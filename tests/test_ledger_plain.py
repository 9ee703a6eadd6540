"""Ledger lines in plain words and the closest things to say (issue 26 item 5): pure table tests.

``plain.recognise`` reads a message typed outside any form as a ledger line without its keyword
(or not); ``plain.suggest`` gives the two or three closest things to say; the quick-entry grammar
they share suggests 设备购置 for a purchase of an instrument. "Today" is Monday 7 December 2026.
"""
import datetime

import pytest

from bot.errors import InvalidInput
from handlers.ledgers import funding_rule, plain, quick

TODAY = datetime.date(2026, 12, 7)

RECOGNISED = [
    # the three messages of the issue
    ("给团队成员发放节日慰问金2000元", "funding",
     {"direction": "支出", "amount": "0.2", "purpose": "给团队成员发放节日慰问金"}, ()),
    ("购买三坐标测量仪 3.2万", "funding",
     {"direction": "支出", "amount": "3.2", "purpose": "购买三坐标测量仪", "category": "设备购置"}, ("category",)),
    ("11月28号搞了一次管片拼装技术交流，来了18个人", "activity",
     {"kind": "技术交流", "date": "20261128", "participants": 18, "topic": "管片拼装技术交流"}, ()),
    # payments and purchases
    ("花了3.2万买了一台三坐标测量仪", "funding",
     {"direction": "支出", "amount": "3.2", "purpose": "买了一台三坐标测量仪", "category": "设备购置"}, ("category",)),
    ("昨天购买测量仪花了2000元", "funding",
     {"direction": "支出", "amount": "0.2", "date": "20261206", "purpose": "购买测量仪", "category": "设备购置"},
     ("category",)),
    ("买了两台电脑共一万二千元", "funding",
     {"direction": "支出", "amount": "1.2", "purpose": "买了两台电脑", "category": "设备购置"}, ("category",)),
    ("报销打印纸300元", "funding", {"direction": "支出", "amount": "0.03", "purpose": "报销打印纸"}, ()),
    ("12月1日支付专利代理费 5000 元", "funding",
     {"direction": "支出", "amount": "0.5", "date": "20261201", "purpose": "支付专利代理费"}, ()),
    ("采购盾构刀具试验材料三万五千元", "funding",
     {"direction": "支出", "amount": "3.5", "purpose": "采购盾构刀具试验材料"}, ()),
    ("给大家发了过节费 每人500元", "funding",
     {"direction": "支出", "amount": "0.05", "purpose": "给大家发了过节费，每人"}, ()),
    ("１２月２日购置全站仪２．５万元", "funding",
     {"direction": "支出", "amount": "2.5", "date": "20261202", "purpose": "购置全站仪", "category": "设备购置"},
     ("category",)),
    # money received
    ("收到局工会拨款5万元", "funding", {"direction": "收入", "amount": "5", "unit": "局工会"}, ()),
    ("局工会拨付经费5万元", "funding", {"direction": "收入", "amount": "5", "unit": "局工会"}, ()),
    ("11月20日经费到账3万元", "funding", {"direction": "收入", "amount": "3", "date": "20261120"}, ()),
    # activities: a kind, a date and a head count
    ("昨天在工作室组织了一次盾构操作培训，共25人参加，4个小时", "activity",
     {"kind": "技能培训", "date": "20261206", "participants": 25, "hours": "4", "place": "工作室",
      "topic": "盾构操作培训"}, ()),
    ("上周五开展师带徒活动，王海带赵磊，2人", "activity",
     {"kind": "师带徒", "date": "20261204", "participants": 2, "topic": "师带徒活动", "notes": "王海带赵磊"}, ()),
    ("盾构开挖技术交流 12月1日 20人", "activity",
     {"kind": "技术交流", "date": "20261201", "participants": 20, "topic": "盾构开挖技术交流"}, ()),
    ("１１月２８号技能培训３０人", "activity",
     {"kind": "技能培训", "date": "20261128", "participants": 30, "topic": "技能培训"}, ()),
    ("前天举办了BIM建模学习研讨，十二名成员参加", "activity",
     {"kind": "学习研讨", "date": "20261205", "participants": 12, "topic": "BIM建模学习研讨"}, ()),
    ("2026年10月15日 成果展示 来了40人 2小时", "activity",
     {"kind": "成果展示", "date": "20261015", "participants": 40, "hours": "2", "topic": "成果展示"}, ()),
    ("12月3号搞了次焊接培训 来了 8 个人", "activity",
     {"kind": "技能培训", "date": "20261203", "participants": 8, "topic": "焊接培训"}, ()),
]

NOT_LINES = [
    "经费还剩多少？",                                   # a question
    "培训要怎么登记",
    "测量仪 3.2万",                                     # an amount, but no payment or purchase
    "今天天气不错",
    "11月28号搞了一次培训，来了18个人，花了2000元",      # two entries in one message
    "明天搞一次培训，预计30人参加",                      # a plan, not a record
    "下周要买一台测量仪 3万",
    "11月28号没搞培训",
    "技术交流来了18个人",                               # no date
    "11月28号搞了一次技术交流",                          # no head count
    "经费 支出 2000元 设备购置 激光测距仪 2024-03-02",   # a line with its keyword: the quick entry's
    "记活动",
    "购买测量仪\n3.2万",                                 # several lines
    "",
]


@pytest.mark.parametrize("text, ledger, data, suggested", RECOGNISED, ids=[t for t, *_ in RECOGNISED])
def test_a_line_in_plain_words_is_recognised(text, ledger, data, suggested):
    line = plain.recognise(text, today=TODAY)
    assert line is not None
    assert (line.ledger, line.data, line.suggested) == (ledger, data, suggested)
    # the line shown as understood reads back to the same entry through the quick-entry grammar
    keyword, rest = line.line.split(" ", 1)
    assert {"经费": "funding", "活动": "activity"}[keyword] == ledger
    assert quick.read_line(ledger, rest, today=TODAY, rule=False).data == data


@pytest.mark.parametrize("text", NOT_LINES)
def test_what_is_not_clearly_a_line_is_left_alone(text):
    assert plain.recognise(text, today=TODAY) is None


def test_a_payment_to_people_is_classified_not_judged():
    """The funding rule is the caller's: the line comes back, and the rule refuses it."""
    line = plain.recognise("给团队成员发放节日慰问金2000元", today=TODAY)
    verdict = funding_rule.judge(line.data.get("category", ""), line.data["purpose"])
    assert verdict.kind == funding_rule.REFUSED and "慰问" in verdict.reason
    assert line.line == "经费 支出 2000元 给团队成员发放节日慰问金"
    with pytest.raises(InvalidInput) as info:           # with its keyword the quick entry refuses it at once
        quick.read_line("funding", line.line.split(" ", 1)[1], today=TODAY)
    assert "不能记录" in str(info.value)


def test_the_line_shown_gives_the_day_a_relative_date_was_read_as():
    line = plain.recognise("昨天购买测量仪花了2000元", today=TODAY)
    assert line.line == "经费 支出 2000元 2026-12-06 购买测量仪"


def test_a_clearly_meant_but_impossible_date_is_refused_with_the_reason():
    with pytest.raises(InvalidInput) as info:
        plain.recognise("2月30号搞了一次培训，来了18个人", today=TODAY)
    assert "2月只有 29 天" in str(info.value)


# --- quick entry with its keyword suggests the category too -----------------------------------------

QUICK = [
    ("支出 3.2万 购买三坐标测量仪 12月3号", {"direction": "支出", "amount": "3.2", "purpose": "购买三坐标测量仪",
                                          "category": "设备购置", "date": "20261203"}, ("category",)),
    ("支出 2000元 采购 激光测距仪 昨天", {"direction": "支出", "amount": "0.2", "purpose": "采购 激光测距仪",
                                      "category": "设备购置", "date": "20261206"}, ("category",)),
    ("支出 800元 购置数控机床配件 2026-11-02", {"direction": "支出", "amount": "0.08", "purpose": "购置数控机床配件",
                                             "category": "设备购置", "date": "20261102"}, ("category",)),
    ("支出 2000元 研究费用 购买试验仪器耗材 2026-11-02",     # a category typed is kept
     {"direction": "支出", "amount": "0.2", "category": "研究费用", "purpose": "购买试验仪器耗材", "date": "20261102"},
     ()),
    ("支出 1500元 买机票 2026-11-02", {"direction": "支出", "amount": "0.15", "purpose": "买机票",
                                     "date": "20261102"}, ()),
    ("支出 600元 印刷成果手册 2026-11-02", {"direction": "支出", "amount": "0.06", "purpose": "印刷成果手册",
                                         "date": "20261102"}, ()),
]


@pytest.mark.parametrize("words, data, suggested", QUICK, ids=[w for w, *_ in QUICK])
def test_quick_entry_suggests_equipment_for_a_purchase_of_an_instrument(words, data, suggested):
    line = quick.read_line("funding", words, today=TODAY)
    assert (line.data, line.suggested) == (data, suggested)


def test_quick_entry_reads_a_month_and_day_and_a_head_count_with_ge_ren():
    data = quick.parse_line("activity", "技术交流 管片拼装 12月3号 3个人 2小时", today=TODAY)
    assert data == {"kind": "技术交流", "topic": "管片拼装", "date": "20261203", "participants": 3, "hours": "2"}


def test_a_weekday_is_a_date_in_an_activity_line_but_a_name_in_a_member_line():
    data = quick.parse_line("activity", "技能培训 焊接培训 上周五 8人 2小时", today=TODAY)
    assert data["date"] == "20261204"
    data = quick.parse_line("member", "加入 周天 12月1日", today=TODAY)
    assert data == {"kind": "加入", "name": "周天", "date": "20261201"}


# --- the closest things to say ---------------------------------------------------------------------

EXPENSE = "记一笔支出：经费 支出 2000元 设备购置 激光测距仪 2024-03-02"
INCOME = "记一笔收入：经费 收入 5万元 中交示范工程局 2024年1月5日"
BALANCE = "查经费余额：经费余额"
ACTIVITY = "记一次活动：活动 技能培训 盾构操作培训 2024-05-10 25人 4小时"
ACHIEVEMENT = "记一项成果：成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日"
MEMBER = "记成员变动：成员 晋升 赵磊 高级技师 2023年6月1日"
HELP, APPLY, PROGRESS = "查看全部功能：帮助", "填写申报表：申报", "查看申报进度：进度"

SUGGESTED = [
    ("经费怎么记", [EXPENSE, HELP, APPLY]),
    ("钱花在哪里了", [EXPENSE, HELP, APPLY]),
    ("测量仪 3.2万", [EXPENSE, HELP, APPLY]),
    ("培训的事", [ACTIVITY, HELP, APPLY]),
    ("上周交流会", [ACTIVITY, HELP, APPLY]),
    ("专利证书下来了", [ACHIEVEMENT, HELP, APPLY]),
    ("获奖了", [ACHIEVEMENT, HELP, APPLY]),
    ("赵磊晋升了", [MEMBER, HELP, APPLY]),
    ("还剩多少钱", [BALANCE, EXPENSE, HELP]),
    ("局里拨款到账了", [INCOME, HELP, APPLY]),
    ("查进度", [PROGRESS, HELP, APPLY]),
    ("你好呀", [HELP, APPLY, PROGRESS]),
    ("嗯嗯", [HELP, APPLY, PROGRESS]),
    ("", [HELP, APPLY, PROGRESS]),
    ("培训花了2000元", [EXPENSE, ACTIVITY, HELP]),
]


@pytest.mark.parametrize("text, expected", SUGGESTED, ids=[t or "empty" for t, _ in SUGGESTED])
def test_the_closest_things_to_say(text, expected):
    assert plain.suggest(text) == expected


def test_suggestions_keep_to_the_words_the_user_may_use():
    """A reviewer has no 申报 or 经费: only what they may say is suggested."""
    assert plain.suggest("经费怎么记", words={"帮助", "进度", "审批"}) == [HELP, PROGRESS]


def test_the_tables_hold_at_least_30_rows():
    assert len(RECOGNISED) + len(NOT_LINES) + len(QUICK) + len(SUGGESTED) >= 30


# --- in chat: what is not understood gets the closest things this user may say ---------------------

def test_not_understood_gets_the_closest_things_the_user_may_say(chat):
    leader = chat("leader")
    reply = leader.send("经费这个怎么弄")
    assert reply == f"没太明白您的意思。您可以这样说：\n· {EXPENSE}\n· {HELP}\n· {APPLY}"
    reply = leader.send("专利证书下来了")
    assert reply.startswith("没太明白您的意思。") and f"· {ACHIEVEMENT}" in reply
    union = chat("union")                 # no 经费 entries, no 申报 for a union officer
    reply = union.send("经费这个怎么弄")
    assert reply == f"没太明白您的意思。您可以这样说：\n· {HELP}"
