"""A group robot alone is enough for broadcasts; what cannot go out for configuration is told to the admins."""
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import cli
from bot.delivery import Delivery
from bot.message import Outgoing
from storage.outbox import enqueue
from storage.models import OutboxMessage
from tests.fakes.dingtalk import FakeDingTalk
from tests.fakes.wecom import FakeWeCom


@pytest.fixture
def wecom_fake():
    with FakeWeCom() as server:
        yield server


def rows(bot):
    with bot.db.session() as session:
        return session.execute(select(OutboxMessage.recipient, OutboxMessage.status, OutboxMessage.last_error)
                               .order_by(OutboxMessage.id)).all()


def admin_inbox(bot):
    return [m["text"] for m in bot.channels["web"].take_inbox("admin")]


def test_a_wecom_group_robot_without_the_app_gets_the_notice(bot, wecom_fake, tmp_path):
    assert "wecom" not in bot.channels
    webhook = wecom_fake.add_robot("k1")
    env = {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test", "BOT_FILES_DIR": str(tmp_path)}
    added = CliRunner().invoke(cli, ["groups", "add", "--name", "工会群", "--wecom-webhook", webhook], env=env)
    assert added.exit_code == 0, added.output
    with bot.db.transaction() as session:
        enqueue(session, "wecom", "group:工会群", Outgoing(text="申报截止还有 7 天"))
    assert Delivery(bot).drain() == 1
    assert wecom_fake.robot_messages("k1") == [{"msgtype": "text", "text": {"content": "申报截止还有 7 天"}}]
    assert rows(bot) == [("group:工会群", "sent", "")]
    assert admin_inbox(bot) == []


def test_a_person_on_an_unconfigured_app_fails_once_and_the_admin_is_told(bot):
    with bot.db.transaction() as session:
        enqueue(session, "wecom", "wanghai", Outgoing(text="个人通知"))
        enqueue(session, "wecom", "sunli", Outgoing(text="个人通知"))
    Delivery(bot).drain()
    assert [(r.recipient, r.status) for r in rows(bot)][:2] == [("wanghai", "failed"), ("sunli", "failed")]
    assert "未配置企业微信自建应用" in rows(bot)[0].last_error
    Delivery(bot).drain()                   # the alert itself goes out (web), once
    [alert] = admin_inbox(bot)
    assert alert.startswith("⚠️ 有 1 条消息因配置问题无法通过渠道 wecom 发送：未配置企业微信自建应用")
    with bot.db.transaction() as session:
        enqueue(session, "wecom", "wanghai", Outgoing(text="又一条"))
    Delivery(bot).drain()
    Delivery(bot).drain()
    assert admin_inbox(bot) == []           # one alert per reason and hour


def test_a_dingtalk_custom_robot_without_the_app_gets_the_notice(bot):
    with FakeDingTalk() as fake:
        webhook = fake.add_robot("rt", "SECabc123")
        bot.config.dingtalk_oapi_base = fake.base_url
        from storage import people
        with bot.db.transaction() as session:
            people.save_group(session, "钉钉群", "dingtalk", webhook, "SECabc123")
            enqueue(session, "dingtalk", "group:钉钉群", Outgoing(text="群通知"))
        assert Delivery(bot).drain() == 1
        assert fake.robot_messages("rt") == [{"msgtype": "text", "text": {"content": "群通知"}}]
