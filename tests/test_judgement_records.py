"""Issue 25's judgements on stored data, on both engines: the office's honour vocabulary, the ledger
facts 有创新成果 reads (立项 plans, 技术认定, the year looked at), held expenses counting nowhere until
confirmed, the figures that must agree and the form against the ledgers."""
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.errors import UserError
from handlers.application import honours, seven_record
from handlers.application.schema import application_form, figure_check
from handlers.ledgers import export, funding_rule, statistics
from storage import applications, ledgers
from tests.support.clock import clock
from storage.models import Application, Studio
from storage.actor import Actor

TEST = Actor.system("test")

STUDIO = "王海隧道掘进劳模创新工作室"


@pytest.fixture(autouse=True)
def may_2025(may_2025):
    return may_2025


def studio_id(s):
    return s.scalar(select(Studio.id).where(Studio.name == STUDIO))


def add(bot, ledger, day, data):
    with bot.db.transaction() as s:
        on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
        return ledgers.add_entry(s, studio_id(s), ledger, dict(data, date=day), on, TEST).id


def seven_line(leader, have):
    return next(line for line in leader.send("七有").splitlines() if have in line)


def open_application(leader, *answers):
    leader.send("申报")
    for answer in answers:
        leader.send(answer)
    leader.send("取消")
    leader.press("确认退出")


# -- the honour vocabulary -------------------------------------------------------------------------

