"""A long messenger outage loses nothing: rows are retried for BOT_DELIVERY_RETRY_HOURS, the outage is
logged, shown by /healthz and told to the admins, a late countdown is marked or dropped, and failed
rows (notices included) can be sent again from the command line. The wall clock is moved, not waited."""
import logging
from collections import Counter
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.delivery import Delivery, backoff
from bot.errors import ChannelError
from bot.message import Button, Outgoing
from handlers.notices import run as notices
from handlers.notices.notice import timely
from tests.support.clock import clock
from storage.models import AuditEntry, OutboxMessage, Person, PersonRole
from storage.people import bind
from tests.support.cycle import at, setup_cycle
from tests.support.wecom import USER, advance, app, fake, make_wecom_bot, push, wbot, wx  # noqa: F401

OTHER = "sunli"


def outbox(bot):
    with bot.db.session() as session:
        return session.execute(select(OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.status,
                                      OutboxMessage.dedupe_key, OutboxMessage.last_error)
                               .order_by(OutboxMessage.id)).all()


def wecom_rows(bot):
    return [row for row in outbox(bot) if row.channel == "wecom"]


def admin_says(bot):
    return [m["text"] for m in bot.channels["web"].take_inbox("admin")]


def run_for(bot, fake, minutes, step=30):
    """The worker's rounds while ``minutes`` pass on the wall clock (moved, in ``step`` seconds)."""
    delivery = Delivery(bot)
    for _ in range(int(minutes * 60 / step)):
        delivery.drain()
        advance(fake, step)
    delivery.drain()


def queue_replies_and_notices(bot):
    for n in range(10):
        push(bot, USER, Outgoing(text=f"回复{n}"))
    for n in range(5):
        push(bot, USER if n % 2 else OTHER, Outgoing(text=f"通知{n}", buttons=[Button("查看", "审批")]),
             dedupe_key=f"deadline:2025:{n}|wecom", notice="deadline")


def test_a_30_minute_outage_then_recovery_delivers_every_row_once(wx, fake, caplog):
    bot = wx.bot
    client = wx.client
    queue_replies_and_notices(bot)
    fake.down(True)
    with caplog.at_level(logging.WARNING, logger="bot"):
        run_for(bot, fake, 4)
        assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}    # not yet an outage
        assert admin_says(bot) == []
        run_for(bot, fake, 26)
    rows = wecom_rows(bot)
    assert len(rows) == 15 and {r.status for r in rows} == {"pending"}        # kept, none given up
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded" and health["channels"]["wecom"]["status"] == "unavailable"
    assert health["channels"]["wecom"]["minutes"] >= 29
    [told] = admin_says(bot)                    # through the admin's other messenger, while WeCom is down
    assert told.startswith("⚠️ 企业微信接口自 ") and "待发的消息都已保留" in told
    assert "outage: wecom has been unavailable" in caplog.text

    fake.down(False)
    run_for(bot, fake, 6)
    rows = wecom_rows(bot)
    assert {r.status for r in rows} == {"sent"}
    texts = Counter(text for user in (USER, OTHER) for text in fake.texts_for(user))
    delivered = "\n".join(texts)
    assert all(delivered.count(f"回复{n}") == 1 for n in range(10))
    assert all(delivered.count(f"通知{n}") == 1 for n in range(5))
    [back] = admin_says(bot)
    assert back.startswith("✅ 企业微信接口已恢复") and "积压的消息正在补发" in back
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}


def test_an_admin_only_on_the_failing_messenger_hears_once_it_is_back(make_wecom_bot, fake):
    bot = make_wecom_bot(try_enabled=False)     # production-like: no try-out page to tell the admin on
    with bot.db.transaction() as session:
        admin = session.scalar(select(Person).join(PersonRole).where(PersonRole.role == "admin"))
        bind(session, admin, "wecom", OTHER)
    push(bot, USER, Outgoing(text="回复"))
    fake.down(True)
    run_for(bot, fake, 10)
    assert fake.texts_for(OTHER) == []
    fake.down(False)
    run_for(bot, fake, 6)
    said = fake.texts_for(OTHER)
    assert len(said) == 2 and said[0].startswith("⚠️ 企业微信接口自 ") and said[1].startswith("✅ 企业微信接口已恢复")


