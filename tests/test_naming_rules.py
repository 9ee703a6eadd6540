"""Naming follows the cycle: at most BOT_NAMING_QUOTA a year (the group union sees how many are
left), in the second half of the application's year, after its deadline and 考核验收 have begun."""
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.support.clock import clock
from storage.models import Application, AuditEntry, LedgerEntry, Studio
from storage.office import AssessmentRound
from storage.people import get_studio, get_unit
from tests.support.office import closed_round


def approved(bot, *names, year=2025, assessed=True):
    """Approved applications of ``year``; ``assessed``: scored in the year's closed 考核验收 round."""
    with bot.db.transaction() as s:
        unit = get_unit(s, "中交示范工程局有限公司")
        apps = []
        for name in names:
            studio = get_studio(s, name, unit)
            apps.append(Application(studio_id=studio.id, year=year, status="approved", flags={},
                                    created_at=clock.utcnow(), updated_at=clock.utcnow()))
            s.add(apps[-1])
        s.flush()
        if assessed:
            closed_round(s, year, apps)


def named(bot):
    with bot.db.session() as s:
        return sorted(a.studio.name for a in s.scalars(select(Application).where(Application.status == "named")))


def test_naming_before_the_second_half_is_refused_and_changes_nothing(bot, chat):
    clock.set_now(datetime(2026, 3, 5, 10, 0))
    approved(bot, "甲创新工作室", year=2025)
    approved(bot, "乙创新工作室", year=2026)
    group = chat("group")
    reply = group.send("命名 乙创新工作室 2026-03-01")
    assert "不能在 20260301 命名" in reply and "20260701 至 20261231" in reply
    reply = group.send("命名 甲创新工作室 2026-03-01")        # a 2025 application, named the next spring
    assert "不能在 20260301 命名" in reply and "20250701 至 20251231" in reply
    assert named(bot) == []
    with bot.db.session() as s:
        assert s.scalars(select(LedgerEntry)).all() == []
        assert [r.action for r in s.scalars(select(AuditEntry).where(AuditEntry.action.like("review.%")))] == []


def test_next_years_application_is_not_named_before_its_review(bot, chat):
    clock.set_now(datetime(2026, 12, 10, 10, 0))      # the application year is already 2027
    approved(bot, "丙创新工作室", year=2027)
    reply = chat("group").send("命名 丙创新工作室")
    assert "不能在 20261210 命名" in reply and "20270701" in reply
    assert named(bot) == []


def test_the_yearly_quota_is_kept_and_shown(make_bot):
    from tests.chat import Chat
    bot = make_bot(naming_quota=2)
    clock.set_now(datetime(2025, 9, 1, 10, 0))
    approved(bot, "一号创新工作室", "二号创新工作室", "三号创新工作室")
    group = Chat(bot, "group")
    assert "2025 年度命名名额 2 个，已命名 0 个，剩余 2 个" in group.send("命名")
    assert "还剩 1 个" in group.send("命名 一号创新工作室")
    assert "还剩 0 个" in group.send("命名 二号创新工作室 2025年8月30日")   # 8-30 is after 07-01
    assert "剩余 0 个" in group.send("命名")
    reply = group.send("命名 三号创新工作室")
    assert "2025 年度命名名额（2 个）已用完" in reply
    assert named(bot) == ["一号创新工作室", "二号创新工作室"]
    with bot.db.session() as s:
        assert s.scalar(select(Studio).where(Studio.name == "三号创新工作室")).status == "active"


def test_naming_needs_the_record_of_its_assessment(bot, chat):
    """考核验收 is recorded by a closed round that scored the application; an open round is not enough."""
    clock.set_now(datetime(2025, 9, 1, 10, 0))
    approved(bot, "丁创新工作室", assessed=False)
    group = chat("group")
    reply = group.send("命名 丁创新工作室")
    assert "还没有考核验收记录" in reply and named(bot) == []
    with bot.db.transaction() as s:
        app = s.scalar(select(Application))
        closed_round(s, 2025, [app]).status = "open"
    assert "还没有考核验收记录" in group.send("命名 丁创新工作室")
    with bot.db.transaction() as s:
        s.scalars(select(AssessmentRound)).one().status = "closed"
    assert "已命名「丁创新工作室」" in group.send("命名 丁创新工作室")
    assert named(bot) == ["丁创新工作室"]


def test_the_quota_is_a_validated_setting():
    from bot.config import Config
    from bot.errors import ConfigError
    assert Config.from_env(environ={"BOT_NAMING_QUOTA": "12"}).naming_quota == 12
    with pytest.raises(ConfigError, match="BOT_NAMING_QUOTA"):
        Config.from_env(environ={"BOT_NAMING_QUOTA": "0"})
    with pytest.raises(ConfigError, match="BOT_NAMING_FROM"):
        Config.from_env(environ={"BOT_NAMING_FROM": "03-01"})
