"""Last year as a start: 申报 for a studio that applied before offers to copy what is not bound to a year."""
import re

import pytest
from sqlalchemy import select, update

from handlers.application.schema import application_form
from storage import applications
from storage.models import Answer, Application, AuditEntry
from tests.form_data import fill_all

pytestmark = pytest.mark.usefixtures("may_2025")

CARRIED = ("cover.name", "cover.unit", "cover.unit_type", "cover.recommender", "basics.created_on",
           "basics.named_by", "basics.field", "basics.named_on", "basics.type", "basics.members", "basics.area",
           "leader.name", "leader.gender", "leader.birth", "leader.education", "leader.ethnicity",
           "leader.political", "leader.profession", "leader.title", "leader.phone", "leader.honours",
           "members", "narrative")


@pytest.fixture
def last_year(bot, chat):
    """The leader's whole application, moved back to 2024 (named); returns its answers."""
    leader = chat("leader")
    leader.send("申报")
    assert "全部 52 项都已填写" in fill_all(leader)
    with bot.db.transaction() as s:
        app = s.scalar(select(Application))
        s.execute(update(Application).where(Application.id == app.id).values(year=2024, status="named"))
        return applications.load_answers(s, app.id)


def this_year(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application).where(Application.year == 2025))
        rows = s.execute(select(Answer.key, Answer.value, Answer.source).where(Answer.application_id == app.id))
        history = s.execute(select(AuditEntry.key, AuditEntry.before, AuditEntry.after)
                            .where(AuditEntry.application_id == app.id, AuditEntry.action == "answer.set")).all()
        return app, {k: (v, src) for k, v, src in rows}, history


def test_the_schema_declares_every_year_bound_field(bot):
    form = application_form(2025)
    for item in form.items:
        words = " ".join([item.label, item.help, item.block, *item.aliases])
        if re.search(r"20\d\d|近两年", words) and not item.key.startswith("leader.honours"):
            assert item.yearly, item.key
    yearly = {i.key for i in form.items if i.yearly}
    assert not yearly & set(CARRIED)
    assert {i.key for i in form.items if not i.yearly} == set(CARRIED)
    assert {"cover.filled_on", "funding.y1.amount", "innovation.award_city", "benefit.y2.savings",
            "talent.total", "talent.list", "social"} <= yearly


def test_start_from_last_year_copies_what_is_not_bound_to_a_year(bot, chat, last_year):
    leader = chat("leader")
    offer = leader.send("申报")
    assert "您的工作室 2024 年度已填写过申报表。2025 年度可以从它开始" in offer
    assert "近两年的统计数字（经费投入、技术创新、经济效益、培养人才、社会效益）和填报日期需要重新填写" in offer
    assert leader.buttons() == ["从去年的申报表开始", "从头填写"]
    with bot.db.session() as s:                  # nothing copied before the choice
        app = s.scalar(select(Application).where(Application.year == 2025))
        assert applications.load_answers(s, app.id) == {}

    reply = leader.press("从去年的申报表开始")
    assert f"已从 2024 年度申报表复制 {len(CARRIED)} 项：封面：创新工作室名称、所在单位、单位类型、推荐单位；" in reply
    assert "工作室领衔人情况：领衔人姓名、领衔人性别" in reply and "工作室骨干成员情况：骨干成员" in reply
    assert "创新工作室业绩简介：业绩简介" in reply
    assert "需要重新填写 29 项：封面：填报日期；经费投入（2023年）：2023年投入金额、2023年经费来源；" in reply
    assert "技术创新：创新成果" in reply and "培养人才：培养人才总数" in reply and "社会效益：社会效益" in reply
    assert "继续填写 2025 年度创新工作室申报表（共 52 项，已填 23 项）" in reply
    assert reply.endswith("第 5 项 填报日期：请填写填报日期（可以说「今天」），例如 2025年5月20日。")   # the first to fill again

    app, stored, history = this_year(bot)
    assert stored == {key: (last_year[key], "copied") for key in CARRIED}
    assert sorted(history) == sorted((key, None, last_year[key]) for key in CARRIED)
    assert app.flags["started_from"] and "funding.y1.amount" in last_year

    # the copied answers are the leader's to change; the choice is not offered again
    assert "✓" in leader.send("领衔人技术职称：正高级工程师")
    assert this_year(bot)[1]["leader.title"] == ("正高级工程师", "user")
    again = leader.send("申报")
    assert "继续填写 2025 年度" in again and "从头填写" not in leader.buttons()


def test_start_afresh_copies_nothing(bot, chat, last_year):
    leader = chat("leader")
    leader.send("申报")
    reply = leader.press("从头填写")
    assert "开始填写 2025 年度创新工作室申报表（共 52 项，已填 0 项）" in reply
    app, stored, history = this_year(bot)
    assert stored == {} and history == [] and app.flags["started_from"] == "fresh"
    assert leader.send("王海隧道掘进劳模创新工作室").startswith("✓")
    assert "开始填写" not in leader.send("申报") and "从头填写" not in leader.buttons()


def test_the_offer_buttons_go_stale(bot, chat, last_year):
    leader = chat("leader")
    leader.send("申报")
    offer = list(leader.last)
    leader.press("从头填写")
    leader.last = offer                          # a later press of the other button copies nothing
    assert "开始填写 2025 年度创新工作室申报表（共 52 项，已填 0 项）" in leader.press("从去年的申报表开始")
    assert this_year(bot)[1] == {}
    assert "已失效" in leader.action("app_start:copy:999:1")


def test_a_studio_without_an_earlier_application_starts_empty(chat):
    leader = chat("leader")
    assert "开始填写 2025 年度创新工作室申报表（共 52 项，已填 0 项）" in leader.send("申报")
    assert "从头填写" not in leader.buttons()
