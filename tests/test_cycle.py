"""The yearly calendar from configuration: countdown on working days, quarters, review weeks."""
from datetime import date, datetime

from bot import cycle
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
from bot.workdays import is_workday
from tests.conftest import make_config


def config(tmp_path, **overrides):
    return make_config(tmp_path, "sqlite:///unused.db", **overrides)


def test_2025_calendar_moves_countdown_to_the_previous_working_day(tmp_path):
    cal = cycle.calendar(config(tmp_path), 2025)
    assert cal.deadline == date(2025, 5, 31)
    # May 1 (30 days before) is Labour Day, May 17 and 24 are Saturdays
    assert cal.countdown == {date(2025, 4, 30): 30, date(2025, 5, 16): 14, date(2025, 5, 23): 7,
                             date(2025, 5, 28): 3, date(2025, 5, 30): 1}
    assert all(is_workday(d) for d in cal.countdown)
    assert (cal.review_start, cal.review_end, cal.naming_from) == (date(2025, 6, 1), date(2025, 8, 31),
                                                                    date(2025, 7, 1))


def test_quarter_checks_and_fourth_quarter_warning(tmp_path):
    cal = cycle.calendar(config(tmp_path), 2025)
    # Jan 1 New Year, Oct 1–8 National Day
    assert cal.quarter_checks == (date(2025, 1, 2), date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 9))
    assert cal.quarter_of_check(date(2025, 10, 9)) == 4
    assert cal.quarter_of_check(date(2025, 10, 10)) is None
    assert cal.q4_warning == date(2025, 12, 1)


def test_review_reminders_are_the_first_working_day_of_each_week_in_the_period(tmp_path):
    cal = cycle.calendar(config(tmp_path), 2025)
    # June 1 is a Sunday and June 2 the Dragon Boat holiday: the first reminder is Tuesday June 3
    assert cal.review_reminders[0] == date(2025, 6, 3)
    assert cal.review_reminders[1:4] == (date(2025, 6, 9), date(2025, 6, 16), date(2025, 6, 23))
    assert cal.review_reminders[-1] == date(2025, 8, 25)
    assert len(cal.review_reminders) == 13
    weeks = [d.isocalendar()[1] for d in cal.review_reminders]
    assert len(weeks) == len(set(weeks))


def test_configured_deadline_and_countdown(tmp_path):
    cal = cycle.calendar(config(tmp_path, deadline="06-15", countdown_days="10,5", review_period="06-16..07-31"), 2026)
    assert cal.deadline == date(2026, 6, 15)
    assert set(cal.countdown.values()) == {10, 5}
    assert all(d < cal.deadline and is_workday(d) for d in cal.countdown)
    assert cal.review_start == date(2026, 6, 16)


def test_two_offsets_on_the_same_working_day_send_once(tmp_path):
    # 2025-05-31 − 2 = May 29 (Thu) and − 1 = May 30 (Fri); − 3 and − 4 fall on Wed/Tue; use a holiday:
    # 2025-10-10 deadline: 3 days before = Oct 7 (holiday) and 2 days = Oct 8 (holiday) → both Sep 30
    cal = cycle.calendar(config(tmp_path, deadline="10-10", countdown_days="3,2"), 2025)
    assert cal.countdown == {date(2025, 9, 30): 2}


def test_unknown_years_fall_back_to_monday_to_friday_without_the_fixed_days_off(tmp_path):
    cal = cycle.calendar(config(tmp_path), 2099)
    assert cal.deadline == date(2099, 5, 31)            # a Sunday
    assert date(2099, 5, 29) in cal.countdown            # 1 day before (Sat May 30) → Fri May 29
    assert cal.quarter_checks[0] == date(2099, 1, 2)     # Jan 1 (a Thursday) is 元旦 in any year
    assert all(d.weekday() < 5 for d in cal.countdown)


def test_working_day_arithmetic_and_notice_time(tmp_path):
    # across National Day: Sep 28 (Sun) and Oct 11 (Sat) are worked, Oct 1–8 are off
    assert cycle.add_workdays(date(2025, 9, 26), 10) == date(2025, 10, 16)
    assert cycle.add_workdays(date(2025, 10, 16), -10) == date(2025, 9, 26)
    assert cycle.first_workday_from(date(2025, 5, 31)) == date(2025, 6, 3)
    assert cycle.at_notice_time(config(tmp_path, notice_hour="08:30"), date(2025, 4, 30)) == \
        datetime(2025, 4, 30, 8, 30, tzinfo=TZ)
    assert cycle.quarter_before(date(2025, 1, 2)) == (date(2024, 10, 1), date(2024, 12, 31), 2024, 4)
    assert cycle.quarter_before(date(2025, 7, 1)) == (date(2025, 4, 1), date(2025, 6, 30), 2025, 2)
