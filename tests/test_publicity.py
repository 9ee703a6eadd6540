"""公示 and naming: the list proposed from the closed round's ranking within the quota, published for
its working days, objections (an upheld one takes the studio off and lets the next in the ranking be
published), and the group step's decision after it — named through the naming service, or not named
this year with the opinion printed in the form's 审批意见 box. Services, on both engines."""
import io
from datetime import date

import docx
import openpyxl
import pytest
from sqlalchemy import select

from bot.errors import UserError
from handlers.application.render import render
from handlers.review.steps import steps_of
from handlers.services import assessment, publicity
from storage import ledgers
from tests.support.clock import clock
from storage.models import Application, AuditEntry, Studio
from storage.office import PublicityEntry
from tests.chat import Chat
from tests.support.office import assessed_year, ctx, moment, office_year

YEAR = 2026
TOTALS = (92, 90, 88, 88, 85, 80, 75, 70)         # apps 2 and 3 tie


@pytest.fixture
def ranked(make_bot):
    bot = make_bot(naming_quota=3)
    clock.set_now(moment(2026, 8, 20))
    data = office_year(bot, YEAR)
    assessed_year(bot, dict(zip(data["apps"], TOTALS)))
    clock.set_now(moment(2026, 9, 1))             # a Tuesday
    return bot, data["apps"]


def office(bot, s):
    return ctx(bot, s, "group")


def names(bot, ids):
    with bot.db.session() as s:
        return [s.get(Application, i).studio.name for i in ids]


def test_the_ranking_and_the_quota_propose_the_list_and_a_tie_across_the_cut_waits(ranked):
    bot, apps = ranked
    with bot.db.transaction() as s:
        proposed = publicity.proposal(office(bot, s), YEAR)
        assert [a.id for a in proposed["apps"]] == apps[:2] and proposed["tie"] == sorted(apps[2:4])
        with pytest.raises(UserError, match="排名并列跨过了名额线，请先确定并列名次"):
            publicity.publish(office(bot, s), YEAR)
        assessment.break_tie(office(bot, s), YEAR, [apps[3], apps[2]], "创新成果获省部级奖项")
        assert [a.id for a in publicity.proposal(office(bot, s), YEAR)["apps"]] == [apps[0], apps[1], apps[3]]


def test_no_list_before_the_round_is_closed(make_bot):
    bot = make_bot()
    clock.set_now(moment(2026, 8, 20))
    data = office_year(bot, YEAR)
    assessed_year(bot, {data["apps"][0]: 90}, close=False)
    with bot.db.transaction() as s:
        with pytest.raises(UserError, match="考核验收还没有结束"):
            publicity.proposal(office(bot, s), YEAR)
        with pytest.raises(UserError, match="仅限集团工会"):
            publicity.proposal(ctx(bot, s, "lead0"), YEAR)


