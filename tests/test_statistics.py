"""Application statistics from the ledgers: a hand-computed 2023–2024 fixture, 七有 facts, and the offer flow."""
from datetime import date

import pytest
from sqlalchemy import select

from handlers.ledgers import statistics
from storage import applications, ledgers
from storage.actor import Actor
from storage.models import Application, Studio

TEST = Actor.system("test")

STUDIO = "王海隧道掘进劳模创新工作室"

# (ledger, date, data) — application year 2025 reports 2023 and 2024
FIXTURE = [
    ("funding", "20230110", {"direction": "收入", "amount": "3", "unit": "中交示范工程局"}),
    ("funding", "20230601", {"direction": "收入", "amount": "2", "unit": "中交隧道局"}),
    ("funding", "20230302", {"direction": "支出", "amount": "0.5", "category": "设备购置", "purpose": "激光测距仪"}),
    ("funding", "20240201", {"direction": "收入", "amount": "5", "unit": "中交示范工程局"}),
    ("funding", "20240801", {"direction": "收入", "amount": "1", "unit": "中交示范工程局"}),
    ("funding", "20240901", {"direction": "支出", "amount": "2", "category": "研究费用", "purpose": "材料试验"}),
    ("funding", "20220501", {"direction": "收入", "amount": "4", "unit": "早年单位"}),            # outside
    ("achievement", "20230201", {"kind": "立项", "title": "富水砂层始发风险控制", "plan": "样机", "target": "20231231"}),
    ("achievement", "20230401", {"kind": "创新成果", "title": "管片快速拼装工法"}),
    ("achievement", "20240501", {"kind": "创新成果", "title": "同步注浆参数优化"}),
    ("achievement", "20220101", {"kind": "创新成果", "title": "早年成果"}),                        # outside
    ("achievement", "20240601", {"kind": "成果转化", "title": "管片拼装定位装置推广"}),
    ("achievement", "20230812", {"kind": "实用新型专利", "title": "一种管片拼装定位装置"}),
    ("achievement", "20231020", {"kind": "实用新型专利", "title": "一种同步注浆监测装置"}),
    ("achievement", "20241020", {"kind": "发明专利", "title": "盾构姿态智能纠偏方法", "number": "ZL202410000001.1"}),
    ("achievement", "20240901", {"kind": "获奖", "title": "纠偏辅助系统", "level": "省部", "issuer": "中施企协"}),
    ("achievement", "20231101", {"kind": "获奖", "title": "注浆监测", "level": "地市", "issuer": "市总工会"}),
    ("achievement", "20241201", {"kind": "获奖", "title": "盾构新工法", "level": "国家", "issuer": "国家级协会"}),
    ("achievement", None, {"kind": "经济效益", "title": "定位装置节约工期", "year": 2023, "income": "35.5",
                           "savings": "60"}),
    ("achievement", None, {"kind": "经济效益", "title": "注浆优化", "year": 2024, "income": "10", "savings": "20"}),
    ("achievement", None, {"kind": "经济效益", "title": "纠偏系统", "year": 2024, "income": "30", "savings": "31"}),
    ("achievement", "20250201", {"kind": "立项", "title": "智能拼装机器人", "plan": "样机", "target": "20251231"}),
    ("member", "20230601", {"kind": "晋升", "name": "赵磊", "grade": "技师"}),
    ("member", "20240301", {"kind": "晋升", "name": "赵磊", "grade": "高级技师"}),
    ("member", "20240501", {"kind": "荣誉", "name": "赵磊", "level": "企业劳模"}),
    ("member", "20230701", {"kind": "晋升", "name": "钱芳", "grade": "高级工"}),
    ("member", "20241101", {"kind": "荣誉", "name": "孙立", "level": "地市级劳模"}),
    ("member", "20230101", {"kind": "加入", "name": "周强"}),
    ("member", "20220501", {"kind": "晋升", "name": "吴刚", "grade": "技师"}),                     # outside
    ("activity", "20240510", {"kind": "技能培训", "topic": "盾构操作培训", "participants": 25, "hours": "4"}),
    ("activity", "20241108", {"kind": "技术交流", "topic": "地铁盾构交流", "participants": 60, "hours": "3"}),
    ("activity", "20230315", {"kind": "学习研讨", "topic": "姿态控制", "participants": 12, "hours": "2"}),
]

