"""Broadcast benchmark: one notice to 10,000 WeCom users through the fake API (1000 per message/send)."""
import time

from bot.config import Config
from bot.core import Bot
from bot.delivery import Delivery
from bot.message import Outgoing
from storage.outbox import enqueue

RECIPIENTS = 10_000
PER_CALL = 1000        # the most user ids one message/send takes


def bot_for(fake, work, name):
    """A migrated Bot on its own SQLite file whose WeCom app is the fake ``fake``."""
    config = Config.from_env(environ={}, database_url=f"sqlite:///{work}/{name}.db",
                             files_dir=f"{work}/files", wecom_corp_id=fake.corp_id,
                             wecom_agent_id=str(fake.agent_id), wecom_secret=fake.secret,
                             wecom_token="benchtoken", wecom_aes_key="jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
                             wecom_api_base=fake.base_url, log_level="WARNING")
    bot = Bot(config)
    bot.migrate()
    return bot


def run(work, recipients=RECIPIENTS):
    from tests.fakes.wecom import FakeWeCom
    users = [f"user{i:05d}" for i in range(recipients)]
    with FakeWeCom(users=set(users)) as fake:
        bot = bot_for(fake, work, "broadcast")
        message = Outgoing(text="【申报提醒】2025 年劳模（工匠人才）创新工作室申报将于 5月31日 截止，还有 7 天。")
        with bot.db.transaction() as s:
            for user in users:
                enqueue(s, "wecom", user, message, dedupe_key=f"deadline:2025:7:{user}",
                        batch_key="deadline:2025:7", notice="deadline")
        channel = bot.channels["wecom"]
        push, api_seconds = channel.push, [0.0]

        def timed_push(*args, **kwargs):
            started = time.perf_counter()
            try:
                return push(*args, **kwargs)
            finally:
                api_seconds[0] += time.perf_counter() - started
        channel.push = timed_push
        started = time.perf_counter()
        Delivery(bot).drain_all(timeout=300)
        seconds = time.perf_counter() - started
        calls = [r for r in fake.records if r["path"].endswith("/message/send")]
        delivered = {user for user, _ in fake.delivered}
        bot.db.dispose()
    return {"recipients": recipients, "api_calls": len(calls), "min_calls": -(-recipients // PER_CALL),
            "delivered": len(delivered), "dropped": len(fake.dropped), "seconds": seconds,
            "api_seconds": api_seconds[0]}


if __name__ == "__main__":
    import tempfile
    print(run(tempfile.mkdtemp()))
