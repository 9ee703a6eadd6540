"""The calendar holds (#25 item 3): after the deadline a first 提交 needs the group union's late window,
a resubmission after a 退回 never does, late applications are marked 逾期 wherever they are shown,
the group step's 同意 waits for 考核验收, a named studio is told why it does not apply again, and a
deadline on a day off is still taken that day while notices name the last working day."""
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from bot.config import Config
from bot.errors import UserError
from handlers.notices import run as notices
from handlers.review import deadline
from handlers.services import review
from handlers.services.context import Context
from storage import applications
from storage.actor import Actor
from storage.models import Application, AuditEntry, LedgerEntry, Person, ReviewStep, Studio
from tests.form_data import fill_all
from tests.support.clock import clock
from tests.test_notices import at, setup_cycle
from tests.test_notice_rules import inbox

STUDIO = "王海隧道掘进劳模创新工作室"
CONFIG = Config.from_env(environ={})


@pytest.fixture(autouse=True)
def may_2025():
    clock.set_now(datetime(2025, 5, 20, 10, 0))


def state(bot):
    with bot.db.session() as s:
        app = s.scalar(select(Application).where(Application.year == 2025))
        return app.status, [(st.step, st.status) for st in s.scalars(select(ReviewStep).where(
            ReviewStep.application_id == app.id).order_by(ReviewStep.step))]


def decide(reviewer, button, opinion):
    reviewer.inbox()
    reviewer.send("审批")
    reviewer.press(button)
    reply = reviewer.send(opinion)
    if button == "退回修改":            # the fields the opinion names are shown to confirm
        reply = reviewer.press("确认退回")
    return reply


def filled(chat):
    """The demo leader's whole 2025 form, filled on 20 May and not submitted (the form stays open)."""
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    leader = chat("leader")
    leader.send("申报")
    fill_all(leader)
    return leader


# -- the deadline itself, in BOT_TIMEZONE ------------------------------------------------------------

@pytest.mark.parametrize("moment, past", [
    (datetime(2026, 5, 31, 23, 59), False),       # 31 May 2026 is a Sunday: submissions are taken all day
    (datetime(2026, 6, 1, 0, 0), True),
    (datetime(2026, 6, 3, 10, 0), True),          # the 3 June
    (datetime(2025, 5, 31, 20, 0), False),        # 2025: a Saturday in the 端午 holiday
])
def test_the_deadline_is_the_end_of_its_day_in_shanghai(moment, past):
    aware = moment.replace(tzinfo=clock.TZ)
    assert deadline.past_deadline(CONFIG, moment.year, aware) is past


def test_the_deadline_follows_the_configured_time_zone():
    utc = Config.from_env(environ={"BOT_TIMEZONE": "UTC"})
    moment = datetime(2026, 6, 1, 7, 0, tzinfo=clock.TZ)           # 23:00 on 31 May in UTC
    assert deadline.past_deadline(CONFIG, 2026, moment) and not deadline.past_deadline(utc, 2026, moment)


# -- a first 提交 after the deadline -------------------------------------------------------------

def test_a_2026_application_submitted_on_3_june_2026_is_refused_unless_a_window_was_granted(bot):
    with bot.db.transaction() as s:
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        app = applications.get_or_create(s, studio, 2026)
        leader = s.scalar(select(Person).where(Person.name == "王海"))
        clock.set_now(datetime(2026, 6, 3, 10, 0))
        ctx = Context(s, Actor.of_person(leader, "web"), bot.clock, bot.config)
        with pytest.raises(UserError, match="2026 年度申报已于 2026年5月31日截止") as refused:
            review.submit(ctx, app)
        assert "不能首次提交" in str(refused.value) and "延期" in str(refused.value)
        assert app.status == "draft" and app.submitted_at is None


