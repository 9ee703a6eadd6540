"""七有 evidence the form has no field for, asked in chat: 制度 (six kinds), 设备 (four), 场所 (牌匾 and
functions); the team's structure; shown in 七有, to reviewers and in 附件2."""
import io
import uuid

import pytest
from docx import Document
from sqlalchemy import select

from bot import files
from bot.message import Attachment as Incoming_Attachment, Incoming
from storage.models import Attachment, StoredFile
from tests.form_data import fill_all


@pytest.fixture(autouse=True)
def may_2025(may_2025):
    return may_2025


def send_file(bot, user="leader", name="photo.jpg", text=""):
    with bot.db.transaction() as s:
        token = files.save(bot, s, name, b"\xff\xd8 photo").token
    replies = bot.handle(Incoming(channel="web", user=user, kind="image", text=text, message_id=uuid.uuid4().hex,
                                  attachments=[Incoming_Attachment(kind="image", ref=token, name=name)]))
    return "\n".join(r.text for r in replies)


def kept_files(bot):
    with bot.db.session() as s:
        rows = s.execute(select(Attachment.field_key, StoredFile.name)
                         .join(StoredFile, StoredFile.id == Attachment.file_id).order_by(Attachment.id)).all()
        return [tuple(r) for r in rows]


def line(reply, have):
    return next(x for x in reply.splitlines() if have in x)


def test_one_activity_no_longer_makes_rules_met_the_six_kinds_are_asked(bot, chat):
    leader = chat("leader")
    leader.send("活动 学习 工作室打扫卫生 2024-06-01 3人 1小时")
    leader.send("确认")
    leader.send("申报")
    leader.send("取消")
    leader.press("确认退出")
    have = line(leader.send("七有"), "有工作制度")
    assert have.startswith("? 有工作制度：尚未登记制度") and "活动台账近一年记录 1 次活动（仅作佐证）" in have
    reply = leader.send("制度")
    assert "已有哪些制度？可以回复编号或名称，如 1 3" in reply and "1. · 团队学习" in reply and "6. · 内部管理" in reply
    reply = leader.send("1 3 5")
    assert "已登记制度：团队学习、创新计划、奖励激励；尚缺：活动开展、成果发布、内部管理" in reply
    have = line(leader.send("七有"), "有工作制度")
    assert have.startswith("✗ 有工作制度") and "缺少：活动开展、成果发布、内部管理" in have
    reply = leader.send("制度 内部管理")
    assert "附在「制度（内部管理）」下" in reply
    assert "已附在「制度（内部管理）」下（共 1 份）" in send_file(bot, name="内部管理制度.jpg")
    leader.send("制度 活动开展 成果发布")
    have = line(leader.send("七有"), "有工作制度")
    assert have.startswith("✓ 有工作制度") and "6 类齐全" in have and "附文件 1 份" in have
    assert kept_files(bot) == [("seven.rules.内部管理", "内部管理制度.jpg")]
    leader.send("制度 去掉 6")
    assert "缺少：内部管理" in line(leader.send("七有"), "有工作制度")
