"""考核验收 with scores: the year's 百分制 rubric, experts invited and assigned (never their own unit),
sheets scored item by item and submitted complete, the office's averages, spread, ranking and ties,
what an expert may see, and the closed round naming requires — through the services, on both engines."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.errors import UserError
from handlers.office import rubric
from handlers.policy import Forbidden
from handlers.services import assessment
from tests.support.clock import clock
from storage.models import Application, AuditEntry
from storage.office import AssessmentRound, ScoreSheet
from tests.chat import Chat
from tests.support.office import ctx, moment, office_year, person_id, scores_for

YEAR = 2026


@pytest.fixture
def year(bot):
    clock.set_now(moment(2026, 6, 15))
    return office_year(bot, YEAR)


def opened(bot):
    with bot.db.transaction() as s:
        return assessment.open_round(ctx(bot, s, "group"), YEAR).what


def invited(bot, *experts):
    with bot.db.transaction() as s:
        for expert in experts:
            assessment.invite(ctx(bot, s, "group"), YEAR, person_id(bot, expert))


def assigned(bot, app_id, expert):
    with bot.db.transaction() as s:
        return assessment.assign(ctx(bot, s, "group"), YEAR, app_id, person_id(bot, expert))["sheet"].id


def scored(bot, sheet_id, expert, total, comment="材料齐全，成果突出"):
    with bot.db.transaction() as s:
        round_ = s.scalar(select(AssessmentRound))
        c = ctx(bot, s, expert)
        assessment.save_sheet(c, sheet_id, scores_for(round_, total), comment=comment)
        assessment.submit_sheet(c, sheet_id)


def test_the_default_rubric_is_a_hundred_points_from_the_seven_haves(bot, year):
    assert opened(bot) == "opened" and opened(bot) == "exists"
    with bot.db.session() as s:
        round_ = s.scalar(select(AssessmentRound))
        names = [i["name"] for i in round_.rubric]
    assert rubric.total(round_.rubric) == 100
    assert names[:2] == ["劳模（工匠人才）领衔", "创新团队"] and "创新成果" in names and "工作制度与台账" in names


def test_the_rubric_is_edited_until_a_sheet_is_submitted(bot, year):
    opened(bot)
    with bot.db.transaction() as s:
        c = ctx(bot, s, "group")
        assert assessment.add_item(c, YEAR, "成果转化应用", 10)["problem"].startswith("评分细则合计 110 分")
        changed = assessment.change_item(c, YEAR, "i8", maximum="5")
        assert changed["item"]["max"] == "5" and changed["problem"] == ""
        with pytest.raises(UserError, match="满分不能|应是不小于"):
            assessment.change_item(c, YEAR, "i8", maximum="-3")
        with pytest.raises(UserError, match="已有评分项"):
            assessment.add_item(c, YEAR, "创新团队", 5)
        removed = assessment.remove_item(c, YEAR, "i9")
        assert removed["problem"] == "评分细则合计 90 分，应为 100 分（百分制），请先调整评分项。"
        assessment.change_item(c, YEAR, "i8", maximum=15)
        assert rubric.total(s.scalar(select(AssessmentRound)).rubric) == 100
    invited(bot, "expert3")
    sheet = assigned(bot, year["apps"][0], "expert3")
    with bot.db.transaction() as s:         # a draft above an item's new maximum is cleared
        round_ = s.scalar(select(AssessmentRound))
        assessment.save_sheet(ctx(bot, s, "expert3"), sheet, {"i8": "9"})
        assessment.change_item(ctx(bot, s, "group"), YEAR, "i8", maximum="8")
        assert "i8" not in s.get(ScoreSheet, sheet).scores
        assessment.change_item(ctx(bot, s, "group"), YEAR, "i8", maximum="15")
    scored(bot, sheet, "expert3", 90)
    with bot.db.transaction() as s:
        with pytest.raises(UserError, match="已有 1 份评分表提交，评分细则不能再修改"):
            assessment.add_item(ctx(bot, s, "group"), YEAR, "附加项", 5)
    with bot.db.session() as s:
        actions = [r.action for r in s.scalars(select(AuditEntry).where(AuditEntry.action.like("assessment.%"))
                                               .order_by(AuditEntry.id))]
    assert actions[:6] == ["assessment.open", "assessment.rubric.add", "assessment.rubric.change",
                           "assessment.rubric.remove", "assessment.rubric.change", "assessment.invite"]


def test_experts_are_invited_and_never_assigned_their_own_unit(bot, year):
    opened(bot)
    with bot.db.transaction() as s:
        with pytest.raises(UserError, match="还没有「评审专家」角色"):
            assessment.invite(ctx(bot, s, "group"), YEAR, person_id(bot, "lead0"))
        with pytest.raises(Forbidden, match="仅限集团工会"):
            assessment.invite(ctx(bot, s, "expert1"), YEAR, person_id(bot, "expert1"))
    invited(bot, "expert1", "expert2")
    assert any("邀请您担任 2026 年度" in t for t in Chat(bot, "expert1").inbox())
    with bot.db.transaction() as s:         # studio 0 is of the first unit, the unit of expert1
        with pytest.raises(UserError) as refused:
            assessment.assign(ctx(bot, s, "group"), YEAR, year["apps"][0], person_id(bot, "expert1"))
        with pytest.raises(UserError, match="请先邀请"):
            assessment.assign(ctx(bot, s, "group"), YEAR, year["apps"][0], person_id(bot, "expert3"))
    assert str(refused.value) == ("不能分配：周专家与「港口工程0号创新工作室」同属中交第一航务工程局有限公司，"
                                  "按回避原则，评审专家不评审本单位的工作室。")
    assigned(bot, year["apps"][1], "expert1")
    assert any("「桥梁施工1号创新工作室」（中交第二航务工程局有限公司）2026 年度申报已分配给您评分" in t
               for t in Chat(bot, "expert1").inbox())
    with bot.db.transaction() as s:         # a draft is not at the group step
        app = s.get(Application, year["apps"][2])
        app.status = "draft"
        with pytest.raises(UserError, match="还没有到集团工会审批这一步"):
            assessment.assign(ctx(bot, s, "group"), YEAR, app.id, person_id(bot, "expert2"))
    with bot.db.session() as s:
        assert s.scalar(select(ScoreSheet.application_id)) == year["apps"][1]
        assert len(s.scalars(select(ScoreSheet)).all()) == 1


def test_a_sheet_is_scored_item_by_item_and_submitted_complete(bot, year):
    opened(bot)
    invited(bot, "expert2", "expert3")
    sheet = assigned(bot, year["apps"][0], "expert2")
    with bot.db.transaction() as s:
        c = ctx(bot, s, "expert2")
        assert assessment.score(c, sheet, "i1", "9.5", "领衔人为全国劳模")["missing"][0] == "创新团队"
        with pytest.raises(UserError, match="「创新团队」的得分不能超过 10 分"):
            assessment.score(c, sheet, "i2", "12")
        with pytest.raises(UserError, match="最多一位小数"):
            assessment.score(c, sheet, "i2", "9.25")
        with pytest.raises(UserError, match="应是数字"):
            assessment.score(c, sheet, "i2", "很好")
        with pytest.raises(UserError, match="评分表还没有填完，不能提交：创新团队、固定场所"):
            assessment.submit_sheet(c, sheet)
        with pytest.raises(Forbidden, match="不是分配给您的"):
            assessment.score(ctx(bot, s, "expert3"), sheet, "i2", "8")
    with bot.db.transaction() as s:
        round_ = s.scalar(select(AssessmentRound))
        c = ctx(bot, s, "expert2")
        assessment.save_sheet(c, sheet, {k: v for k, v in scores_for(round_, 88).items() if k != "i1"})
        with pytest.raises(UserError, match="请填写评语"):
            assessment.submit_sheet(c, sheet)
        assessment.save_sheet(c, sheet, comment="场所和制度完备")
        assert assessment.submit_sheet(c, sheet)["total"] == Decimal("97.5")      # 9.5 + 88 on the other items
        with pytest.raises(UserError, match="已提交，不能再修改"):
            assessment.score(c, sheet, "i2", "1")
    with bot.db.session() as s:
        saved = s.get(ScoreSheet, sheet)
        assert saved.notes == {"i1": "领衔人为全国劳模"} and saved.submitted_at is not None
        rows = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "score_sheet").order_by(AuditEntry.id)).all()
        assert [r.action for r in rows] == ["assessment.assign", "assessment.score", "assessment.score",
                                            "assessment.score", "assessment.submit"]
        assert rows[1].after["scores"] == {"i1": "9.5"} and rows[-1].detail == "97.5 分"


def test_results_ties_and_what_an_expert_sees(bot, year):
    opened(bot)
    invited(bot, "expert2", "expert3")
    a, b, c_ = year["apps"][0], year["apps"][2], year["apps"][3]
    sheets = {(app, e): assigned(bot, app, e) for app in (a, b, c_) for e in ("expert2", "expert3")}
    for (app, expert), total in zip(sheets, (90, 80, 86, 84, 70, 70)):
        if (app, expert) != (c_, "expert3"):
            scored(bot, sheets[(app, expert)], expert, total)
    with bot.db.transaction() as s:
        with pytest.raises(Forbidden, match="评审专家只能查看自己的评分表"):
            assessment.results(ctx(bot, s, "expert2"), YEAR)
        assert {x.expert_id for x in assessment.sheets(ctx(bot, s, "expert2"), YEAR)} == {person_id(bot, "expert2")}
        assert len(assessment.sheets(ctx(bot, s, "group"), YEAR)) == 6
        with pytest.raises(UserError, match="还有 1 份评分表没有提交：郑专家（BIM 技术3号创新工作室）"):
            assessment.close_round(ctx(bot, s, "group"), YEAR)
    scored(bot, sheets[(c_, "expert3")], "expert3", 70)
    with bot.db.transaction() as s:
        out = assessment.results(ctx(bot, s, "group"), YEAR)
        table = [(app.id, st.average, st.spread, st.rank, st.tied_with) for st, app in out["standings"]]
        assert table == [(a, Decimal("85.00"), Decimal(10), 1, [b]), (b, Decimal("85.00"), Decimal(2), 1, [a]),
                         (c_, Decimal("70.00"), Decimal(0), 3, [])]
        assert out["ties"] == [sorted([a, b])] and out["quota"] == 10 and out["left"] == 10
        with pytest.raises(UserError, match="请写明确定名次的理由"):
            assessment.break_tie(ctx(bot, s, "group"), YEAR, [b, a], "")
        with pytest.raises(UserError, match="并不并列"):
            assessment.break_tie(ctx(bot, s, "group"), YEAR, [b, c_], "理由")
        assessment.break_tie(ctx(bot, s, "group"), YEAR, [b, a], "专家意见更一致，成果获省部级奖项")
        ranked = [(app.id, st.rank, st.broken) for st, app in assessment.results(ctx(bot, s, "group"), YEAR)["standings"]]
        assert ranked == [(b, 1, "专家意见更一致，成果获省部级奖项"), (a, 2, "专家意见更一致，成果获省部级奖项"), (c_, 3, "")]
        assert assessment.close_round(ctx(bot, s, "group"), YEAR).what == "closed"
        assert assessment.assessed(s, s.get(Application, a)) and not assessment.assessed(s, s.get(Application, year["apps"][1]))
    with bot.db.transaction() as s:         # closed: experts see everything, nobody changes anything
        assert len(assessment.sheets(ctx(bot, s, "expert2"), YEAR)) == 6
        assert assessment.results(ctx(bot, s, "expert2"), YEAR)["standings"][0][1].id == b
        with pytest.raises(UserError, match="考核验收已结束"):
            assessment.assign(ctx(bot, s, "group"), YEAR, year["apps"][5], person_id(bot, "expert2"))
        tie = s.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.tie"))
        assert tie.detail == "专家意见更一致，成果获省部级奖项" and tie.after == [{"apps": [b, a], "reason": tie.detail}]
    assert any("考核验收已结束" in t for t in Chat(bot, "expert3").inbox())


def test_an_unassigned_sheet_leaves_no_trace_but_the_audit(bot, year):
    opened(bot)
    invited(bot, "expert3")
    sheet = assigned(bot, year["apps"][4], "expert3")
    with bot.db.transaction() as s:
        with pytest.raises(UserError, match="请写明撤回分配的理由"):
            assessment.unassign(ctx(bot, s, "group"), sheet, " ")
        assessment.unassign(ctx(bot, s, "group"), sheet, "专家出差")
    with bot.db.session() as s:
        assert s.scalars(select(ScoreSheet)).all() == []
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "assessment.unassign")).detail == "专家出差"
