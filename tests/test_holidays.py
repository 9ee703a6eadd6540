"""Holidays beyond chinesecalendar (it stops at 2026): schedule files the admin loads by year, a
check-config warning while the coming year has none, and no notice on a day a schedule marks off."""
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from click.testing import CliRunner

from bot import cycle, workdays
from tests.support.clock import clock
from bot.cli import cli
from tests.conftest import make_config

EXAMPLE = Path(workdays.__file__).parent / "holidays" / "example-2025.json"
# a made-up 2027 schedule for the test only (not the State Council's)
TEST_2027 = {"year": 2027, "source": "测试用", "holidays": ["2027-01-01", "2027-01-04", "2027-10-01", "2027-10-08"],
             "workdays": ["2027-01-09"]}


@pytest.fixture
def schedules(tmp_path, monkeypatch):
    folder = tmp_path / "holidays"
    monkeypatch.setattr(workdays, "DIRS", [folder])
    workdays.reload()
    yield folder
    monkeypatch.undo()
    workdays.reload()


def test_the_example_file_agrees_with_the_library_for_every_day_of_2025(schedules):
    schedules.mkdir()
    (schedules / "2025.json").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    workdays.reload()
    assert workdays.schedule_for(2025) is not None
    day = date(2025, 1, 1)
    while day.year == 2025:
        assert workdays.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def _counted_day_by_day(start, end):
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += workdays.is_workday(day)
    return count


def test_working_days_between_agree_with_a_day_by_day_count_and_follow_a_loaded_schedule(schedules):
    spans = [(date(2024, 12, 20), date(2025, 1, 10)), (date(2025, 9, 28), date(2025, 10, 9)),
             (date(2026, 5, 31), date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 5, 1)),
             (date(2025, 3, 3), date(2028, 2, 29)), (date(2027, 1, 1), date(2027, 1, 8))]
    for start, end in spans:
        assert workdays.workdays_between(start, end) == _counted_day_by_day(start, end), (start, end)
    before = workdays.workdays_between(date(2027, 1, 1), date(2027, 1, 8))
    schedules.mkdir()
    (schedules / "2027.json").write_text(json.dumps(TEST_2027, ensure_ascii=False), encoding="utf-8")
    workdays.reload()                      # a schedule loaded: the counts follow it
    after = workdays.workdays_between(date(2027, 1, 1), date(2027, 1, 8))
    assert after == _counted_day_by_day(date(2027, 1, 1), date(2027, 1, 8)) and after != before


def test_a_year_nobody_knows_avoids_new_year_and_national_day(schedules, tmp_path):
    cal = cycle.calendar(make_config(tmp_path, "sqlite:///unused.db"), 2027)
    assert cal.quarter_checks[0] == date(2027, 1, 4)         # not 元旦 (a Friday)
    assert cal.quarter_checks[3] == date(2027, 10, 8)        # not inside 国庆 1–7
    assert not workdays.known(2027)


def test_the_admin_loads_a_year_and_check_config_stops_warning(schedules, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    clock.set_now(datetime(2026, 12, 1, 10, 0))
    runner = CliRunner()
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 0 and "警告：还没有 2027 年的国务院节假日安排" in result.output
    source = tmp_path / "2027.json"
    source.write_text(json.dumps(TEST_2027, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(cli, ["holidays", "load", str(source), "--dir", str(schedules)])
    assert result.exit_code == 0 and "已载入 2027 年节假日安排：4 个假日，1 个调休上班日" in result.output
    assert not workdays.is_workday(date(2027, 1, 4)) and workdays.is_workday(date(2027, 1, 9))
    result = runner.invoke(cli, ["check-config"])
    assert "警告" not in result.output and "配置有效" in result.output
    assert "2027 年：测试用" in runner.invoke(cli, ["holidays", "list"]).output


@pytest.mark.parametrize("content, phrase", [
    ({"year": 2027, "holidays": ["2028-01-01"]}, "不属于 2027 年"),
    ({"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}, "同时是假日和调休上班日"),
    ({"year": 2027, "holidays": ["2027-13-01"]}, "不是有效的节假日安排"),
    ({"year": 2027, "holidays": []}, "没有列出任何假日"),
])
def test_a_bad_schedule_is_refused_and_nothing_is_kept(schedules, tmp_path, content, phrase):
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(content), encoding="utf-8")
    result = CliRunner().invoke(cli, ["holidays", "load", str(source), "--dir", str(schedules)])
    assert result.exit_code == 2 and phrase in result.output
    assert not list(schedules.glob("*.json")) if schedules.exists() else True


def test_no_notice_goes_out_on_a_day_the_schedule_marks_off(schedules, bot):
    from handlers.notices import run as notices
    schedules.mkdir()
    (schedules / "2027.json").write_text(json.dumps(TEST_2027), encoding="utf-8")
    workdays.reload()
    report = notices.run(bot, datetime(2027, 1, 4, 9, 30), dry_run=True)     # a Monday, marked off
    assert report.skipped == "今天不是工作日"
    report = notices.run(bot, datetime(2027, 1, 9, 9, 30), dry_run=True)     # a Saturday worked
    assert report.skipped != "今天不是工作日"
    assert cycle.calendar(bot.config, 2027).quarter_checks[0] == date(2027, 1, 5)


def test_the_admin_is_told_in_chat_once_when_the_coming_year_has_no_schedule(bot, chat):
    from datetime import datetime
    from tests.support.clock import clock
    from handlers.notices import run as notices
    admin = chat("admin")
    admin.inbox()
    clock.set_now(datetime(2026, 12, 1, 10, 0))           # chinesecalendar knows 2026, not 2027
    notices.run(bot, clock.now())
    texts = [t for t in admin.inbox() if t.startswith("【节假日安排】")]
    assert len(texts) == 1 and "还没有 2027 年的国务院节假日安排" in texts[0]
    assert "holidays load 2027.json" in texts[0]
    notices.run(bot, clock.now())                          # the next run writes nothing new
    clock.set_now(datetime(2026, 12, 2, 10, 0))
    notices.run(bot, clock.now())
    assert not [t for t in admin.inbox() if t.startswith("【节假日安排】")]
    assert not [t for t in chat("leader").inbox() if t.startswith("【节假日安排】")]
