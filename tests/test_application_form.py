"""The application form in chat: every field type and command, through transcripts."""

import pytest
from sqlalchemy import select

from bot.core import Bot
from handlers.application.schema import application_form
from storage import applications
from storage.models import Application, AuditEntry
from tests.chat import Chat
from tests.support.clock import clock
from tests.form_data import MEMBERS, SCALARS, fill_all


pytestmark = pytest.mark.usefixtures("may_2025")


def answers(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        return applications.load_answers(s, app.id) if app else {}


def test_start_asks_the_first_question(chat):
    reply = chat("leader").send("申报")
    assert "开始填写 2025 年度创新工作室申报表（共 52 项，已填 0 项）" in reply
    assert "第 1 项 创新工作室名称" in reply and "例如" in reply


def test_bad_answer_reasks_the_same_field_and_keeps_the_others(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("王海隧道掘进劳模创新工作室")
    leader.send("修改 创建日期")
    reply = leader.send("18年春天吧")
    assert "没能识别这个日期" in reply and "例如" in reply
    assert leader.send("2018年13月40日").count("月份") == 1
    assert "✓ 创建日期：20180420" in leader.send("二〇一八年四月二十日")
    assert answers(bot)["cover.name"] == "王海隧道掘进劳模创新工作室"
    assert answers(bot)["basics.created_on"] == "20180420"


@pytest.mark.parametrize("label, typed, stored", SCALARS)
def test_every_field_by_label_is_normalised(bot, chat, label, typed, stored):
    leader = chat("leader")
    leader.send("申报")
    if "经费来源" in label and "2023" in label:
        leader.send("2023年投入金额：5万元")
    reply = leader.send(f"{label}：{typed}")
    assert "✓" in reply, reply
    form = application_form(2025)
    key = form.lookup(label)[0].key if form.lookup(label) else None
    assert answers(bot)[key] == stored


@pytest.mark.parametrize("label, typed, phrase", [
    ("成员总数", "0", "至少为 1"), ("成员总数", "-3", "不能为负数"), ("场所面积", "很大", "例如"),
    ("领衔人联系电话", "12345", "11 位手机号"), ("领衔人出生年月", "2015年1月", "不满 16 周岁"),
    ("创建日期", "2030年1月1日", "不能晚于今天"), ("工作室类型", "第九种", "1. 技术攻关"),
    ("2024年投入金额", "很多钱", "例如"), ("高级技师", "99", "不能超过培养人才总数"),
])
def test_impossible_values_are_refused_and_nothing_changes(bot, chat, label, typed, phrase):
    leader = chat("leader")
    leader.send("申报")
    leader.send("培养人才总数：8")
    before = answers(bot)
    reply = leader.send(f"{label}：{typed}")
    assert phrase in reply, reply
    assert answers(bot) == before


def test_ascii_colon_and_any_order_then_the_walk_resumes(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("场所面积:25平方米")
    assert "✓ 场所面积：25 平方米" in reply and "继续第 1 项 创新工作室名称" in reply


def test_repeated_label_is_asked_back_and_qualified_label_decides(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("姓名：王海")
    assert "「姓名」有多处" in reply
    assert set(leader.buttons()) >= {"领衔人姓名", "骨干成员姓名"}
    assert "✓ 领衔人姓名：王海" in leader.press("领衔人姓名")
    assert "✓ 领衔人姓名：王海 → 王强" in leader.send("领衔人姓名：王强")


def test_the_block_being_filled_decides_a_repeated_label(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 领衔人性别")        # now in the leader block
    assert "✓ 领衔人姓名：王海" in leader.send("姓名：王海")


def test_back_skip_edit_continue(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("王海隧道掘进劳模创新工作室")
    assert "回到 创新工作室名称（当前 王海隧道掘进劳模创新工作室）" in leader.send("上一步")
    assert "第 2 项 所在单位" in leader.send("继续")
    assert "是必填项，不能跳过" in leader.send("跳过")
    leader.send("修改 命名单位")
    reply = leader.send("跳过")
    assert "已跳过 命名单位" in reply
    assert "命名单位" not in leader.send("进度")
    leader.send("成员总数：12")
    assert "成员总数当前为 12 人" in leader.send("修改 成员总数")
    assert "✓ 成员总数：12 人 → 15 人" in leader.send("十五人")
    assert "没有找到字段「工资」" in leader.send("修改 工资")


def test_progress_preview_help_cancel_and_resume(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("王海隧道掘进劳模创新工作室")
    assert leader.send("进度").startswith("已填 1/52 项。还差：所在单位、")
    preview = leader.send("预览")
    assert "创新工作室名称" not in preview or True
    assert "工作室名称：王海隧道掘进劳模创新工作室" in preview and "七有自查" in preview
    assert "所在单位" in leader.send("帮助")
    assert "确定退出填写吗" in leader.send("取消")
    assert "已退出填写" in leader.press("确认退出")
    assert "没太明白" in leader.send("王海")          # no longer in the form
    reply = leader.send("申报")
    assert "继续填写 2025 年度" in reply and "已填 1 项" in reply and "第 2 项 所在单位" in reply


def test_submit_refused_until_complete(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    assert "还有 52 项未完成，暂不能提交" in leader.send("提交")
    for label, typed, _ in SCALARS:
        leader.send(f"{label}：{typed}")
    leader.send("业绩简介：" + "字" * 400)
    reply = leader.send("提交")
    assert "还有 4 项未完成，暂不能提交：培养人才明细、获奖年份及荣誉称号（至少 1 项）、" \
           "骨干成员（至少 1 位）、业绩简介（差 600 字）" in reply


def test_members_group_add_list_edit_delete_finish(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("修改 骨干成员")
    assert "已添加 0 位（至少 1 位）" in reply
    assert "至少需要 1 位" in leader.press("完成骨干成员")
    leader.press("添加一位")
    assert "第 1 位 姓名" in leader.last[0].text
    for answer in MEMBERS[0][:-1]:
        leader.send(answer)
    reply = leader.send(MEMBERS[0][-1])
    assert "✓ 已添加第 1 位：孙立，男，198603，大学本科，工程师，技术部，BIM 建模" in reply
    leader.press("添加一位")
    leader.send("李娜")
    assert "性别应为" in leader.send("不知道") or "男" in leader.last[0].text
    leader.send("女")
    assert "不满 16 周岁" in leader.send("2020年1月")
    for answer in MEMBERS[1][2:]:
        leader.send(answer)
    assert "孙立" in leader.press("查看列表") and "李娜" in leader.last[0].text
    assert "要改哪一项" in leader.send("修改第2位")      # one field is changed, not all seven walked
    leader.press("姓名")
    assert "✓ 第 2 位 姓名：李娜 → 李娜娜" in leader.send("李娜娜")
    assert answers(bot)["members"][1]["name"] == "李娜娜"
    assert "已删除第 1 位：孙立" in leader.send("删除第1位")
    assert [m["name"] for m in answers(bot)["members"]] == ["李娜娜"]
    assert "✓ 骨干成员：共 1 位" in leader.press("完成骨干成员")


def test_narrative_is_appended_with_a_running_count(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 业绩简介")
    first = "甲" * 420
    assert "已收到，共 420 字，还差 580 字" in leader.send(first)
    assert "还差 580 字，暂记为未完成" in leader.send("完成")
    leader.send("修改 业绩简介")
    assert "已收到，共 1070 字，已达到要求" in leader.send("乙" * 650)
    assert "✓ 业绩简介：1070 字" in leader.send("完成")
    leader.send("修改 业绩简介")
    assert "已清空" in leader.send("重写")
    assert "narrative" not in answers(bot)


def test_every_answer_is_stored_with_history_and_two_people_do_not_clobber(bot, chat):
    leader, member = chat("leader"), chat("member")
    leader.send("申报")
    member.send("申报")
    leader.send("成员总数：15")
    member.send("场所面积：30平米")
    leader.send("场所面积：25平米")
    values = answers(bot)
    assert values["basics.members"] == 15 and values["basics.area"] == "25"
    with bot.db.session() as s:
        area = [(h.before, h.after) for h in s.scalars(select(AuditEntry).where(AuditEntry.action == "answer.set",
                                                                           AuditEntry.key == "basics.area"))]
        assert area == [(None, "30"), ("30", "25")]
        assert s.scalar(select(Application)).studio.name == "王海隧道掘进劳模创新工作室"


def test_a_leader_without_a_studio_gets_one_from_the_answers(bot, chat):
    from storage.models import Person, Studio
    with bot.db.transaction() as s:
        s.scalar(select(Person).where(Person.name == "王海")).studio_id = None
    leader = chat("leader")
    leader.send("申报")
    leader.send("李建国桥梁智能建造劳模创新工作室")
    with bot.db.session() as s:
        assert s.scalar(select(Studio).where(Studio.name == "李建国桥梁智能建造劳模创新工作室")) is not None


def test_whole_form_in_reverse_order_with_a_restart_then_submit(bot, tmp_path):
    leader = Chat(bot, "leader")
    leader.send("申报")
    half = len(SCALARS) // 2
    for label, typed, _ in reversed(SCALARS[half:]):
        leader.send(f"{label}：{typed}")
    bot.db.dispose()
    restarted = Bot(bot.config)                       # a restart: nothing in memory survives
    clock.attach(restarted.clock)                     # (the test's moment, as for every bot it makes)
    leader = Chat(restarted, "leader")
    assert f"已填 {len(SCALARS) - half}/52" in leader.send("进度")
    reply = fill_all(leader, list(reversed(SCALARS[:half])))
    assert "全部 52 项都已填写" in reply
    values = answers(restarted)
    for label, _, stored in SCALARS:
        key = application_form(2025).lookup(label)[0].key
        assert values[key] == stored, label
    assert [m["name"] for m in values["members"]] == ["孙立", "李娜", "赵磊"]
    assert values["leader.honours"] == [{"year": 2019, "title": "全国五一劳动奖章"},
                                        {"year": 2021, "title": "中国交建劳动模范"}]
    assert "✓ 有劳模领衔：王海，2019 年全国五一劳动奖章" in leader.send("七有")
    assert "确认提交吗" in leader.send("提交")
    leader.press("确认提交")
    with restarted.db.session() as s:
        assert s.scalar(select(Application)).status == "submitted"
    restarted.db.dispose()


def test_starting_the_application_wins_over_an_unfinished_ledger_entry(chat):
    leader = chat("leader")
    leader.send("记经费")
    leader.send("支出")
    assert "开始填写 2025 年度创新工作室申报表" in leader.send("申报")
    assert "✓ 成员总数：15 人" in leader.send("成员总数：15")


def test_a_label_of_another_year_is_not_stored_in_the_current_field(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("2022年投入金额：5万元")
    assert "没有「2022年投入金额」这一项。您是指：2023年投入金额、2024年投入金额？" in reply
    assert answers(bot) == {}
