"""Statistics and the 七有 check count what the rule counts: the naming grant is the studio's income,
not the units' 经费投入; 有创新成果 is checked for each of the 近两年, by name, all year round."""
from datetime import date, datetime

import pytest
from sqlalchemy import select

from tests.support.clock import clock
from storage import ledgers
from storage.actor import Actor
from storage.models import Studio

TEST = Actor.system("test")

STUDIO = "王海隧道掘进劳模创新工作室"


def add(bot, *rows):
    with bot.db.transaction() as s:
        sid = s.scalar(select(Studio.id).where(Studio.name == STUDIO))
        for day, data in rows:
            on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
            ledgers.add_entry(s, sid, "achievement" if "kind" in data else "funding", dict(data, date=day), on, TEST)
        return sid


def seven(chat):
    leader = chat("leader")
    leader.send("申报")
    leader.send("取消")
    leader.press("确认退出")
    return next(line for line in leader.send("七有").splitlines() if "有创新成果" in line)


def project(day, title):
    return day, {"kind": "立项", "title": title, "plan": "样机", "target": day[:4] + "1231"}


def award(day, title, level="省部"):
    return day, {"kind": "获奖", "title": title, "level": level, "issuer": "中国施工企业管理协会"}


def test_the_naming_grant_is_not_the_units_funding_of_the_application_years(bot, chat):
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    sid = add(bot, ("20240201", {"direction": "收入", "amount": "5", "unit": "中交示范工程局"}))
    with bot.db.transaction() as s:
        ledgers.record_grant(s, sid, "5", date(2024, 7, 15), Actor.system("test"), unit="中国交建工会联合会")
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("修改 2024年投入金额")
    assert "根据台账统计：5 万元" in reply
    leader.press("采用")
    assert "中交示范工程局 5 万元" in leader.last[-1].text and "工会联合会" not in leader.last[-1].text
    leader.send("取消")
    leader.press("确认退出")
    assert "10 万元" in leader.send("经费余额")          # still the studio's money


@pytest.mark.parametrize("month", [1, 3, 5])
def test_results_are_met_early_in_the_year_when_both_earlier_years_have_them(bot, chat, month):
    clock.set_now(datetime(2025, month, 12, 10, 0))
    add(bot, project("20230301", "富水砂层始发"), award("20231101", "注浆监测"),
        project("20240301", "智能纠偏"), award("20240901", "纠偏辅助系统", "国家"))
    line = seven(chat)
    assert line.startswith("✓ 有创新成果"), line
    assert "2023 年立项 1 项（富水砂层始发）" in line and "2024 年立项 1 项（智能纠偏）" in line
    assert "今年立项 0 项" not in line


def test_a_year_without_a_project_or_a_high_result_is_named(bot, chat):
    clock.set_now(datetime(2025, 4, 8, 10, 0))
    add(bot, project("20230301", "富水砂层始发"), award("20231101", "注浆监测", "地市"),
        project("20240301", "智能纠偏"), award("20240901", "纠偏辅助系统"), project("20240601", "第二个课题"))
    line = seven(chat)
    assert line.startswith("✗ 有创新成果"), line
    assert "2023 年没有省级或行业以上成果" in line and "2024 年没有立项" not in line
    add(bot, award("20230601", "另一个省部奖"))
    with bot.db.transaction() as s:      # and now 2024 loses its project
        for entry in ledgers.entries(s, s.scalar(select(Studio.id)), "achievement", years=[2024]):
            if entry.data["kind"] == "立项":
                ledgers.delete_entry(s, entry, TEST)
    line = seven(chat)
    assert line.startswith("✗ 有创新成果") and "2024 年没有立项" in line and "2023 年没有" not in line
