"""The narrative is the leader's text only (issue 26 item 3): questions and remarks answered, not stored; parts
listed, replaced, deleted and moved; the outline in 帮助; a draft shown and stored only when accepted."""
import io

import pytest
from docx import Document
from sqlalchemy import select

from handlers.application.docx_render import render_application_docx
from handlers.application.schema import application_form
from storage import applications
from storage.models import Application
from tests.form_data import SCALARS

pytestmark = pytest.mark.usefixtures("may_2025")

PARTS = ["工作室成立于二〇一八年，围绕盾构施工中的重难点问题开展技术攻关。" * 5,
         "近两年完成创新成果十二项，其中发明专利两项，实用新型专利三项。" * 5,
         "工作室坚持来自一线、服务一线，培养技术骨干多名，取得了良好的经济效益和社会效益。" * 5]


def narrative(bot):
    with bot.db.session() as s:
        return applications.load_answers(s, s.scalar(select(Application)).id).get("narrative")


@pytest.fixture
def leader(chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 业绩简介")
    return leader


@pytest.mark.parametrize("typed, said", [
    ("业绩简介要写哪些内容？", "一、基本情况"), ("有没有模板？", "一、基本情况"), ("简介写多少字合适", "不少于 1000 字"),
    ("业绩简介我先发一部分", "请直接发送简介的内容"), ("下面是第二部分", "请直接发送简介的内容"),
])
def test_a_question_or_a_remark_at_the_narrative_is_answered_not_stored(bot, leader, typed, said):
    reply = leader.send(typed)
    assert said in reply and "没有记入简介" in reply
    assert narrative(bot) is None
    leader.send(PARTS[0])
    assert narrative(bot) == PARTS[0]


def test_a_short_line_is_asked_about_and_kept_only_when_meant(bot, leader):
    assert "“谢谢”这句要写进简介吗？" in leader.send("谢谢")
    assert "没有记入简介" in leader.press("不用")
    assert narrative(bot) is None
    assert "“一、基本情况”这句要写进简介吗？" in leader.send("一、基本情况")
    assert "已收到，共 6 字" in leader.send("是")
    assert narrative(bot) == "一、基本情况"


def test_help_at_the_narrative_gives_the_outline_of_attachment_2(leader):
    reply = leader.send("帮助")
    assert "一、基本情况" in reply and "二、近两年活动开展情况" in reply and "三、近两年活动成效" in reply
    assert "生成草稿" in reply and "替换第1段" in reply


def test_parts_are_listed_replaced_deleted_and_moved_one_by_one(bot, leader):
    for part in PARTS:
        leader.send(part)
    reply = leader.send("简介 列表")
    assert "第1段（160字）工作室成立于二〇一八年" in reply and "第3段" in reply and "第4段" not in reply
    assert "已删除第 2 段" in leader.send("删除第2段")
    assert narrative(bot) == PARTS[0] + "\n" + PARTS[2]
    assert "已把第 2 段移到第 1 段" in leader.send("第2段移到第1段")
    assert narrative(bot) == PARTS[2] + "\n" + PARTS[0]
    new = "工作室由王海领衔，现有成员十七人，平均年龄三十八岁。"
    assert "已替换第 2 段" in leader.send(f"替换第二段 {new}")
    assert narrative(bot) == PARTS[2] + "\n" + new
    assert "没有第 5 段，简介目前共 2 段" in leader.send("删除第5段")
    values = {"narrative": narrative(bot)}
    document = Document(io.BytesIO(render_application_docx(application_form(2025), values, year=2025)))
    texts = [p.text for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    assert PARTS[2] in texts and new in texts and PARTS[0] not in texts


def test_a_draft_is_shown_and_stored_only_when_accepted(bot, leader):
    for label, typed, _ in SCALARS:
        leader.send(f"{label}：{typed}")
    leader.send("修改 业绩简介")
    reply = leader.send("生成草稿")
    assert "拼了一份草稿" in reply and "还没有记入简介" in reply and "一、基本情况" in reply
    assert "王海隧道掘进劳模创新工作室（以下简称工作室）创建于2018年4月20日" in reply
    assert "（待补充）" not in reply
    assert narrative(bot) is None
    leader.send(PARTS[0])                       # something else sent: the draft is not stored
    assert narrative(bot) == PARTS[0]
    leader.send("生成草稿")
    assert leader.buttons() == ["用草稿替换现有 160 字", "接在现有内容后面", "不用"]
    assert "没有记入" in leader.press("不用") and narrative(bot) == PARTS[0]
    leader.send("生成草稿")
    assert "已采用草稿（接在后面）" in leader.press("接在现有内容后面")
    stored = narrative(bot)
    assert stored.startswith(PARTS[0] + "\n一、基本情况\n王海隧道掘进劳模创新工作室") and "（待补充）" not in stored