def test_after_the_deadline_the_leader_is_refused_then_submits_within_a_late_window(bot, chat):
    leader = filled(chat)
    union, group = chat("union"), chat("group")
    clock.set_now(datetime(2025, 6, 3, 10, 0))
    reply = leader.send("提交")
    assert "2025 年度申报已于 2025年5月31日截止" in reply and "不能首次提交" in reply and "确认提交" not in leader.buttons()
    leader.send("取消")                                 # out of the form, 进度 says where the application is
    leader.press("确认退出")
    assert "⚠ 逾期（未在 2025年5月31日截止前完成所在单位三步审批" in leader.send("进度")
    assert state(bot) == ("draft", [])
    # only the group union grants a window, with a date after the deadline and a reason
    assert "仅限" in union.send(f"延期 {STUDIO} 6月10日 领衔人外派抢险")
    assert "请写明延期理由" in group.send(f"延期 {STUDIO} 6月10日")
    assert "截止日（2025年5月31日）之后" in group.send(f"延期 {STUDIO} 5月30日 领衔人外派抢险")
    reply = group.send(f"延期 {STUDIO} 6月10日 领衔人外派抢险")
    assert "已准予「王海隧道掘进劳模创新工作室」2025 年度申报延期至 2025年6月10日" in reply
    assert "王海" in reply and "李秀英" in reply and "张建军" in reply and "刘志强" in reply
    told = leader.inbox()
    assert any("准予延期" in t and "2025年6月10日" in t and "领衔人外派抢险" in t for t in told)
    assert any("准予延期" in t and "王海隧道掘进" in t for t in union.inbox())
    with bot.db.session() as s:
        row = s.scalar(select(AuditEntry).where(AuditEntry.action == "application.late_window"))
        assert row.detail == "领衔人外派抢险" and row.after["until"] == "20250610" and row.role == "group"
    # within the window the first 提交 goes through, marked 逾期 for the reviewers
    leader.send("申报")
    leader.send("提交")
    assert "现由第 1 步 所在单位工会审批" in leader.press("确认提交")
    prompt = [t for t in union.inbox() if t.startswith("【待审批】")]
    assert prompt and "⚠ 逾期（未在 2025年5月31日截止前完成所在单位三步审批" in prompt[0] and "延期至 2025年6月10日" in prompt[0]
    assert "⚠ 逾期" in leader.send("进度")
    with bot.db.session() as s:
        row = s.scalar(select(AuditEntry).where(AuditEntry.action == "review.submit"))
        assert "逾期" in row.detail


def test_after_the_window_the_first_submission_is_refused_again(bot, chat):
    leader = filled(chat)
    clock.set_now(datetime(2025, 6, 3, 10, 0))
    chat("group").send(f"延期 {STUDIO} 6月10日 领衔人外派抢险")
    clock.set_now(datetime(2025, 6, 11, 9, 0))
    reply = leader.send("提交")
    assert "不能首次提交" in reply and "准予的延期已于 2025年6月10日结束" in reply


def test_with_a_window_申报_after_the_deadline_opens_last_years_form(bot, chat):
    leader = filled(chat)
    leader.send("取消")
    leader.press("确认退出")
    clock.set_now(datetime(2025, 6, 4, 10, 0))          # the application year is now 2026
    chat("group").send(f"延期 {STUDIO} 6月10日 领衔人外派抢险")
    assert "2025 年度创新工作室申报表" in leader.send("申报")


def test_a_resubmission_after_a_return_is_never_refused_and_is_marked_late(bot, chat, submitted):
    union = chat("union")
    clock.set_now(datetime(2025, 6, 2, 10, 0))
    decide(union, "退回修改", "2024年经费来源请补充金额")
    clock.set_now(datetime(2025, 6, 3, 10, 0))
    submitted.send("申报")
    submitted.send("2024年经费来源：中交示范工程局 8万元")
    submitted.send("提交")
    assert "已重新提交 2025 年度申报表，现由第 1 步" in submitted.press("确认提交")
    assert state(bot)[0] == "submitted"
    prompt = [t for t in union.inbox() if t.startswith("【待审批】")]
    assert prompt and "⚠ 逾期" in prompt[0]


def test_a_withdrawal_after_the_deadline_is_refused_because_it_could_not_be_submitted_again(bot, chat, submitted):
    clock.set_now(datetime(2025, 6, 2, 10, 0))
    reply = submitted.send("撤回")
    assert "撤回后不能再次提交，所以现在不能撤回" in reply and "退回修改" in reply
    assert state(bot)[0] == "submitted"


def test_an_application_through_its_unit_steps_in_time_is_not_late(bot, chat, submitted):
    for who in ("union", "tech", "party"):
        decide(chat(who), "同意", "同意")
    clock.set_now(datetime(2025, 6, 5, 10, 0))
    group = chat("group")
    prompt = [t for t in group.inbox() if t.startswith("【待审批】")]
    assert prompt and "逾期" not in prompt[0]
    assert "逾期" not in submitted.send("进度")


# -- the group step's final opinion waits for 考核验收 -----------------------------------------------

@pytest.mark.parametrize("year, today, decision, refused", [
    (2026, date(2025, 12, 10), "approve", True),      # the December, long before 考核验收
    (2026, date(2026, 5, 20), "approve", True),
    (2026, date(2026, 5, 31), "approve", True),
    (2026, date(2026, 6, 1), "approve", False),
    (2026, date(2026, 8, 31), "approve", False),
    (2026, date(2025, 12, 10), "return", False),      # 退回修改 and 不同意 are not final opinions
    (2026, date(2025, 12, 10), "reject", False),
])
def test_the_group_steps_final_opinion_waits_for_the_review_period(year, today, decision, refused):
    app = Application(year=year, flags={})
    step = ReviewStep(step=4, role="group")
    found = deadline.final_opinion_refusal(CONFIG, app, step, decision, today)
    assert (found is not None) is refused
    if refused:
        assert "考核验收" in found and f"{year}年6月1日以后" in found
    assert deadline.final_opinion_refusal(CONFIG, app, ReviewStep(step=1, role="union"), "approve", today) is None