EXPECTED = {
    "funding.y1.amount": "5",
    "funding.y1.sources": [{"unit": "中交示范工程局", "amount": "3"}, {"unit": "中交隧道局", "amount": "2"}],
    "funding.y2.amount": "6",
    "funding.y2.sources": [{"unit": "中交示范工程局", "amount": "6"}],
    "innovation.results": 2, "innovation.applied": 1, "innovation.utility": 2, "innovation.invention": 1,
    "innovation.award_intl": 0, "innovation.award_national": 1, "innovation.award_provincial": 1,
    "innovation.award_city": 1,
    "benefit.y1.income": "35.5", "benefit.y1.savings": "60",
    "benefit.y2.income": "40", "benefit.y2.savings": "51",
    "talent.total": 3,
    "talent.grade0": 0, "talent.grade1": 1, "talent.grade2": 0, "talent.grade3": 1, "talent.grade4": 0,
    "talent.honour0": 0, "talent.honour1": 0, "talent.honour2": 1, "talent.honour3": 1,
    "talent.list": [
        {"name": "赵磊", "promotion": "2023年6月晋升为技师；2024年3月晋升为高级技师", "honour": "2024年获企业劳模"},
        {"name": "钱芳", "promotion": "2023年7月晋升为高级工", "honour": "无"},
        {"name": "孙立", "promotion": "无", "honour": "2024年获地市级劳模"},
    ],
}


pytestmark = pytest.mark.usefixtures("may_2025")


def studio_id(session):
    return session.scalar(select(Studio.id).where(Studio.name == STUDIO))


def load(bot, rows=FIXTURE, deleted=True):
    with bot.db.transaction() as s:
        sid = studio_id(s)
        for ledger, day, data in rows:
            if day:
                data = dict(data, date=day)
                on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
            else:
                on = date(data["year"], 12, 31)
            ledgers.add_entry(s, sid, ledger, data, on, TEST)
        if deleted:       # deleted entries never count
            for ledger, data in (("funding", {"direction": "收入", "amount": "9", "unit": "删掉的", "date": "20240909"}),
                                 ("achievement", {"kind": "发明专利", "title": "删掉的", "date": "20240909"})):
                ledgers.delete_entry(s, ledgers.add_entry(s, sid, ledger, data, date(2024, 9, 9), TEST), TEST)
        return sid


def test_compute_matches_the_hand_computed_fixture(bot):
    sid = load(bot)
    with bot.db.session() as s:
        assert statistics.compute(s, sid, 2025) == EXPECTED


def test_every_computed_field_is_one_the_form_offers(bot):
    """The walker asks the ledgers only for the fields ``compute`` can fill: none is left out."""
    sid = load(bot)
    with bot.db.session() as s:
        keys = set(statistics.compute(s, sid, 2025))
    assert keys and all(k.startswith(statistics.OFFERED_PREFIXES) or k in statistics.OFFERED_KEYS for k in keys)
    assert {"talent.list", "funding.y1.amount", "innovation.results", "benefit.y1.income"} <= keys


def test_values_have_the_shapes_the_form_parsers_produce(bot):
    from handlers.application.schema import application_form
    sid = load(bot)
    form = application_form(2025)
    with bot.db.session() as s:
        stats = statistics.compute(s, sid, 2025)
    for key, value in stats.items():
        item = form.by_key[key]
        if item.kind == "money":
            assert item.parse(f"{value}万元") == value
        elif item.kind == "count":
            assert item.parse(str(value)) == value
        elif item.kind == "sources":
            typed = "；".join(f"{s['unit']} {s['amount']}万元" for s in value)
            total_key = key.replace("sources", "amount")
            assert item.parse(typed, {total_key: stats[total_key]}) == value
        else:
            assert key == "talent.list" and all(set(row) == {"name", "promotion", "honour"} for row in value)


def test_only_kept_ledgers_are_computed(bot):
    sid = load(bot, rows=[r for r in FIXTURE if r[0] == "funding"], deleted=False)
    with bot.db.session() as s:
        stats = statistics.compute(s, sid, 2025)
    assert set(stats) == {"funding.y1.amount", "funding.y1.sources", "funding.y2.amount", "funding.y2.sources"}
    with bot.db.transaction() as s:
        ledgers.add_entry(s, sid, "achievement", {"kind": "创新成果", "title": "x", "date": "20240101"},
                          date(2024, 1, 1), TEST)
    with bot.db.session() as s:
        stats = statistics.compute(s, sid, 2025)
    assert stats["innovation.results"] == 1 and "benefit.y1.income" not in stats and "talent.total" not in stats


