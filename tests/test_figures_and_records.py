"""Figures agree or the leader is told (#25 item 4), at answer time and again at 提交 (the walker and the
approval chain's service), with the differences from the ledgers at 提交 and 导出材料包; and what the 意见
asks that was missing (item 7): a studio's 省市工会 naming filling 命名单位 / 命名日期, the unit's
rewards to 骨干 in the member ledger."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from bot.errors import UserError
from handlers.ledgers import statistics
from handlers.services import review
from handlers.services.context import Context
from storage import applications, ledgers
from storage.actor import Actor
from storage.models import Application, LedgerEntry, Person, Studio
from tests.form_data import fill_all
from tests.support.clock import clock

TEST = Actor.system("test")
STUDIO = "王海隧道掘进劳模创新工作室"
THREE_ROWS = [{"name": n, "promotion": "2024年晋升为技师", "honour": "无"} for n in ("赵磊", "钱芳", "孙强")]


@pytest.fixture(autouse=True)
def may_2025(may_2025):
    return may_2025


def set_answers(bot, **answers):
    with bot.db.transaction() as s:
        app = s.scalar(select(Application))
        for key, value in answers.items():
            applications.set_answer(s, app.id, key.replace("__", "."), value, TEST)


def add(bot, ledger, day, data):
    with bot.db.transaction() as s:
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        return ledgers.add_entry(s, studio.id, ledger, dict(data, date=day), on, TEST).id


def filled(chat):
    leader = chat("leader")
    leader.send("申报")
    fill_all(leader)
    return leader


# -- at answer time -------------------------------------------------------------------------------

@pytest.mark.parametrize("answers, last, fragment", [
    # 填报日期 after 创建日期, either way round
    (["创建日期：2025年5月1日"], "填报日期：2025年4月30日", "「填报日期」20250430 早于「创建日期」20250501"),
    (["填报日期：2025年5月10日"], "创建日期：2025年5月11日", "「填报日期」20250510 早于「创建日期」20250511"),
    # a 填报日期 of another cycle (2025 on a 2027 form is the issue's; a 2023 date on a 2025 form like it)
    ([], "填报日期：2023年5月20日", "「填报日期」20230520 不在 2025 年度申报期内"),
    # grades and honours against 培养人才总数, 成果转化 against 创新成果
    (["培养人才总数：3", "高级技师：2"], "技师：2", "「技术等级」各项合计 4 人，超过「培养人才总数」3 人"),
    (["培养人才总数：2"], "企业劳模：3", "不能超过培养人才总数（2 人）"),
    (["创新成果：2"], "成果转化：3", "「成果转化」3 项多于「创新成果」2 项"),
])
def test_figures_that_disagree_are_refused_when_answered(bot, chat, answers, last, fragment):
    leader = chat("leader")
    leader.send("申报")
    for answer in answers:
        assert "✓" in leader.send(answer), answer
    reply = leader.send(last)
    assert fragment in reply, reply
    label = last.partition("：")[0]
    with bot.db.session() as s:
        stored = applications.load_answers(s, s.scalar(select(Application)).id)
    assert {"填报日期": "cover.filled_on", "创建日期": "basics.created_on", "技师": "talent.grade2",
            "企业劳模": "talent.honour3", "成果转化": "innovation.applied"}[label] not in stored


def test_a_filing_date_of_2025_on_a_2027_form_is_refused_when_answered(bot, chat):
    clock.set_now(datetime(2027, 5, 10, 10, 0))
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("填报日期：2025年5月20日")
    assert "「填报日期」20250520 不在 2027 年度申报期内" in reply and "暂未保存" in reply
    assert "✓ 填报日期：20270510" in leader.send("填报日期：今天")


# -- at 提交: the walker asks nothing more, the service refuses --------------------------------------------

@pytest.mark.parametrize("answers, fragment", [
    ({"talent__list": THREE_ROWS}, "「培养人才明细」只列了 3 人，少于「培养人才总数」8 人"),
    ({"talent__list": [dict(r, promotion="2021年晋升为技师") for r in THREE_ROWS * 3][:8]},
     "是 2021 年，不在近两年（2023—2024年）内"),
    ({"cover__filled_on": "20240520"}, "「填报日期」20240520 不在 2025 年度申报期内（上一年度 20240531 截止之后）"),
    ({"innovation__applied": 13}, "「成果转化」13 项多于「创新成果」12 项"),
])
def test_figures_that_disagree_stop_提交(bot, chat, answers, fragment):
    leader = filled(chat)
    set_answers(bot, **answers)
    reply = leader.send("提交")
    assert "暂不能提交" in reply and fragment in reply and "确认提交" not in leader.buttons()
    with bot.db.transaction() as s:          # the service refuses the same, whatever calls it
        app = s.scalar(select(Application))
        person = s.scalar(select(Person).where(Person.name == "王海"))
        with pytest.raises(UserError, match="前后不一致"):
            review.submit(Context(s, Actor.of_person(person, "console"), s.info["clock"], bot.config), app)
        assert app.status == "draft"


def test_the_fixture_is_consistent_and_goes_through(bot, chat):
    leader = filled(chat)
    leader.send("提交")
    assert "现由第 1 步" in leader.press("确认提交")


def test_提交_and_导出材料包_list_the_differences_from_the_ledgers(bot, chat):
    leader = filled(chat)
    add(bot, "achievement", "20240501", {"kind": "创新成果", "title": "同步注浆参数优化"})
    reply = leader.send("提交")
    line = "「创新成果」申报表填的是 12 项，台账统计为 1 项；申报表和材料使用申报表的数字（12 项）"
    assert "以下数字申报表与台账统计不一致" in reply and line in reply and "确认提交" in leader.buttons()
    leader.press("再看看")
    leader.send("取消")
    leader.press("确认退出")
    reply = leader.send("导出材料包")
    assert "正在生成" in reply and line in reply


# -- the 省市工会 naming record ----------------------------------------------------------------------------

def test_a_naming_by_a_provincial_union_is_recorded_and_fills_the_form(bot, chat):
    leader = chat("leader")
    reply = leader.send("省市命名 省级 四川省总工会 2023年4月28日 川工发〔2023〕12号")
    assert "省级工会命名，命名单位 四川省总工会，日期 20230428，文件 川工发〔2023〕12号" in reply
    assert "已记入创新成果台账" in leader.send("确认")
    with bot.db.session() as s:
        entry = s.scalar(select(LedgerEntry))
        assert entry.ledger == "achievement" and entry.data == {
            "kind": "命名", "level": "省级", "issuer": "四川省总工会", "date": "20230428", "document": "川工发〔2023〕12号"}
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        stats = statistics.compute(s, studio.id, 2025)
    assert (stats["basics.named_by"], stats["basics.named_on"]) == ("四川省总工会", "20230428")
    assert stats["innovation.results"] == 0            # a naming is no innovation result
    leader.send("申报")
    reply = leader.send("修改 命名单位")
    assert "根据台账统计：四川省总工会" in reply and "采用" in leader.buttons()
    assert "✓ 命名单位：四川省总工会" in leader.press("采用")
    reply = leader.send("修改 命名日期")
    assert "根据台账统计：20230428" in reply
    assert "✓ 命名日期：20230428" in leader.press("采用")


def test_the_latest_naming_wins_and_the_guided_form_asks_each_part(bot, chat):
    add(bot, "achievement", "20200501", {"kind": "命名", "level": "市级", "issuer": "成都市总工会", "document": "成工〔2020〕3号"})
    leader = chat("leader")
    reply = leader.send("省市命名")
    assert "级别" in reply and set(leader.buttons()) >= {"全国", "省级", "市级"}
    leader.press("省级")
    leader.send("四川省总工会")
    leader.send("2023年4月28日")
    leader.send("川工发〔2023〕12号")
    leader.send("跳过")
    leader.send("保存")
    assert "已记入创新成果台账" in leader.press("确认保存")
    with bot.db.session() as s:
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        stats = statistics.compute(s, studio.id, 2025)
    assert (stats["basics.named_by"], stats["basics.named_on"]) == ("四川省总工会", "20230428")


def test_a_naming_needs_its_level_and_document(bot, chat):
    leader = chat("leader")
    reply = leader.send("省市命名 四川省总工会 2023年4月28日")
    assert "还缺少：命名级别、命名文件" in reply
    with bot.db.session() as s:
        assert s.scalars(select(LedgerEntry)).all() == []


# -- the unit's rewards to 骨干 --------------------------------------------------------------------------

def test_a_units_reward_to_a_core_member_is_kept_in_the_member_ledger(bot, chat):
    leader = chat("leader")
    reply = leader.send("骨干奖励 赵磊 2024年度技术创新标兵 2024年12月20日")
    assert "赵磊 获所在单位奖励：2024年度技术创新标兵，日期 20241220" in reply
    assert "已记入成员发展台账" in leader.send("确认")
    reply = leader.send("成员 奖励 李娜 优秀青年骨干 2024年6月1日 备注：公司工会表彰文件")
    assert "李娜 获所在单位奖励：优秀青年骨干" in reply
    leader.send("确认")
    with bot.db.session() as s:
        rows = [e.data for e in s.scalars(select(LedgerEntry).order_by(LedgerEntry.id))]
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        stats = statistics.compute(s, studio.id, 2025)
    assert rows[0] == {"kind": "奖励", "name": "赵磊", "reward": "2024年度技术创新标兵", "date": "20241220"}
    assert rows[1]["notes"] == "公司工会表彰文件"
    assert stats["talent.total"] == 0              # a reward is no promotion or honour of 培养人才
    assert "获所在单位奖励：优秀青年骨干" in leader.send("台账 成员")