def test_the_group_union_cannot_approve_before_the_review_period(bot, chat, submitted):
    for who in ("union", "tech", "party"):
        decide(chat(who), "同意", "同意")
    group = chat("group")
    prompt = [t for t in group.inbox() if t.startswith("【待审批】")]
    assert prompt and "最终意见（同意）须在考核验收期间给出" in prompt[0]
    group.send("审批")
    reply = group.press("同意")
    assert "须在考核验收期间给出" in reply and "2025年6月1日以后" in reply
    assert state(bot)[1][3] == (4, "pending")
    with bot.db.session() as s:         # nothing decided: no review.approve row for step 4
        assert [r.key for r in s.scalars(select(AuditEntry).where(AuditEntry.action == "review.approve"))] == \
            ["1", "2", "3"]
    clock.set_now(datetime(2025, 6, 3, 10, 0))
    group.send("审批")
    group.press("同意")
    assert "已全部审批通过" in group.send("同意命名")


# -- a named studio does not apply again ------------------------------------------------------------

def _named(bot, status="named"):
    with bot.db.transaction() as s:
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        studio.status, studio.named_on = status, date(2025, 7, 15)


def test_a_named_studios_re_application_says_why_at_申报(bot, chat):
    _named(bot)
    clock.set_now(datetime(2026, 3, 2, 10, 0))
    reply = chat("leader").send("申报")
    assert "已于 2025年7月15日被命名" in reply and "不重复授予" in reply and "无需再次申报" in reply
    with bot.db.session() as s:
        assert s.scalars(select(Application)).all() == []


def test_a_named_studio_is_not_named_again_nor_granted_twice(bot, chat):
    _named(bot)
    with bot.db.transaction() as s:            # an approved application of the next year, begun before
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        s.add(Application(studio_id=studio.id, year=2026, status="approved", flags={},
                          created_at=clock.utcnow(), updated_at=clock.utcnow()))
        ledgers_before = s.scalar(select(func.count()).select_from(LedgerEntry))
    clock.set_now(datetime(2026, 7, 15, 10, 0))
    reply = chat("group").send(f"命名 {STUDIO}")
    assert "已于 20250715 命名，称号和一次性经费不重复授予" in reply
    with bot.db.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == ledgers_before
        assert s.scalar(select(Application).where(Application.year == 2026)).status == "approved"


def test_a_named_studios_draft_cannot_be_submitted(bot):
    clock.set_now(datetime(2026, 3, 2, 10, 0))
    with bot.db.transaction() as s:
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        app = applications.get_or_create(s, studio, 2026)       # begun before the studio was named
        studio.status, studio.named_on = "named", date(2025, 7, 15)
        leader = s.scalar(select(Person).where(Person.name == "王海"))
        with pytest.raises(UserError, match="不重复授予"):
            review.submit(Context(s, Actor.of_person(leader, "web"), bot.clock, bot.config), app)


def test_a_studio_whose_title_was_withdrawn_may_apply_anew(bot, chat):
    _named(bot, status="revoked")
    clock.set_now(datetime(2026, 3, 2, 10, 0))
    assert "开始填写 2026 年度创新工作室申报表" in chat("leader").send("申报")


# -- notices ------------------------------------------------------------------------------------------

def test_when_31_may_is_a_day_off_the_notices_name_the_last_working_day(bot):
    setup_cycle(bot)
    notices.run(bot, at(2025, 5, 23))             # 31 May 2025 is a Saturday (端午)
    group = inbox(bot, "group:全体工会")
    assert "5月31日是星期六（休息日），当天仍可提交；请以最后一个工作日 5月30日（星期五）为目标" in group[0]
    union = [t for t in inbox(bot, "union") if t.startswith("【申报截止提醒】")]
    assert "最后一个工作日 5月30日" in union[0]


def test_a_working_day_deadline_adds_nothing(make_bot):
    bot = make_bot(deadline="05-30")                # Friday 30 May 2025
    setup_cycle(bot)
    notices.run(bot, at(2025, 5, 23))
    group = inbox(bot, "group:全体工会")
    assert "将于 5月30日 截止" in group[0] and "休息日" not in group[0]


def test_review_reminders_after_the_deadline_mark_late_applications(bot):
    setup_cycle(bot)                                # 周强's application waits at step 1 since 20 May
    notices.run(bot, at(2025, 6, 3))
    union = [t for t in inbox(bot, "union") if t.startswith("【审批提醒】")]
    assert union and "周强焊接创新工作室" in union[0] and "⚠ 逾期" in union[0]