def test_a_short_failure_is_not_an_outage(wx, fake):
    push(wx.bot, USER, Outgoing(text="回复"))
    fake.down(True)
    run_for(wx.bot, fake, 2)
    fake.down(False)
    run_for(wx.bot, fake, 4)
    assert [r.status for r in wecom_rows(wx.bot)] == ["sent"]
    assert admin_says(wx.bot) == []


def test_rows_are_given_up_only_after_the_retry_horizon(make_wecom_bot, fake):
    bot = make_wecom_bot(delivery_retry_hours=1)
    push(bot, USER, Outgoing(text="回复"))
    fake.down(True)
    run_for(bot, fake, 58, step=60)
    assert [r.status for r in wecom_rows(bot)] == ["pending"]
    run_for(bot, fake, 10, step=60)
    [row] = wecom_rows(bot)
    assert row.status == "failed" and row.last_error.startswith("http503")


def test_a_permanent_error_fails_the_row_at_once(wx, fake):
    push(wx.bot, USER, Outgoing(text="回复"))
    fake.fail_next("message/send", {"errcode": 40008, "errmsg": "invalid message type"})
    Delivery(wx.bot).drain()
    [row] = wecom_rows(wx.bot)
    assert row.status == "failed" and row.last_error.startswith("40008")


def test_backoff_is_capped_at_five_minutes():
    assert max(backoff(n) for n in range(1, 200)) <= 300 * 1.2
    assert backoff(1) < 3


def test_failed_rows_and_a_failed_notice_are_sent_again_from_the_command_line(make_wecom_bot, fake):
    bot = make_wecom_bot(delivery_retry_hours=1)
    queue_replies_and_notices(bot)
    fake.down(True)
    run_for(bot, fake, 70, step=120)
    assert {r.status for r in wecom_rows(bot)} == {"failed"}
    env = {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test", "BOT_FILES_DIR": bot.config.files_dir}
    listed = CliRunner().invoke(cli, ["outbox", "failed"], env=env)
    assert listed.exit_code == 0 and listed.output.count("http503") == 15
    refused = CliRunner().invoke(cli, ["outbox", "resend"], env=env)
    assert refused.exit_code == 1 and "--all" in refused.output
    fake.down(False)
    resent = CliRunner().invoke(cli, ["outbox", "resend", "--all"], env=env)
    assert resent.exit_code == 0 and "已将 15 条失败的消息重新排队" in resent.output
    with bot.db.session() as s:                     # the console's 重发 and the CLI's: one service, audited
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "outbox.resend")).one()
        assert (row.channel, row.after) == ("cli", {"count": 15})
    run_for(bot, fake, 2)
    assert {r.status for r in wecom_rows(bot)} == {"sent"}
    delivered = "\n".join(fake.texts_for(USER) + fake.texts_for(OTHER))
    assert all(delivered.count(f"通知{n}") == 1 for n in range(5))
    assert all(delivered.count(f"回复{n}") == 1 for n in range(10))


def test_a_resent_notice_that_wecom_had_taken_is_shown_once(wx, fake):
    push(wx.bot, USER, Outgoing(text="通知", buttons=[Button("查看", "审批")]), dedupe_key="deadline:x|wecom",
         notice="deadline")
    fake.fail_next("message/send", "lost_reply")       # WeCom took it; the answer never came back
    Delivery(wx.bot).drain()
    with wx.bot.db.transaction() as session:            # given up meanwhile (e.g. an operator's mistake)
        session.execute(OutboxMessage.__table__.update().values(status="failed"))
    env = {"DATABASE_URL": wx.bot.config.database_url, "BOT_ENV": "test"}
    assert CliRunner().invoke(cli, ["outbox", "resend", "--all"], env=env).exit_code == 0
    advance(fake, 600)
    Delivery(wx.bot).drain()
    assert [r.status for r in wecom_rows(wx.bot)] == ["sent"]
    assert len(fake.requests_to("message/send")) == 2
    assert [m["msgtype"] for m in fake.messages_for(USER)] == ["template_card"]       # shown once


