"""The cycle's notices as the rules ask: unit reviewers get the countdown for what waits on them, the
deadline notices say how the package is handed in, and the 立项 warning reaches every studio in time."""
from datetime import date

from bot.delivery import Delivery
from handlers.notices import run as notices
from tests.support.cycle import GROUP, at, days_of, setup_cycle

PACKAGE = "装订成册一式两份，同时报送电子版"


def inbox(bot, user):
    Delivery(bot).drain()
    return [m["text"] for m in bot.channels["web"].take_inbox(user)]


def test_unit_reviewers_get_the_countdown_for_the_studios_waiting_on_them(bot):
    setup_cycle(bot)
    notices.run(bot, at(2025, 5, 23))
    union = [t for t in inbox(bot, "union") if t.startswith("【申报截止提醒】")]
    assert len(union) == 1
    assert "还有 8 天" in union[0] and "1. 周强焊接创新工作室（第 1 步 单位工会）" in union[0]
    assert "本单位还有 1 家在填写中：王海隧道掘进劳模创新工作室" in union[0]
    assert inbox(bot, "tech") == []                    # nothing waits on the technical department
    notices.run(bot, at(2025, 5, 23, 11))              # once per countdown day
    assert inbox(bot, "union") == []


def test_deadline_notices_say_how_the_package_is_handed_in(bot):
    setup_cycle(bot)
    notices.run(bot, at(2025, 5, 23))
    group = inbox(bot, GROUP)
    leader = [t for t in inbox(bot, "leader") if t.startswith("王海您好")]
    assert PACKAGE in group[0] and "5月31日前报送中国交建工会联合会办公室" in group[0]
    assert PACKAGE in leader[0]


def test_the_project_warning_reaches_named_and_applying_studios_in_time(bot):
    setup_cycle(bot)
    for day in (date(2025, 9, 1), date(2025, 12, 1)):
        notices.run(bot, at(day.year, day.month, day.day))
    expected = [date(2025, 9, 1), date(2025, 12, 1)]
    assert days_of(bot, "project", "leader2") == expected        # named
    assert days_of(bot, "project", "leader") == expected         # applying (a 2025 draft)
    assert days_of(bot, "project", "leader3") == expected        # applying (submitted)
    text = [t for t in inbox(bot, "leader") if t.startswith("【立项提醒】")][0]
    assert "近两年" in text and "12月31日前" in text