def test_facts_for_the_seven_haves(bot, chat):
    with bot.db.session() as s:
        assert statistics.facts(s, studio_id(s), 2025) == {}
    sid = load(bot)
    with bot.db.session() as s:
        assert statistics.facts(s, sid, 2025) == {
            "unit": "中交示范工程局有限公司",
            "equipment_entries": 1, "activities_last_year": 2, "projects_this_year": 1,
            "results_by_year": {2023: {"projects": ["富水砂层始发风险控制"], "doubtful": [], "high": [], "closed": True},
                                2024: {"projects": [], "doubtful": [], "high": ["纠偏辅助系统", "盾构新工法"],
                                       "closed": True}},
            "funding_by_year": {2023: [{"unit": "中交示范工程局", "amount": "3"}, {"unit": "中交隧道局", "amount": "2"}],
                                2024: [{"unit": "中交示范工程局", "amount": "5"}, {"unit": "中交示范工程局", "amount": "1"}]}}
    leader = chat("leader")
    leader.send("申报")
    leader.send("取消")
    leader.press("确认退出")
    reply = leader.send("七有")
    # ledger entries support 设备/制度, they are not the verdict (handlers/application/seven_record.py asks)
    assert "待核实 有设备设施：尚未登记设备设施" in reply and "经费台账记录设备购置 1 笔（仅作佐证）" in reply
    assert "待核实 有工作制度：尚未登记制度" in reply and "活动台账近一年记录 2 次活动（仅作佐证）" in reply
    assert "✗ 有创新成果" in reply and "2023 年没有省级或行业以上成果" in reply and "2024 年没有立项" in reply


def test_the_statistics_follow_ledger_entries_made_in_chat(bot, chat):
    leader = chat("leader")
    for line in ("经费 收入 5万元 中交示范工程局 2024年1月5日", "成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日",
                 "成员 晋升 赵磊 高级技师 2023年6月1日"):
        leader.send(line)
        leader.send("确认")
    with bot.db.session() as s:
        stats = statistics.compute(s, studio_id(s), 2025)
    assert stats["funding.y2.amount"] == "5" and stats["funding.y1.amount"] == "0"
    assert "funding.y1.sources" not in stats
    assert stats["innovation.invention"] == 1 and stats["talent.grade1"] == 1
    leader.send("删除台账 2")
    leader.send("确认")
    with bot.db.session() as s:
        assert "innovation.invention" not in statistics.compute(s, studio_id(s), 2025)   # ledger now empty


# --- the offer in the application form ------------------------------------------------------------

def answer_rows(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application))
        values = applications.load_answers(s, app.id)
        sources = applications.answer_sources(s, app.id)
        return values, sources, dict(app.flags or {})


def test_offer_adopt_and_override_through_the_application(bot, chat):
    load(bot)
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 场所面积")
    reply = leader.send("25平米")             # the form moves on to the funding block and offers
    assert "2023年投入金额" in reply and "根据台账统计：5 万元。采用请点「采用」，或直接输入其他数值。" in reply
    assert leader.buttons()[0] == "采用"
    reply = leader.press("采用")
    assert "✓ 2023年投入金额：5 万元" in reply
    assert "根据台账统计：中交示范工程局 3 万元；中交隧道局 2 万元" in reply
    reply = leader.press("采用")
    assert "2024年投入金额" in reply and "根据台账统计：6 万元" in reply
    assert "✓ 2024年投入金额：8 万元" in leader.send("8万元")       # typed instead: an override
    values, sources, flags = answer_rows(bot)
    assert values["funding.y1.amount"] == "5" and sources["funding.y1.amount"] == "ledger"
    assert values["funding.y1.sources"] == EXPECTED["funding.y1.sources"]
    assert sources["funding.y1.sources"] == "ledger"
    assert values["funding.y2.amount"] == "8" and sources["funding.y2.amount"] == "override"
    assert flags["offered"]["funding.y1.amount"] == "5" and flags["offered"]["funding.y2.amount"] == "6"