# -- time-bound notices ------------------------------------------------------------------------------

def failing_web(bot, monkeypatch, state):
    web = bot.channels["web"]
    real_push = web.push

    def push_(recipients, payload, **kw):
        if state["down"]:
            raise ChannelError("http503", "消息服务不可用", retry=True)
        return real_push(recipients, payload, **kw)
    monkeypatch.setattr(web, "push", push_)


def deadline_texts(bot, user):
    return [m["text"] for m in bot.channels["web"].take_inbox(user)]


def test_a_countdown_that_comes_back_the_next_day_is_marked_late(bot, monkeypatch):
    setup_cycle(bot)
    state = {"down": True}
    failing_web(bot, monkeypatch, state)
    notices.run(bot, at(2025, 5, 23))       # a countdown day: 8 days before the deadline (31 May)
    delivery = Delivery(bot)
    delivery.drain()
    clock.advance(timedelta(hours=20))      # the day is over while the messenger was down
    state["down"] = False
    delivery.drain()
    delivery.drain()                        # and what the admins are told of the outage
    texts = deadline_texts(bot, "leader") + deadline_texts(bot, "union")
    countdowns = [t for t in texts if "还有 8 天" in t]
    assert len(countdowns) == 2 and all(t.startswith("【延迟送达：本通知原定5月23日发出") for t in countdowns)
    assert [t for t in texts if t not in countdowns] == ["【催办】周强焊接创新工作室 2025 年申报在第 1 步 所在单位工会已等待 3 个工作日，请尽快处理。"]
    assert {r.status for r in select_rows(bot)} == {"sent"}


def test_a_countdown_that_comes_back_after_the_deadline_is_not_sent(bot, monkeypatch):
    setup_cycle(bot)
    state = {"down": True}
    failing_web(bot, monkeypatch, state)
    notices.run(bot, at(2025, 5, 23))
    delivery = Delivery(bot)
    delivery.drain()
    clock.advance(timedelta(days=9))        # past the deadline
    state["down"] = False
    delivery.drain()
    rows = [r for r in select_rows(bot) if r.notice == "deadline"]
    assert rows and {r.status for r in rows} == {"expired"}
    assert all("已过时效" in r.last_error for r in rows)
    assert deadline_texts(bot, "leader") == []
    from tests.chat import Chat
    assert "已过时效未发送" in Chat(bot, "admin").send("通知记录")


def test_a_countdown_in_time_is_sent_unmarked(bot):
    setup_cycle(bot)
    notices.run(bot, at(2025, 5, 23))
    Delivery(bot).drain()
    texts = deadline_texts(bot, "leader")
    assert texts and not any("延迟送达" in t for t in texts)


def test_timely_moments_follow_the_real_clock_from_the_decided_moment():
    decided = datetime(2025, 5, 23, 9, 0, tzinfo=clock.TZ)
    real = clock.real_utcnow()
    bound = timely(decided, real, datetime(2025, 5, 24, tzinfo=clock.TZ), datetime(2025, 5, 31, tzinfo=clock.TZ))
    late = datetime.fromisoformat(bound["late_at"]) - real
    assert timedelta(hours=14, minutes=59) < late <= timedelta(hours=15)
    assert bound["planned"] == "5月23日"


def select_rows(bot):
    with bot.db.session() as session:
        return session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.mark.parametrize("code, unavailable", [("timeout", True), ("network", True), ("http503", True),
                                               (-1, True), ("http404", False), (45009, False)])
def test_what_counts_towards_an_outage(code, unavailable):
    assert ChannelError(code, "x", retry=code != "http404").unavailable is unavailable
