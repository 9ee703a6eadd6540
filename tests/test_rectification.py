"""Spot check results with notes, photos and grounds; 限期整改 tracked in working days with reminders in
chat (once per recipient); an overdue or failed 整改 proposed for withdrawal, confirmed by the office
through the spot check service, with the history kept; and the quarterly self-check as answers."""
from datetime import date

import pytest
from sqlalchemy import func, select

from bot import cycle
from bot.errors import UserError
from handlers.notices import run as notices
from handlers.policy import Forbidden
from handlers.services import rectifications, selfcheck, spotchecks
from tests.support.clock import clock
from storage.models import Attachment, OutboxMessage, SpotCheck, SpotCheckResult, Studio, StoredFile
from storage.office import Rectification, SelfCheck
from tests.chat import Chat
from tests.support.office import ctx, moment, office_year


@pytest.fixture
def checked(bot):
    """Two named studios drawn in a spot check on 2026-11-02."""
    clock.set_now(moment(2026, 11, 2))
    data = office_year(bot, 2026, n=2)
    with bot.db.transaction() as s:
        for studio_id in data["studios"]:
            studio = s.get(Studio, studio_id)
            studio.status, studio.named_on = "named", date(2026, 9, 10)
        spotchecks.draw(ctx(bot, s, "group"), 2)
    return data["studios"]


def test_a_rectification_overdue_is_withdrawn_with_its_history(bot, checked):
    first, second = checked
    with bot.db.transaction() as s:
        photo = StoredFile(token="tok-photo", name="现场.jpg", path="", created_at=clock.utcnow())
        s.add(photo)
        s.flush()
        out = spotchecks.record_result(ctx(bot, s, "group"), first, "限期整改", "活动台账不全", photos=[photo.id],
                                       working_days=10)
        rect = out["rectification"]
        assert (rect.deadline, rect.working_days) == (cycle.add_workdays(date(2026, 11, 2), 10), 10)
        assert s.scalar(select(func.count()).select_from(Attachment).where(Attachment.owner_kind == "spotcheck")) == 1
        with pytest.raises(UserError, match="撤销称号须写明《意见》规定的情形"):
            spotchecks.record_result(ctx(bot, s, "admin"), second, "撤销称号", "无活动")
        spotchecks.record_result(ctx(bot, s, "admin"), second, "合格", "台账完整")
    lead = Chat(bot, "lead0")
    assert any("限期整改" in t and "2026年11月16日 前（10 个工作日）" in t for t in lead.inbox())
    remind_on = cycle.add_workdays(rect.deadline, -bot.config.rectify_remind_working_days)
    for day in (remind_on, remind_on):               # run twice: once per recipient
        notices.run(bot, cycle.at_notice_time(bot.config, day), types=["rectify"])
    texts = lead.inbox()
    assert len(texts) == 1 and texts[0].startswith("【整改提醒】领衔人0您好，「港口工程0号创新工作室」的限期整改将于"
                                                   " 2026年11月16日 到期（还有 5 个工作日）")
    assert any(t.startswith("【整改提醒】工会0您好") for t in Chat(bot, "union0").inbox())
    overdue = cycle.add_workdays(rect.deadline, 1)
    clock.set_now(moment(overdue.year, overdue.month, overdue.day))
    notices.run(bot, cycle.at_notice_time(bot.config, overdue), types=["rectify"])
    assert any(t.startswith("【整改逾期】陈国华您好，「港口工程0号创新工作室」逾期未完成整改") for t in Chat(bot, "group").inbox())
    with bot.db.transaction() as s:
        assert [r.id for r in rectifications.proposals(ctx(bot, s, "group"))] == [rect.id]
        with pytest.raises(Forbidden):
            rectifications.confirm_withdrawal(ctx(bot, s, "admin"), rect.id, ["工作不积极"])
        done = rectifications.confirm_withdrawal(ctx(bot, s, "group"), rect.id, ["工作不积极", "制度不落实"], "经复查仍未整改")
        assert done["studio"].status == "revoked"
        history = rectifications.history(ctx(bot, s, "union0"), first)
    assert [h[2] for h in history] == ["登记抽查结果", "限期整改", "登记抽查结果", "整改结束", "确认撤销称号"]
    assert history[-1][3] == "逾期未完成整改；经复查仍未整改"
    with bot.db.session() as s:
        assert s.get(Rectification, rect.id).status == "withdrawn"
        row = s.scalar(select(SpotCheckResult).where(SpotCheckResult.studio_id == first))
        assert (row.result, row.grounds) == ("撤销称号", ["工作不积极", "制度不落实"])
    assert any("（工作不积极、制度不落实）被撤销" in t for t in lead.inbox())


