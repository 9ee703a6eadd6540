"""Yearly-cycle notices: a simulated 2025, exactly once under races and outages, operators, the CLI."""
import re
import threading
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot import cycle
from tests.support.clock import clock
from bot.delivery import Delivery
from bot.errors import ChannelError
from handlers.notices import run as notices
from storage.models import LedgerEntry, Studio, WebMessage
from tests.support.cycle import GROUP, at, setup_cycle, days_of, rows  # noqa: F401











def assert_delivered_once(bot):
    """Every outbox row was sent, and its recipient got its text exactly once."""
    with bot.db.session() as s:
        got = Counter((m.user_id, m.payload["text"]) for m in s.scalars(select(WebMessage)))
    expected = Counter((r.recipient, r.payload["text"]) for r in rows(bot))
    assert {r.status for r in rows(bot)} == {"sent"}
    assert got == expected and set(got.values()) == {1}


def test_a_simulated_year(bot):
    setup_cycle(bot)
    day = date(2025, 1, 1)
    while day.year == 2025:
        report = notices.run(bot, at(day.year, day.month, day.day))
        assert not report.errors, report.errors
        Delivery(bot).drain()
        day += timedelta(days=1)
    cal = cycle.calendar(bot.config, 2025)
    countdown = [date(2025, 4, 30), date(2025, 5, 16), date(2025, 5, 23), date(2025, 5, 28), date(2025, 5, 30)]
    assert days_of(bot, "deadline", GROUP) == countdown          # May 1 (holiday) moved to April 30
    assert days_of(bot, "deadline", "leader") == countdown       # the leader with an unfinished draft
    assert days_of(bot, "deadline", "leader3") == []             # submitted: no personal reminder
    assert days_of(bot, "deadline", "group:已退订") == []
    quarters = [date(2025, 1, 2), date(2025, 4, 1), date(2025, 7, 1), date(2025, 10, 9)]
    assert days_of(bot, "selfcheck", "leader2") == quarters      # the named studio's leader
    assert days_of(bot, "selfcheck", "union") == quarters        # the unit union's summary
    assert days_of(bot, "selfcheck", "leader") == []             # not named
    assert days_of(bot, "project", "leader2") == [date(2025, 9, 1), date(2025, 12, 1)]
    assert days_of(bot, "review", "union") == list(cal.review_reminders)
    assert days_of(bot, "review", "tech") == []
    assert all(r.status == "sent" for r in rows(bot))
    texts = [m["text"] for m in bot.channels["web"].take_inbox(GROUP)]
    assert len(texts) == 5
    assert texts[2] == ("【申报提醒】2025 年中国交建劳模（工匠人才）创新工作室申报将于 5月31日 截止，还有 8 天。"
                        "请各单位工会督促领衔人在机器人中完成申报表。已提交 1 家，填写中 1 家。"
                        "申报材料（申报表、附件2 材料和证明材料）须装订成册一式两份，同时报送电子版，"
                        "5月31日前报送中国交建工会联合会办公室。"
                        # 31 May 2025 is a Saturday (端午): still taken that day, the last working day named
                        "5月31日是星期六（休息日），当天仍可提交；请以最后一个工作日 5月30日（星期五）为目标"
                        "完成所在单位审批和报送。")
    personal = [m for m in bot.channels["web"].take_inbox("leader") if m["text"].startswith("王海您好")]
    missing = re.search(r"您的 2025 年度申报表还差 (\d+) 项：所在单位、单位类型", personal[0]["text"])
    assert missing and f" 等 {missing[1]} 项" in personal[0]["text"]       # at most 8 names, then the count
    assert "5月31日截止，还有 31 天" in personal[0]["text"]
    assert personal[0]["buttons"] == [{"label": "继续填写", "action": "申报"}]
    check = [m["text"] for m in bot.channels["web"].take_inbox("leader2") if "季度自查" in m["text"]]
    assert "2024 年第四季度）活动台账没有记录" in check[0] and "七有 " in check[0]
    review = [m["text"] for m in bot.channels["web"].take_inbox("union") if m["text"].startswith("【审批提醒】")]
    assert "周强焊接创新工作室（中交示范工程局有限公司）— 单位工会审批" in review[0]


def test_same_day_twice_day_off_and_catch_up(bot):
    setup_cycle(bot)
    assert notices.run(bot, at(2025, 5, 31)).skipped == "今天不是工作日"
    assert notices.run(bot, at(2025, 5, 16, 8, 59)).skipped.startswith("还没到通知时间")
    assert rows(bot) == []
    late = notices.run(bot, at(2025, 5, 16, 11))      # the worker was down at 09:00
    assert late.written["deadline"] == 3          # the group, the leader, the unit union
    again = notices.run(bot, at(2025, 5, 16, 12))
    assert sum(again.written.values()) == 0
    assert len(rows(bot, notice="deadline")) == 3