def test_publish_object_replace_and_decide(ranked):
    bot, apps = ranked
    first = [apps[0], apps[1], apps[3]]
    with bot.db.transaction() as s:
        assessment.break_tie(office(bot, s), YEAR, [apps[3], apps[2]], "创新成果获省部级奖项")
        out = publicity.publish(office(bot, s), YEAR)
        published = out["publicity"]
        assert (published.starts_on, published.ends_on, published.working_days) == (date(2026, 9, 1), date(2026, 9, 7), 5)
        assert [a.id for a in out["apps"]] == first
        assert publicity.proposal(office(bot, s), YEAR)["apps"] == []         # the quota is taken by the list
    told = Chat(bot, "lead0").inbox()
    assert any(t.startswith("【公示】领衔人0您好，「港口工程0号创新工作室」已列入 2026 年度拟命名名单，"
                            "公示期为2026年9月1日至2026年9月7日（5 个工作日）") for t in told)
    assert any("港口工程0号创新工作室" in t for t in Chat(bot, "union0").inbox())
    with bot.db.transaction() as s:
        with pytest.raises(UserError, match="只登记公示期内"):
            publicity.record_objection(office(bot, s), YEAR, apps[3], "反映场所不足", received_on=date(2026, 9, 8))
        with pytest.raises(UserError, match="不在公示名单上"):
            publicity.record_objection(office(bot, s), YEAR, apps[2], "反映")
        objection = publicity.record_objection(office(bot, s), YEAR, apps[3], "反映场所实为仓库，面积不足10平方米",
                                               source="来信")["objection"]
        kept = publicity.record_objection(office(bot, s), YEAR, apps[0], "反映领衔人长期不在岗")["objection"]
        with pytest.raises(UserError, match="请写明核实情况"):
            publicity.decide_objection(office(bot, s), objection.id, True, "")
        publicity.decide_objection(office(bot, s), objection.id, True, "经现场核实，场所面积不足")
        with pytest.raises(UserError, match="已经处理过了"):
            publicity.decide_objection(office(bot, s), objection.id, False, "再议")
        nxt = publicity.proposal(office(bot, s), YEAR)
        assert [a.id for a in nxt["apps"]] == [apps[2]] and nxt["slots"] == 1
    assert any("不再列入 2026 年度拟命名名单" in t for t in Chat(bot, "lead3").inbox())
    clock.set_now(moment(2026, 9, 3))
    with bot.db.transaction() as s:
        second = publicity.publish(office(bot, s), YEAR)["publicity"]
        assert (second.number, second.starts_on, second.ends_on) == (2, date(2026, 9, 3), date(2026, 9, 9))
        with pytest.raises(UserError, match="公示期到 2026年9月7日 结束，公示结束后才能命名"):
            publicity.decide(office(bot, s), apps[0], publicity.NAME)
    clock.set_now(moment(2026, 9, 8))
    with bot.db.transaction() as s:
        with pytest.raises(UserError, match="还有未处理的公示异议"):
            publicity.decide(office(bot, s), apps[0], publicity.NAME)
        publicity.decide_objection(office(bot, s), kept.id, False, "经核实，领衔人在岗")
        named = publicity.decide(office(bot, s), apps[0], publicity.NAME, "同意命名")
        assert named.what == "named" and named["left"] == 2
        publicity.decide(office(bot, s), apps[1], publicity.NAME)
        with pytest.raises(UserError, match="不在公示名单上"):
            publicity.decide(office(bot, s), apps[3], publicity.NAME)
        with pytest.raises(UserError, match="请写明本年度不予命名的意见"):
            publicity.decide(office(bot, s), apps[3], publicity.NOT_NAMED)
        publicity.decide(office(bot, s), apps[3], publicity.NOT_NAMED, "公示期间异议经核实成立，本年度不予命名")
        with pytest.raises(UserError, match="正在公示"):
            publicity.decide(office(bot, s), apps[2], publicity.NOT_NAMED, "名额已满")
        with pytest.raises(UserError, match="已于 20260908 命名"):
            publicity.decide(office(bot, s), apps[0], publicity.NAME)
    clock.set_now(moment(2026, 9, 10))
    with bot.db.transaction() as s:
        publicity.decide(office(bot, s), apps[2], publicity.NAME)
        publicity.decide(office(bot, s), apps[4], publicity.NOT_NAMED, "综合得分未进入本年度命名名额")
    with bot.db.session() as s:
        statuses = [s.get(Application, i).status for i in apps[:5]]
        assert statuses == ["named", "named", "named", "rejected", "rejected"]
        studio = s.get(Application, apps[0]).studio
        assert studio.status == "named" and studio.named_on == date(2026, 9, 8)
        assert ledgers.grant_of(s, studio.id).data["amount"] == "5"
        group = [st for st in steps_of(s, s.get(Application, apps[0])) if st.role == "group"][0]
        assert (group.status, group.opinion) == ("approved", "同意命名")
        refused = s.get(Application, apps[4])
        data, _ = render(s, bot.config, refused)
        text = "\n".join(c.text for t in docx.Document(io.BytesIO(data)).tables for row in t.rows for c in row.cells)
        assert "综合得分未进入本年度命名名额" in text
        actions = [r.action for r in s.scalars(select(AuditEntry).where(AuditEntry.application_id == apps[0],
                                                                        AuditEntry.action.not_like("answer.%"),
                                                                        AuditEntry.action.not_like("assessment.%"))
                                               .order_by(AuditEntry.id))]
        assert actions == ["publicity.list", "publicity.objection", "publicity.objection.dismissed",
                           "review.approve", "review.name"]
    assert any("祝贺" in t for t in Chat(bot, "lead0").inbox())
    assert any(t.startswith("【命名结果】工会0您好，「港口工程0号创新工作室」已于2026年9月8日被命名")
               for t in Chat(bot, "union0").inbox())
    assert any("本年度申报流程已结束" in t and "综合得分未进入本年度命名名额" in t for t in Chat(bot, "lead4").inbox())


def test_the_list_as_xlsx_and_docx(ranked):
    bot, apps = ranked
    with bot.db.transaction() as s:
        s.get(Application, apps[0]).studio.name = "=HYPERLINK(\"x\")<港口>&工作室"
        assessment.break_tie(office(bot, s), YEAR, [apps[2], apps[3]], "理由")
        published = publicity.publish(office(bot, s), YEAR)["publicity"]
        xlsx = publicity.document(office(bot, s), published.id, "xlsx")
        word = publicity.document(office(bot, s), published.id, "docx")
        with pytest.raises(UserError, match="只能导出"):
            publicity.document(office(bot, s), published.id, "pdf")
    assert xlsx["name"] == "2026年度拟命名名单公示（第1批）.xlsx"
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx["data"])).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[1] == ["序号", "工作室名称", "所在单位", "领衔人", "专业领域"]
    assert rows[2][:4] == [1, "=HYPERLINK(\"x\")<港口>&工作室", "中交第一航务工程局有限公司", "领衔人0"]
    assert sheet.cell(row=3, column=2).data_type == "s"          # text, never a formula
    document = docx.Document(io.BytesIO(word["data"]))
    assert "公示期为2026年9月1日至2026年9月7日（5个工作日）" in "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert cells[1][:2] == ["1", "=HYPERLINK(\"x\")<港口>&工作室"] and len(cells) == 4
    with bot.db.session() as s:
        assert s.scalar(select(PublicityEntry.position).where(PublicityEntry.application_id == apps[2])) == 3
        assert s.scalar(select(Studio).where(Studio.id == s.get(Application, apps[0]).studio_id)).status == "active"