def test_offers_for_innovation_benefit_and_talent(bot, chat):
    load(bot)
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 2024年经费来源")
    reply = leader.send("中交示范工程局")
    assert "创新成果" in reply and "根据台账统计：2 项" in reply
    for label in ("创新成果", "成果转化", "实用新型", "发明", "国际", "国家", "省部", "地市"):
        reply = leader.press("采用")
    assert "2023年创收金额" in reply and "根据台账统计：35.5 万元" in reply
    leader.send("修改 2024年节资金额")
    reply = leader.send("51万元")
    assert "培养人才总数" in reply and "根据台账统计：3 人" in reply
    values, sources, _ = answer_rows(bot)
    assert values["innovation.award_national"] == 1 and sources["innovation.award_national"] == "ledger"
    assert values["innovation.results"] == 2 and values["innovation.award_intl"] == 0
    assert sources["benefit.y2.savings"] == "ledger"        # typed the same figure the ledgers offer


def test_editing_an_empty_field_shows_the_offer(bot, chat):
    load(bot)
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("修改 2024年投入金额")
    assert "根据台账统计：6 万元" in reply and "采用" in leader.buttons()


def test_no_offer_without_ledgers(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("修改 场所面积")
    reply = leader.send("25平米")
    assert "2023年投入金额" in reply and "根据台账统计" not in reply
    assert "offered" not in answer_rows(bot)[2]


# --- 说明6: the 培养人才明细 rows from the member ledger ----------------------------------------------

def test_the_talent_list_is_offered_from_the_member_ledger_and_adopted(bot, chat):
    leader = chat("leader")
    for line in ("成员 晋升 赵磊 高级技师 2023年3月5日", "成员 荣誉 赵磊 企业劳模 2024-05-01",
                 "成员 晋升 钱芳 技师 2024年11月20日", "成员 加入 周强 2024-03-01",
                 "成员 晋升 吴刚 技师 2022年5月1日"):               # 2022: outside the two years
        leader.send(line)
        leader.send("确认")
    leader.send("申报")
    leader.send("修改 培养人才总数")
    for _ in range(10):                        # 总数, five grades, four honours: all offered
        reply = leader.press("采用")
    assert "培养人才明细" in reply and "根据台账统计（2 人）：" in reply
    assert "1. 赵磊，2023年3月晋升为高级技师，2024年获企业劳模" in reply
    assert "2. 钱芳，2024年11月晋升为技师，无" in reply and "吴刚" not in reply and "周强" not in reply
    assert leader.buttons()[:2] == ["采用", "添加一人"]
    reply = leader.press("采用")
    assert "✓ 培养人才明细：2 人" in reply
    values, sources, _ = answer_rows(bot)
    assert values["talent.list"] == [
        {"name": "赵磊", "promotion": "2023年3月晋升为高级技师", "honour": "2024年获企业劳模"},
        {"name": "钱芳", "promotion": "2024年11月晋升为技师", "honour": "无"}]
    assert sources["talent.list"] == "ledger"
    reply = leader.send("修改 培养人才明细")     # rows there now: no second offer
    assert "已添加 2 人" in reply and "根据台账统计" not in reply


def test_the_talent_list_can_still_be_typed_instead_of_the_offer(bot, chat):
    load(bot)
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("修改 培养人才明细")
    assert "根据台账统计（3 人）：" in reply and "3. 孙立，无，2024年获地市级劳模" in reply
    assert leader.buttons()[0] == "采用"
    leader.send("赵磊 2024年3月晋升为高级技师 无")
    leader.send("完成")
    values, sources, _ = answer_rows(bot)
    assert values["talent.list"] == [{"name": "赵磊", "promotion": "2024年3月晋升为高级技师", "honour": "无"}]
    assert sources["talent.list"] == "override"


def test_no_talent_list_offer_without_member_entries_of_the_two_years(bot, chat):
    load(bot, rows=[r for r in FIXTURE if r[0] != "member"] + [
        ("member", "20220501", {"kind": "晋升", "name": "吴刚", "grade": "技师"}),
        ("member", "20240301", {"kind": "加入", "name": "周强"})])
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("修改 培养人才明细")
    assert "已添加 0 人" in reply and "根据台账统计" not in reply and "采用" not in leader.buttons()
