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
    assert have.startswith("待核实 有工作制度：尚未登记制度") and "活动台账近一年记录 1 次活动（仅作佐证）" in have
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


def test_equipment_is_the_four_kinds_not_one_small_purchase(bot, chat):
    leader = chat("leader")
    leader.send("经费 收入 5万元 中交示范工程局 2024年1月5日")
    leader.send("确认")
    leader.send("经费 支出 2000元 设备购置 激光测距仪 2024-03-02")
    leader.send("确认")
    leader.send("申报")
    leader.send("取消")
    leader.press("确认退出")
    have = line(leader.send("七有"), "有设备设施")
    assert have.startswith("待核实 有设备设施：尚未登记设备设施") and "经费台账记录设备购置 1 笔（仅作佐证）" in have
    reply = leader.send("设备")
    assert "1. · 资料" in reply and "4. · 实验仪器" in reply
    assert "已登记设备设施" not in reply
    reply = send_file(bot, name="设备全景.jpg")
    assert "已附在「设备」下（共 1 份）" in reply
    reply = leader.send("资料 电脑")
    assert "已登记设备：资料、电脑网络；尚缺：器材、实验仪器" in reply
    have = line(leader.send("七有"), "有设备设施")
    assert have.startswith("✗ 有设备设施") and "缺少：器材、实验仪器" in have and "附文件 1 份" in have
    assert "已登记设备：资料、器材、电脑网络、实验仪器（齐全）" in leader.send("设备 全部")
    assert line(leader.send("七有"), "有设备设施").startswith("✓ 有设备设施")


def members_form(leader, rows, total="5人", area="30平方米"):
    leader.send("申报")
    leader.send(f"成员总数：{total}")
    leader.send(f"场所面积：{area}")
    leader.send("修改 骨干成员")
    for member in rows:
        leader.press("添加一位")
        for value in member:
            leader.send(value)
    leader.press("完成骨干成员")


def test_team_structure_and_venue_plaque_and_functions(bot, chat):
    leader = chat("leader")
    same = [("张一", "男", "1970年1月", "大学专科", "技师", "机电队", "设备维修"),
            ("张二", "男", "1975年1月", "中专/高中", "高级工", "机电队", "设备维修"),
            ("张三", "男", "1980年1月", "大学专科", "技师", "机电队", "设备维修")]
    members_form(leader, same)
    reply = leader.send("七有")
    team = line(reply, "有创新团队")
    # issue 25: a weak structure is 待核实 with what is weak, no longer ✓ with a remark
    assert team.startswith("待核实 有创新团队：5 人") and "结构不够合理" in team
    assert "骨干成员都是同一专业（设备维修）" in team and "没有本科及以上学历的骨干成员" in team
    assert "没有 35 岁及以下的骨干成员" in team and "请核实：团队的专业技术结构、学历结构、年龄结构是否相对合理" in team
    venue = line(reply, "有固定场所")
    assert venue.startswith("待核实 有固定场所：30 平方米") and "牌匾和场所功能尚未登记" in venue
    reply = leader.send("场所")                        # in the form: the reply names the command
    assert "场所挂牌（牌匾）了吗？用于哪些活动？可以回复「场所 1 3」" in reply
    leader.send("场所 学习 研讨")
    venue = line(leader.send("七有"), "有固定场所")
    # issue 25: a missing plaque or function is 待核实, not ✗ (✗ is for no venue at all)
    assert venue.startswith("待核实 有固定场所") and "未挂牌" in venue
    assert "用于学习、研讨（未用于创新实践、成果荣誉展示）" in venue
    leader.send("场所 牌匾 展示")
    venue = line(leader.send("七有"), "有固定场所")
    # issue 25: a venue without 创新实践 is not ✓
    assert venue.startswith("待核实 有固定场所") and "已挂牌；用于学习、研讨、展示" in venue and "未登记用于创新实践" in venue
    leader.send("场所 创新实践")
    venue = line(leader.send("七有"), "有固定场所")
    assert venue.startswith("✓ 有固定场所") and "已挂牌；用于学习、研讨、展示、创新实践" in venue


def test_team_unknown_without_core_members(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("成员总数：5人")
    team = line(leader.send("七有"), "有创新团队")
    assert team.startswith("待核实 有创新团队：5 人") and "骨干成员尚未填写" in team


def test_reviewers_see_the_seven_haves_line_by_line(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    fill_all(leader)
    leader.send("制度 1 2 3 4 5")
    leader.send("提交")
    leader.press("确认提交")
    prompt = next(t for t in chat("union").inbox() if "【待审批】" in t)
    assert "七有 " in prompt and "七有自查：" in prompt
    assert "✗ 有工作制度：已有制度：团队学习、活动开展、创新计划、成果发布、奖励激励；缺少：内部管理" in prompt
    assert "待核实 有设备设施：尚未登记设备设施" in prompt
    assert "✓ 有劳模领衔：王海，2019 年全国五一劳动奖章" in prompt
    assert "有创新团队：15 人（要求 3 人以上）；骨干成员 3 人" in prompt


def materials_text(bot):
    from handlers.application import package
    from storage.models import Application
    with bot.db.session() as s:
        contents = package.collect(s, bot.config, s.scalar(select(Application)))
        doc = Document(io.BytesIO(contents.materials))
        labels = [p.label for p in contents.proofs]
    return [p.text for p in doc.paragraphs], labels


def test_materials_rules_and_equipment_from_what_was_recorded(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("场所面积：30平方米")
    texts, _ = materials_text(bot)
    at = texts.index("（一）制度建立情况")
    assert texts[at + 1] == "（待补充）"
    assert any("配套设备设施：（待补充）" in t for t in texts)
    leader.send("制度 团队学习")
    send_file(bot, name="学习制度.jpg")
    leader.send("制度 3 6")
    leader.send("设备 资料 电脑网络")
    leader.send("场所 挂牌 学习 展示")
    texts, labels = materials_text(bot)
    at = texts.index("（一）制度建立情况")
    assert texts[at + 1] == ("工作室建立了团队学习制度、创新计划制度、内部管理制度，制度文件 1 份附后。"
                             "尚未建立：活动开展、成果发布、奖励激励制度。")
    venue = next(t for t in texts if t.startswith("工作室有固定活动场所30平方米"))
    assert venue == "工作室有固定活动场所30平方米，已挂牌，用于学习、展示；配备资料、电脑网络等设备设施。"
    assert "（待补充）" not in venue and "（待补充）" not in texts[at + 1]
    assert labels == ["制度（团队学习）"]


def test_inside_the_form_a_bare_reply_to_the_list_is_recorded_not_stored_as_the_asked_field(bot, chat):
    from storage import applications
    from storage.models import Application
    leader = chat("leader")
    leader.send("申报")
    leader.send("制度")
    reply = leader.send("1 3 5")
    assert "已登记制度：团队学习、创新计划、奖励激励" in reply
    assert "第 1 项 创新工作室名称" in reply                 # back to the question the form was asking
    leader.send("设备")
    assert "✓ 创新工作室名称：测试名称劳模创新工作室" in leader.send("测试名称劳模创新工作室")   # not a list answer
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        answers = applications.load_answers(s, app.id)
        assert answers.get("cover.name") == "测试名称劳模创新工作室"
        assert sorted(app.flags["seven"]["rules"]) == sorted(["团队学习", "创新计划", "奖励激励"])
