"""A ledger line typed while the application form is open goes to the ledger, not into the pending
answer; entries typed one after another all wait for 确认 on the stack, none is dropped, and each
task that was interrupted comes back and says where it was."""
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.support.clock import clock
from storage import applications
from storage.models import Application, LedgerEntry


@pytest.fixture(autouse=True)
def may_2025():
    clock.set_now(datetime(2025, 5, 20, 10, 0))


def answers(bot):
    with bot.db.session() as s:
        return applications.load_answers(s, s.scalar(select(Application)).id)


def entries(bot):
    with bot.db.session() as s:
        return [(e.ledger, e.data.get("kind") or e.data.get("direction"), e.data.get("title") or e.data.get("purpose"))
                for e in s.scalars(select(LedgerEntry).where(LedgerEntry.deleted_at.is_(None)).order_by(LedgerEntry.id))]


@pytest.mark.parametrize("line, ledger", [
    ("成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日", "achievement"),
    ("经费 支出 2000元 设备购置 激光测距仪 2024-03-02", "funding"),
])
def test_a_ledger_line_in_the_middle_of_the_form_goes_to_the_ledger(bot, chat, line, ledger):
    leader = chat("leader")
    leader.send("申报")
    leader.send("王海隧道掘进劳模创新工作室")
    assert "单位类型" in leader.send("中交示范工程局有限公司")      # the form now asks 单位类型
    reply = leader.send(line)
    assert reply.startswith("记一条") and leader.buttons() == ["确认保存", "修改", "取消"]
    assert "cover.unit_type" not in answers(bot) and "cover.recommender" not in answers(bot)
    reply = leader.press("确认")
    assert "已记入" in reply and "继续填写申报表：继续第 3 项 单位类型" in reply
    assert [e[0] for e in entries(bot)] == [ledger]
    assert "✓ 单位类型：施工企业" in leader.send("施工企业")            # back in the form where it was
    assert answers(bot)["cover.unit_type"] == "施工企业"
    leader.send(line)
    leader.press("确认")
    assert "暂不能提交" in leader.send("提交")                          # the form's own 提交


def test_the_form_still_takes_a_word_that_is_no_ledger_entry(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("成果 转化中心")           # not a kind of achievement: the answer to 工作室名称
    assert "✓ 创新工作室名称：成果 转化中心" in reply or "✓ 创新工作室名称：成果转化中心" in reply
    assert entries(bot) == []


def test_lines_typed_one_after_another_all_wait_for_confirmation(bot, chat):
    leader = chat("leader")
    leader.send("成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日")
    reply = leader.send("经费 支出 2000元 设备购置 激光测距仪 2024-03-02")
    assert "激光测距仪" in reply and leader.buttons() == ["确认保存", "修改", "取消"]
    reply = leader.send("确认")                 # typed: what the button does
    assert "已记入经费台账" in reply and "继续刚才的创新成果登记：请确认保存" in reply and "一种盾构管片拼装定位装置" in reply
    assert "已记入创新成果台账" in leader.send("确认保存")
    assert entries(bot) == [("funding", "支出", "激光测距仪"), ("achievement", "发明专利", "一种盾构管片拼装定位装置")]


def test_a_waiting_entry_survives_another_task(bot, chat):
    leader = chat("leader")
    leader.send("成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日")
    leader.send("申报")
    reply = leader.send("进度")
    assert "另有未完成的事项" in reply and "一种盾构管片拼装定位装置" in reply
    reply = leader.send("待确认台账")
    assert "一种盾构管片拼装定位装置" in reply and leader.buttons() == ["确认保存", "修改", "取消"]
    reply = leader.press("确认")
    assert "已记入" in reply and "继续填写申报表" in reply
    leader.send("成果 发明专利 一种注浆装置 2024年3月12日")
    leader.send("记活动")                        # a guided entry on top: the waiting one is kept below
    reply = leader.send("取消")
    assert "继续刚才的创新成果登记：请确认保存" in reply and "一种注浆装置" in reply
    assert "已记入" in leader.press("确认")
    assert "继续填写申报表" in leader.last[-1].text or "继续" in "".join(r.text for r in leader.last)
    assert len(entries(bot)) == 2
