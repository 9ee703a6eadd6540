"""`notices run --now` decides for that moment; sending, signing, sent_at and tokens keep real time."""
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from sqlalchemy import select

from tests.support.clock import clock
from bot.cli import cli
from bot.message import Outgoing
from storage.outbox import enqueue
from storage.models import CacheEntry, OutboxMessage
from bot.delivery import Delivery
from tests.support.dingtalk import USER, add_group, advance, dbot, fake  # noqa: F401 (fixtures)


def wall():
    """Real time as stored (naive UTC), read without the bot's clock."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def env_of(bot, fake, tmp_path):
    return {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test", "BOT_FILES_DIR": str(tmp_path / "f"),
            "DINGTALK_APP_KEY": fake.app_key, "DINGTALK_APP_SECRET": fake.app_secret,
            "DINGTALK_ROBOT_CODE": fake.app_key, "DINGTALK_API_BASE": fake.base_url,
            "DINGTALK_OAPI_BASE": fake.base_url}


def test_a_frozen_decision_moment_leaves_delivery_on_the_real_clock(dbot, fake, tmp_path):
    add_group(dbot, fake)
    with dbot.db.transaction() as session:
        enqueue(session, "dingtalk", "group:工会群", Outgoing(text="群通知"))
        enqueue(session, "dingtalk", USER, Outgoing(text="个人通知"))
    before = wall()
    result = CliRunner().invoke(cli, ["notices", "run", "--now", "2025-05-24T09:00"],
                                env=env_of(dbot, fake, tmp_path))
    assert result.exit_code == 0, result.output
    assert "今天不是工作日" in result.output
    # the robot's signature was made with the real timestamp: the platform took it
    assert fake.robot_messages("rtok") == [{"msgtype": "text", "text": {"content": "群通知"}}]
    assert fake.texts_to(USER) == ["个人通知"]
    after = wall()
    with dbot.db.session() as session:
        rows = session.execute(select(OutboxMessage.status, OutboxMessage.sent_at)).all()
        assert [status for status, _ in rows] == ["sent", "sent"]
        assert all(before <= sent_at <= after for _, sent_at in rows)
        token = session.scalar(select(CacheEntry).where(CacheEntry.key.like("token:dingtalk:%")))
        assert before + timedelta(hours=2) <= token.expires_at <= after + timedelta(hours=2)
    assert clock.now() - datetime.now(clock.TZ) < timedelta(minutes=1)     # --now released


def test_messages_sent_under_a_future_moment_do_not_hold_back_later_ones(dbot, fake):
    add_group(dbot, fake)
    clock.set_now(datetime(2030, 1, 7, 9, 0))
    with dbot.db.transaction() as session:
        for n in range(20):                      # the robot's whole minute
            enqueue(session, "dingtalk", "group:工会群", Outgoing(text=f"通知 {n}"))
    assert Delivery(dbot).drain() == 20
    clock.set_now(None)
    with dbot.db.session() as session:
        assert max(session.scalars(select(OutboxMessage.sent_at))) <= wall()
    advance(fake, 61)                            # a minute later the robot takes messages again
    with dbot.db.transaction() as session:
        enqueue(session, "dingtalk", "group:工会群", Outgoing(text="之后的通知"))
    assert Delivery(dbot).drain() == 1
    assert fake.robot_messages("rtok")[-1] == {"msgtype": "text", "text": {"content": "之后的通知"}}
