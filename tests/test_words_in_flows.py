"""Every word that is both a command and a plausible answer, typed in every kind of task, as transcripts.

Each cell says what the user gets: the answer stored, the command answered and the task asked again,
the task's own word, or what a button does. In every cell nothing typed is lost, nothing is stored that
was not meant, and no apology is given. Both engines.
"""
import pytest
from sqlalchemy import func, select

from storage import applications
from storage.models import Application, AuditEntry, LedgerEntry

pytestmark = pytest.mark.usefixtures("may_2025")

APOLOGY = "系统出了点问题"


def answers(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        return applications.load_answers(s, app.id) if app else {}


def ledger_count(bot):
    with bot.db.session() as s:
        return s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.deleted_at.is_(None)))


# -- the application form, at a text field (工作室名称 is asked first) ----------------------------------

@pytest.mark.parametrize("word, expect, stored", [
    ("成果", "✓ 创新工作室名称：成果", "成果"),                    # a bare ledger word is the answer here
    ("成员", "✓ 创新工作室名称：成员", "成员"),
    ("经费", "✓ 创新工作室名称：经费", "经费"),
    ("活动", "✓ 创新工作室名称：活动", "活动"),
    ("成果 转化中心", "✓ 创新工作室名称：成果 转化中心", "成果 转化中心"),   # no kind of achievement: an answer
    ("证明", "证明材料（共 0 份）", None),                      # the command, then the field again
    ("制度", "已有哪些制度？", None),
    ("导出", "正在生成申报审批表", None),
    ("七有", "有劳模领衔", None),
    ("我是谁", "您是 王海", None),
    ("帮助", "随时可以说", None),                                # the form's own help
    ("进度", "已填 0/", None),
    ("确认", "请直接输入", None),                                # nothing is asked with a button: no answer
    ("取消", "确定退出填写吗", None),
    ("申报", "2025 年度创新工作室申报表", None),                  # already open: brought back
])
def test_words_at_the_forms_text_field(bot, chat, word, expect, stored):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send(word)
    assert expect in reply, reply
    assert APOLOGY not in reply
    assert answers(bot).get("cover.name") == stored
    if stored is None and word not in ("取消",):
        assert "第 1 项 创新工作室名称" in reply, reply        # asked again, where it was


@pytest.mark.parametrize("word, expect", [
    ("成果", "请在「成果」后面写上内容"),                          # a ledger word alone: its hint, then the field
    ("经费", "请在「经费」后面写上内容"),
    ("确认", "请直接输入"),
    ("帮助", "成员总数"),
])
def test_words_at_a_number_field(bot, chat, word, expect):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 成员总数")
    reply = leader.send(word)
    assert expect in reply and APOLOGY not in reply, reply
    assert "成员总数" in reply.splitlines()[-1]
    assert "basics.members" not in answers(bot)
    assert "✓ 成员总数：15" in leader.send("15")


def test_words_in_the_narrative(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 业绩简介")
    assert "请在「成果」后面写上内容" in leader.send("成果")       # a bare word is no paragraph
    paragraph = "成果 方面，工作室近两年完成了盾构管片拼装定位装置的研制，" * 3
    assert "已收到" in leader.send(paragraph)                       # prose starting with a word is prose
    assert answers(bot)["narrative"] == paragraph
    assert ledger_count(bot) == 0


# -- an entry waiting for 确认 ------------------------------------------------------------------------

LINE = "成果 立项 盾构刀盘磨损监测 2025-02-01 目标2025-12-31 计划：年内完成样机"


@pytest.mark.parametrize("word, expect, saved", [
    ("确认", "已记入创新成果台账", 1),                              # typed: what the button does
    ("确认保存", "已记入创新成果台账", 1),
    ("保存", "已记入创新成果台账", 1),
    ("取消", "已取消，这条台账没有保存", 0),
    ("成果", "请在「成果」后面写上内容", 0),                         # then the entry is shown again
    ("帮助", "这条台账还没有保存", 0),
    ("进度", "待确认保存", 0),
    ("随便说点什么", "请先确认刚才这条台账", 0),
])
def test_words_while_an_entry_waits(bot, chat, word, expect, saved):
    leader = chat("leader")
    leader.send(LINE)
    reply = leader.send(word)
    assert expect in reply and APOLOGY not in reply, reply
    assert ledger_count(bot) == saved
    if not saved and word != "取消":
        assert "确认保存" in leader.buttons()


def test_an_interrupted_project_comes_back_after_a_quick_line(bot, chat):
    """The interrupted-立项 case: a 立项 waiting at 确认保存, a quick 获奖 line typed, both saved."""
    leader = chat("leader")
    leader.send("申报")
    leader.send(LINE)
    reply = leader.send("成果 获奖 管片拼装机器人 省部级 中国施工企业管理协会 2025年4月2日")
    assert "获奖" in reply and leader.buttons() == ["确认保存", "修改", "取消"]
    reply = leader.send("确认")
    assert "已记入创新成果台账" in reply and "继续刚才的立项登记：请确认保存" in reply and "盾构刀盘磨损监测" in reply
    reply = leader.send("确认保存")
    assert "已记入创新成果台账" in reply and "继续填写申报表" in reply and "第 1 项 创新工作室名称" in reply
    with bot.db.session() as s:
        kinds = [e.data["kind"] for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.id))]
    assert kinds == ["获奖", "立项"]
    assert "管片" not in (answers(bot).get("cover.name") or "")


# -- a reviewer's opinion -------------------------------------------------------------------------------

def test_words_in_a_reviewers_opinion(bot, chat, submitted):
    union = chat("union")
    union.send("审批")
    union.press("退回修改")
    reply = union.send("帮助")                                     # help, then the question again
    assert "请说明需要修改或补充的内容" in reply and APOLOGY not in reply
    reply = union.send("成果")
    assert "请在「成果」后面写上内容" not in reply or "请说明需要修改" in reply
    assert "已选：成果转化" in union.send("成果转化的证明材料不全，请补充")   # the opinion itself
    reply = union.press("确认退回")
    assert "已退回给" in reply
    with bot.db.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "review.return")).one()
        assert row.detail == "成果转化的证明材料不全，请补充" and row.actor == "李秀英"


def test_a_typed_confirmation_approves_like_the_button(bot, chat, submitted):
    union = chat("union")
    union.send("审批")
    union.press("同意")
    assert "已同意，已转第 2 步" in union.send("确认")


def test_cancel_ends_the_top_task_and_says_so(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("记活动")
    reply = leader.send("取消")
    assert "已取消，这条台账没有保存" in reply and "继续填写申报表" in reply
    assert "确定退出填写吗" in leader.send("取消")                  # now the form's own 取消
