"""Preparing a bench run: the assistant's database with its leaders, the callbacks wrk replays, scratch PostgreSQL databases.

Every leader is bound on WeCom and already inside the application form, so each callback is a
form answer (``标签：值``) that the assistant stores and confirms; the export users have a whole
application each (bench/exports.py). The callbacks are encrypted and signed once, before any run.
"""
import secrets
import time

import psycopg

from bench import exports
from bench.exports import scalars_for
from bot import demo
from bot.config import Config
from bot.core import Bot
from bot.crypto import Envelope
from bot.delivery import Delivery
from bot.message import Incoming
from bot.tasks import TaskRunner
from handlers.notices import rejudge
from handlers.application.current import application_year
from storage.clock import Clock
from storage.people import bind, get_studio, get_unit, upsert_person

UNIT = "压测单位"


def decision_day(env):
    """The day the assistant decides for (BOT_DEV_TODAY when set, else today)."""
    config = Config.from_env(environ=env)
    moment = config.dev_moment
    return moment.date() if moment else Clock(config.timezone).today()


def form_year(env):
    return application_year(Config.from_env(environ=env), decision_day(env))


def prepare_database(env, users, export_users):
    """Migrate, load the demo, create ``users`` leaders bound on WeCom (``bench<i>``), each already
    inside the form, and ``export_users`` leaders on the try-out channel with a whole application.
    Returns the export users' {user: application id}."""
    bot = Bot(Config.from_env(environ=env))
    bot.migrate()
    with bot.db.transaction() as s:
        demo.load(s)
        unit = get_unit(s, UNIT)
        for i in range(users):
            person = upsert_person(s, f"压测领衔人{i}", unit, ["leader"])
            person.studio_id = get_studio(s, f"压测工作室{i}", unit, person).id
            bind(s, person, "wecom", f"bench{i}")
    for i in range(users):
        bot.handle(Incoming(channel="wecom", user=f"bench{i}", text="申报", message_id=f"warm-{i}"))
    apps = exports.prepare(bot, export_users, UNIT, form_year(env), decision_day(env))
    rejudge.job(bot)        # the worker's one-time job at its first start, done here: no run pays for it
    drain(bot)
    bot.db.dispose()
    return apps


def drain(bot):
    """Deliver what the preparation queued (the leaders' first replies, the prompts of the seeded
    reviews) before any timed run: else the first run's worker sends a backlog its answers did not make."""
    TaskRunner(bot).run_all(rounds=10_000)
    Delivery(bot).drain_all(timeout=300)


def write_requests(path, env, count, users):
    """``count`` pre-encrypted callbacks: the n-th from leader n mod ``users``, answering the form's
    fields by label in turn, each with a MsgId of its own."""
    scalars = scalars_for(form_year(env), decision_day(env))
    envelope = Envelope(env["WECOM_TOKEN"], env["WECOM_AES_KEY"], env["WECOM_CORP_ID"])
    ts = str(int(time.time()))
    with open(path, "w") as out:
        for n in range(count):
            user = f"bench{n % users}"
            label, typed, _ = scalars[(n // users) % len(scalars)]
            inner = (f"<xml><ToUserName><![CDATA[{env['WECOM_CORP_ID']}]]></ToUserName>"
                     f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{ts}</CreateTime>"
                     f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{label}：{typed}]]></Content>"
                     f"<MsgId>bench-{n}-{secrets.token_hex(4)}</MsgId><AgentID>1000002</AgentID></xml>")
            nonce = secrets.token_hex(5)
            encrypted, signature = envelope.seal(inner, ts, nonce)
            body = (f"<xml><ToUserName><![CDATA[{env['WECOM_CORP_ID']}]]></ToUserName>"
                    f"<AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
            out.write(f"/wecom/callback?msg_signature={signature}&timestamp={ts}&nonce={nonce}\t{body}\n")


def local_postgres(url="postgresql://postgres@127.0.0.1:5432/test"):
    """The machine's PostgreSQL, when one answers on the default port."""
    try:
        psycopg.connect(url, connect_timeout=2).close()
        return url
    except psycopg.Error:   # no server: the PostgreSQL half is skipped, and said so
        print("PostgreSQL not reachable on 127.0.0.1:5432; skipping the PostgreSQL run")
        return None


def postgres_database(base_url):
    """A scratch database on the server of ``base_url``: (its plain postgresql:// URL, its name)."""
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    plain = "postgresql://" + base_url.split("://", 1)[1]
    return plain.rsplit("/", 1)[0] + "/" + name, name


def drop_postgres(base_url, name):
    with psycopg.connect(base_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