def test_the_office_extends_the_honour_vocabulary_and_the_check_reads_it(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 获奖年份及荣誉称号")
    leader.press("添加一项")
    leader.send("2022")
    leader.send("中交一航局青年工匠")
    leader.press("完成获奖年份及荣誉称号")
    leader.send("取消")
    leader.press("确认退出")
    line = seven_line(leader, "有劳模领衔")
    assert line.startswith("✓ 有劳模领衔：") and "（企业级）" in line        # 局: an enterprise's title
    with bot.db.transaction() as s:
        app = s.scalar(select(Application))
        applications.set_answer(s, app.id, "leader.honours", [{"year": "2022", "title": "齐鲁工匠"}], TEST)
    line = seven_line(leader, "有劳模领衔")
    assert line.startswith("待核实 有劳模领衔：") and "颁发单位或级别（「齐鲁」）无法确认" in line
    with bot.db.transaction() as s:
        assert honours.add_honour(s, " 齐鲁工匠 ", "省部", "工匠").name == "齐鲁工匠"
        with pytest.raises(UserError, match="是培养对象，不是称号"):
            honours.add_honour(s, "集团青年工匠培养对象", "企业")
        with pytest.raises(UserError, match="级别只能是"):
            honours.add_honour(s, "某称号", "县")
    with bot.db.session() as s:
        assert [h.name for h in honours.extra_honours(s)] == ["齐鲁工匠"]
        assert honours.honours(s)[-1] == honours.Honour("齐鲁工匠", "工匠", "省部", True, False)
    assert seven_line(leader, "有劳模领衔") == "✓ 有劳模领衔：领衔人，2022 年齐鲁工匠（省部级）"
    with bot.db.transaction() as s:
        assert honours.remove_honour(s, "齐鲁工匠") and not honours.remove_honour(s, "齐鲁工匠")
    assert seven_line(leader, "有劳模领衔").startswith("待核实 有劳模领衔：")


def test_a_leader_whose_only_honour_is_a_cultivation_title_fails_and_reviewers_see_three_outcomes(bot, chat,
                                                                                                  submitted):
    prompt = next(t for t in chat("union").inbox() if "【待审批】" in t)
    summary = re.search(r"七有 ✓(\d) 待核实(\d) ✗(\d)", prompt)
    assert summary and sum(int(n) for n in summary.groups()) == 7
    assert "✓ 有劳模领衔：王海，2019 年全国五一劳动奖章（全国级）" in prompt
    with bot.db.transaction() as s:
        app = s.scalar(select(Application))
        applications.set_answer(s, app.id, "leader.honours", [{"year": "2022", "title": "集团青年工匠培养对象"}],
                                TEST)
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        values = application_form(2025).complete_values(applications.load_answers(s, app.id))
        leader = seven_record.check(s, app, values, bot.config)[0]
    assert (leader.status, leader.reason) == ("not_met", "荣誉中没有劳动模范、五一劳动奖章或技术能手等称号："
                                                         "「集团青年工匠培养对象」是培养对象，不是已获得的称号")


# -- 有创新成果 from the achievement ledger ---------------------------------------------------------

def test_a_project_whose_target_precedes_its_start_does_not_make_results_met(bot, chat):
    add(bot, "achievement", "20230301", {"kind": "立项", "title": "富水砂层始发", "plan": "样机", "target": "20230101"})
    add(bot, "achievement", "20231101", {"kind": "获奖", "title": "注浆监测", "level": "省部", "issuer": "省总工会"})
    add(bot, "achievement", "20240301", {"kind": "立项", "title": "智能纠偏", "plan": "样机", "target": "20241231"})
    add(bot, "achievement", "20240901", {"kind": "创新成果", "title": "纠偏辅助系统", "recognition": "行业",
                                         "recognised_by": "中国施工企业管理协会"})
    leader = chat("leader")
    open_application(leader)
    line = seven_line(leader, "有创新成果")
    assert line.startswith("待核实 有创新成果：2023 年立项 0 项、省级或行业以上成果 1 项（注浆监测）；"
                           "2024 年立项 1 项（智能纠偏）、省级或行业以上成果 1 项（纠偏辅助系统）")
    assert "2023 年的立项「富水砂层始发」目标日期 20230101 不晚于立项日期 20230301" in line
    with bot.db.session() as s:
        facts = statistics.facts(s, studio_id(s), 2025)
        spot = statistics.facts(s, studio_id(s), 2025, years=[2025])
    assert facts["results_by_year"][2024] == {"projects": ["智能纠偏"], "doubtful": [], "high": ["纠偏辅助系统"],
                                              "closed": True}
    assert spot["results_by_year"] == {2025: {"projects": [], "doubtful": [], "high": [], "closed": False}}


def test_the_project_form_refuses_a_target_before_the_start(bot, chat):
    leader = chat("leader")
    leader.send("记成果")
    leader.press("立项")
    leader.send("智能纠偏")
    leader.send("2024年3月1日")
    leader.send("年内形成样机")
    reply = leader.send("2024年1月1日")
    assert "「目标日期」20240101 不晚于立项「日期」20240301" in reply and "暂未保存" in reply
    assert "✓ 目标日期：20241231" in leader.send("2024年12月31日")


# -- held expenses count nowhere until confirmed ----------------------------------------------------

def test_a_held_expense_is_out_of_the_balance_statistics_and_export_until_confirmed(bot, chat):
    leader, union = chat("leader"), chat("union")
    leader.send("经费 收入 5万元 中交示范工程局 2024年1月5日")
    leader.send("确认")
    reply = leader.send("经费 支出 1万元 研究费用 技术咨询费 2024-03-02")
    assert "没有说明这笔钱付给谁" in reply and "这笔钱付给谁？" in reply       # asked before saving
    assert "需核实收款方" in leader.press("不清楚")          # not known: held for the unit union
    reply = leader.send("确认")
    assert "待单位工会确认" in reply and "当前经费余额：5 万元" in reply
    leader.send("经费 支出 1万元 设备购置 全站仪 2024-03-03")
    assert "当前经费余额：4 万元" in leader.send("确认")
    add(bot, "funding", "20240304", {"direction": "支出", "amount": "2", "category": "设备购置", "purpose": "示波器",
                                     "hold": "pending", "hold_reason": "test"})
    clock.set_now(datetime(2024, 6, 1, 10, 0))
    reply = leader.send("经费余额")
    assert "经费余额：4 万元" in reply and "2024 年收入 5 万元，支出 1 万元（另有 2 笔支出待单位工会确认，确认前不计入）" in reply
    with bot.db.session() as s:
        assert ledgers.balance(s, studio_id(s)) == 4
        assert statistics.facts(s, studio_id(s), 2025)["equipment_entries"] == 1
        book = load_workbook(io.BytesIO(export.render_ledgers_xlsx(s, s.get(Studio, studio_id(s)))))
        materials = export.ledgers_for_materials(s, studio_id(s), [2024])["funding"]      # what 附件2 reads
    assert [funding_rule.counts_as_spent(r) for r in materials] == [False, False, True, False]
    rows = [[c.value for c in r] for r in book["经费台账"].iter_rows(min_row=2)]
    assert [r[-2] for r in rows if r[0] in (2, 4)] == ["待单位工会确认，确认前不计入余额"] * 2
    assert (rows[-2][0], rows[-2][3], rows[-1][0], rows[-1][3]) == ("支出合计", 1, "余额", 4)
    union.send("经费确认 2")
    with bot.db.session() as s:
        assert ledgers.balance(s, studio_id(s)) == 3
    union.send("经费确认 4")
    with bot.db.session() as s:
        assert ledgers.balance(s, studio_id(s)) == 1
        assert statistics.facts(s, studio_id(s), 2025)["equipment_entries"] == 2


# -- figures that agree -----------------------------------------------------------------------------

def test_a_grade_total_above_the_talent_total_is_refused_when_answered(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("培养人才总数：3")
    leader.send("高级技师：2")
    reply = leader.send("技师：2")
    assert "「技术等级」各项合计 4 人，超过「培养人才总数」3 人" in reply and "暂未保存" in reply
    leader.send("成果转化：2")
    reply = leader.send("创新成果：1")
    assert "「成果转化」2 项多于「创新成果」1 项" in reply


def test_the_form_and_the_ledgers_disagree_where_they_do(bot, chat):
    add(bot, "achievement", "20240501", {"kind": "创新成果", "title": "同步注浆参数优化"})
    add(bot, "achievement", "20240601", {"kind": "成果转化", "title": "注浆优化推广"})
    leader = chat("leader")
    open_application(leader, "创新成果：3", "成果转化：1")
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        found = statistics.ledger_differences(s, app, applications.load_answers(s, app.id))
    assert [d.line() for d in found] == ["「创新成果」申报表填的是 3 项，台账统计为 1 项；申报表和材料使用申报表的数字（3 项）"]


FIGURES = {"cover.filled_on": "20250520", "basics.created_on": "20180420", "talent.total": 2,
           "talent.list": [{"name": "赵磊", "promotion": "2023年晋升为高级技师", "honour": "2024年获企业劳模"},
                           {"name": "钱芳", "promotion": "无", "honour": "无"}],
           "innovation.results": 3, "innovation.applied": 2}


THREE_ROWS = [{"name": n, "promotion": "2024年晋升为技师", "honour": "无"} for n in ("赵磊", "钱芳", "孙立")]


@pytest.mark.parametrize("change, fragment", [
    ({"cover.filled_on": "20250101"}, None),
    ({}, None),
    # the cases
    ({"talent.total": 8, "talent.list": THREE_ROWS}, "「培养人才明细」只列了 3 人，少于「培养人才总数」8 人"),
    ({"innovation.applied": 3, "innovation.results": 2}, "「成果转化」3 项多于「创新成果」2 项"),
    ({"talent.total": 3, "talent.list": THREE_ROWS, "talent.grade1": 2, "talent.grade2": 2},
     "「技术等级」各项合计 4 人，超过「培养人才总数」3 人"),
    # like them
    ({"cover.filled_on": "20240531"}, "「填报日期」20240531 不在 2025 年度申报期内（上一年度 20240531 截止之后）"),
    ({"cover.filled_on": "20250601"}, "「填报日期」20250601 晚于今天（20250520）"),
    ({"basics.created_on": "20250601", "cover.filled_on": "20250520"}, "「填报日期」20250520 早于「创建日期」20250601"),
    ({"talent.grade1": 2, "talent.grade2": 1}, "「技术等级」各项合计 3 人，超过「培养人才总数」2 人"),
    ({"talent.total": 1}, "「培养人才明细」列了 2 人，多于「培养人才总数」1 人"),
    ({"talent.list": [{"name": "赵磊", "promotion": "2021年晋升为技师", "honour": "无"},
                      {"name": "钱芳", "promotion": "无", "honour": "无"}]},
     "「培养人才明细」中赵磊的「2021年晋升为技师」是 2021 年，不在近两年（2023—2024年）内"),
    ({"innovation.applied": 3, "innovation.results": 3}, None),
    ({"innovation.applied": 4, "innovation.results": 3}, "「成果转化」4 项多于「创新成果」3 项"),
    ({"talent.honour3": 3}, "「企业劳模」3 人，超过「培养人才总数」2 人"),
])
def test_the_figures_of_an_application_agree(change, fragment):
    problems = figure_check(2025, dict(FIGURES, **change), today=date(2025, 5, 20), previous_deadline=date(2024, 5, 31))
    if fragment is None:
        assert problems == []
    else:
        assert len(problems) == 1 and fragment in problems[0], problems


def test_a_filing_date_of_2025_on_a_2027_form_is_outside_its_cycle():
    problems = figure_check(2027, {"cover.filled_on": "20250520"}, today=date(2027, 5, 20),
                            previous_deadline=date(2026, 5, 31))
    assert problems == ["「填报日期」20250520 不在 2027 年度申报期内（上一年度 20260531 截止之后），请核对填报日期或申报年度。"]