def test_ledgers_silence_the_gaps_and_the_fourth_quarter_warning(bot):
    ids = setup_cycle(bot)
    with bot.db.transaction() as s:
        for ledger, day, data in (("activity", date(2025, 8, 5), {"topic": "盾构培训"}),
                                  ("achievement", date(2025, 3, 1), {"kind": "立项", "name": "智能掘进"})):
            s.add(LedgerEntry(studio_id=ids["named"], ledger=ledger, entry_date=day, data=data,
                              created_at=datetime(2025, 1, 1), updated_at=datetime(2025, 1, 1)))
    warned = [n.person.name for n, _ in notices.run(bot, at(2025, 12, 1)).decided["project"]]
    assert "李明" not in warned and warned == ["王海", "周强"]      # the named studio has its 立项
    decided = notices.run(bot, at(2025, 10, 9), dry_run=True).decided["selfcheck"]
    leader_text = decided[0][0].message.text
    assert "上季度活动 1 次；2025 年成果 1 项，其中立项 1 项" in leader_text
    assert "活动台账没有记录" not in leader_text


def test_naming_announced_once_per_studio_and_date(bot):
    ids = setup_cycle(bot)
    clock.set_now(datetime(2025, 7, 15, 10))
    with bot.db.transaction() as s:
        first = s.get(Studio, ids["submitted"])
        assert notices.announce_naming(s, bot.config, [first], date(2025, 7, 15)) == 2
    with bot.db.transaction() as s:
        first, second = s.get(Studio, ids["submitted"]), s.get(Studio, ids["draft"])
        assert notices.announce_naming(s, bot.config, [first], date(2025, 7, 15)) == 0
        assert notices.announce_naming(s, bot.config, [first, second], date(2025, 7, 15)) == 2
    Delivery(bot).drain()
    group = [m["text"] for m in bot.channels["web"].take_inbox(GROUP)]
    assert len(group) == 2 and "周强焊接创新工作室" in group[0] and "周强焊接" not in group[1]
    assert "每家工作室一次性补助经费 5 万元" in group[0]
    leader3 = [m["text"] for m in bot.channels["web"].take_inbox("leader3")]
    assert len(leader3) == 1 and leader3[0].startswith("【命名公告】周强您好，祝贺！")


@pytest.mark.fault
def test_two_workers_racing_send_each_pair_once(make_bot):
    first = make_bot()
    second = make_bot()
    setup_cycle(first)
    moment = at(2025, 7, 1)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def work(bot):
        try:
            barrier.wait()
            reports.append(notices.run(bot, moment))
            barrier.wait()
            Delivery(bot).drain()
        except Exception as exc:       # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(b,)) for b in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and all(not r.errors for r in reports)
    decided = len(reports[0].decided["selfcheck"])
    assert decided == 2                                    # leader2 and the unit union
    assert sum(r.written["selfcheck"] for r in reports) == decided
    assert_delivered_once(first)
    assert {"leader2", "union"} <= {r.recipient for r in rows(first)}


@pytest.mark.fault
def test_messenger_outage_mid_broadcast_then_recovery(bot, monkeypatch):
    setup_cycle(bot)
    web = bot.channels["web"]
    real_push, calls = web.push, []

    def flaky(recipients, payload, **kw):
        calls.append(list(recipients))
        if 2 <= len(calls) <= 5:                 # the first send goes out, then the messenger is down
            raise ChannelError("down", "消息服务不可用", retry=True)
        return real_push(recipients, payload, **kw)

    monkeypatch.setattr(web, "push", flaky)
    notices.run(bot, at(2025, 5, 23))
    delivery = Delivery(bot)
    for _ in range(30):
        delivery.drain()
        if not delivery.pending():
            break
        clock.advance(timedelta(minutes=1))
    outbox = rows(bot)
    assert all(r.status == "sent" and r.last_error == "" for r in outbox)
    assert max(r.attempts for r in outbox) > 1 and len(calls) > len(outbox)
    assert_delivered_once(bot)
    for user in (GROUP, "leader"):
        assert len(web.take_inbox(user)) == 1
    assert sum(notices.run(bot, at(2025, 5, 23, 10)).written.values()) == 0