def test_a_reported_rectification_is_verified(bot, checked, chat):
    first, _ = checked
    group = chat("group")
    reply = group.send("抽查结果 港口工程0号创新工作室 限期整改 15个工作日 制度未上墙")
    assert reply.startswith("已登记第 1 次抽查结果：「港口工程0号创新工作室」限期整改，整改期限 15 个工作日（2026年11月23日 前）")
    leader = chat("lead0")
    leader.inbox()
    assert "请写明整改情况" in leader.send("整改完成")
    assert "已报告「港口工程0号创新工作室」整改情况" in leader.send("整改完成 六项制度已上墙，照片已存档")
    assert "目前没有需要整改的事项" in chat("lead1").send("整改完成 无")
    assert any("【整改报告】「港口工程0号创新工作室」报告整改完成：六项制度已上墙" in t for t in group.inbox())
    with bot.db.transaction() as s:
        rect = s.scalar(select(Rectification))
        rectifications.verify(ctx(bot, s, "group"), rect.id, False, "照片与现场不符")
        assert [r.id for r in rectifications.proposals(ctx(bot, s, "group"))] == [rect.id]
        with pytest.raises(UserError, match="不能再核查"):
            rectifications.verify(ctx(bot, s, "group"), rect.id, True, "再查")
    assert any("整改经核查不合格（照片与现场不符），将提请撤销称号" in t for t in leader.inbox())


def test_the_quarterly_self_check_is_answered_in_chat(bot, checked, chat):
    clock.set_now(moment(2027, 1, 4))
    notices.run(bot, cycle.at_notice_time(bot.config, date(2027, 1, 4)), types=["selfcheck"])
    leader = chat("lead0")
    notice = [m for m in (leader.inbox() and leader.pushed) if m["text"].startswith("【季度自查】")]
    button = [b for b in notice[0]["buttons"] if b["label"] == "开始自查"][0]
    first = leader.action(button["action"])          # the notice's button
    assert "开始 2027 年第一季度自查「港口工程0号创新工作室」" in first and "自查（1/" in first
    with bot.db.session() as s:
        items = s.scalar(select(SelfCheck)).items
    assert items[0]["item"] == "有劳模领衔" and any(i["item"] == "台账" for i in items)
    leader.press("属实")
    reply = leader.send("场所已扩至30平方米，新增成果展示墙")
    assert f"自查（3/{len(items)}）" in reply
    assert "已暂停自查" in leader.send("暂停")
    assert f"自查（3/{len(items)}）" in leader.send("自查")          # resumed where it stopped
    for _ in range(len(items) - 3):
        reply = leader.send("属实")
    done = leader.send("属实")
    assert done.startswith(f"已完成 2027 年第一季度自查，共 {len(items)} 项，更正 1 项") and "场所已扩至30平方米" in done
    assert "自查已完成" in leader.send("自查")
    union = chat("union0")
    assert any("【自查结果】「港口工程0号创新工作室」已完成 2027 年第一季度自查" in t for t in union.inbox())
    listing = union.send("自查结果")
    assert "港口工程0号创新工作室：已完成" in listing and "场所已扩至30平方米" in listing
    assert "桥梁施工1号创新工作室" not in listing                     # another unit's studio
    assert "仅限" in chat("lead1").send("自查结果")
    with bot.db.transaction() as s:
        out = selfcheck.answers(ctx(bot, s, "group"))
        assert [c.studio_id for c in out["checks"]] == [checked[0]] and [m.id for m in out["missing"]] == [checked[1]]
        saved = s.scalar(select(SelfCheck))
        assert [a["answer"] for a in saved.answers].count("correct") == 1 and saved.quarter == "2027Q1"
    with bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.notice == "selfcheck")) >= 2