@pytest.mark.fault
def test_a_send_that_keeps_failing_is_marked_failed_with_its_reason(make_bot, chat, monkeypatch):
    bot = make_bot(delivery_retry_hours=1)         # retried for an hour from the first failure
    setup_cycle(bot)
    web = bot.channels["web"]
    real_push = web.push

    def group_down(recipients, payload, **kw):
        if any(r.startswith("group:") for r in recipients):
            raise ChannelError("93000", "机器人 webhook 无效", retry=True)
        return real_push(recipients, payload, **kw)

    monkeypatch.setattr(web, "push", group_down)
    notices.run(bot, at(2025, 5, 23))
    delivery = Delivery(bot)
    for _ in range(5):
        delivery.drain()
        clock.advance(timedelta(hours=1))
    failed = rows(bot, status="failed")
    assert [r.recipient for r in failed] == [GROUP]
    assert failed[0].last_error == "93000: 机器人 webhook 无效" and failed[0].attempts == 2
    from tests.chat import Chat
    log = Chat(bot, "admin").send("通知记录")
    assert "申报截止提醒 → 群「全体工会」：失败" in log
    assert "申报截止提醒 → 王海：已发送" in log
    assert "发送失败：\n· 申报截止提醒 → 群「全体工会」" in log and "93000: 机器人 webhook 无效" in log


def test_operators_preview_pause_resume_send_now_and_log(bot, chat):
    setup_cycle(bot)
    admin = chat("admin")
    at(2025, 5, 23, 8)
    preview = admin.send("通知预览")
    assert "申报截止提醒：3 条，其中未发送过 3 条" in preview and "→ 群「全体工会」" in preview
    assert "（定时任务将于 09:00 发送。）" in preview
    assert rows(bot) == []
    assert "已暂停「申报截止提醒」" in admin.send("暂停通知 截止")
    report = notices.run(bot, at(2025, 5, 23))
    assert report.paused == ["deadline"] and "已暂停（未发送）：申报截止提醒" in report.text()
    assert rows(bot, notice="deadline") == []
    assert "已暂停，定时任务不会发送：申报截止提醒" in admin.send("通知预览 申报截止提醒")
    assert "已恢复" in admin.send("恢复通知 申报截止提醒")
    assert notices.run(bot, at(2025, 5, 23, 10)).written["deadline"] == 3
    # send now: a self-check on an ordinary day, once however often it is asked for
    assert "新写入 2 条" in admin.send("立即发送 季度自查")
    assert "新写入 0 条" in admin.send("立即发送 季度自查")
    assert "没有「星期通知」这种通知" in admin.send("暂停通知 星期通知")
    chat("admin").inbox()
    log = admin.send("通知记录")
    assert "季度自查 → 李明：已发送" in log and "申报截止提醒 → 群「全体工会」：已发送" in log
    assert "仅限" in chat("leader").send("通知预览")
    assert "通知记录" not in chat("leader").send("帮助")


def test_tick_uses_the_workers_bot_and_the_job_has_a_fixed_id(bot, monkeypatch):
    from bot import scheduler
    setup_cycle(bot)
    at(2025, 5, 30)
    notices.tick(bot)
    assert len(rows(bot, notice="deadline")) == 3
    for _ in range(2):                           # a restart registers the same job again, not a second one
        sched = scheduler.build(bot)
        sched.start(paused=True)
        jobs = sched.get_jobs()
        sched.shutdown(wait=False)
    jobs = {j.id: j for j in jobs}
    assert sorted(jobs) == ["notices.tick", "records.rejudge"]    # the tick, and stored records judged again once
    tick = jobs["notices.tick"]
    assert tick.func is notices.tick and tick.args == (bot,)     # the worker's bot is passed in
    assert "hour='9-23'" in str(tick.trigger) and "minute='0'" in str(tick.trigger)
    assert "date[" in str(jobs["records.rejudge"].trigger) and jobs["records.rejudge"].args == (bot,)


def test_cli_run_delivers_and_dry_run_writes_nothing(bot, tmp_path):
    from bot.cli import cli
    setup_cycle(bot)
    env = {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test", "BOT_FILES_DIR": str(tmp_path / "f")}
    runner = CliRunner()
    dry = runner.invoke(cli, ["notices", "run", "--now", "2025-05-23T09:00", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "（预览，未发送）" in dry.output and "申报截止提醒：3 条，其中未发送过 3 条" in dry.output
    assert rows(bot) == []
    result = runner.invoke(cli, ["notices", "run", "--now", "2025-05-23T09:00"], env=env)
    assert result.exit_code == 0, result.output
    assert "申报截止提醒：3 条，新写入发件箱 3 条" in result.output
    written = rows(bot)
    assert f"投递：已发送 {len(written)} 条，失败 0 条，稍后重试 0 条。" in result.output
    assert {r.status for r in written} == {"sent"}
    assert_delivered_once(bot)
    assert len(bot.channels["web"].take_inbox(GROUP)) == 1
    again = runner.invoke(cli, ["notices", "run", "--now", "2025-05-23T15:00"], env=env)
    assert "申报截止提醒：3 条，新写入发件箱 0 条" in again.output and len(rows(bot)) == len(written)
    off = runner.invoke(cli, ["notices", "run", "--now", "2025-05-24T09:00"], env=env)
    assert "今天不是工作日，没有通知。" in off.output
