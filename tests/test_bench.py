"""The bench's own parts that its figures rest on: the minimal bot's inbound path, the statement
kinds, and the PostgreSQL wire proxy's counts (against the real server)."""
import secrets
import sqlite3
import time

import psycopg
import pytest

from bench import minimal_bot
from bench.pgwire import CountingProxy
from bench.statements import kind
from bot.crypto import Envelope

WECOM = {"WECOM_CORP_ID": "wwbenchcorp", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "bench-secret",
         "WECOM_TOKEN": "benchtoken", "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}


def sealed(msg_id, user="bench1", content="工作室名称：压测", corp=WECOM["WECOM_CORP_ID"]):
    """A callback as WeCom sends it, sealed by the assistant's envelope: (query string, body)."""
    envelope = Envelope(WECOM["WECOM_TOKEN"], WECOM["WECOM_AES_KEY"], corp)
    ts, nonce = str(int(time.time())), secrets.token_hex(4)
    inner = (f"<xml><ToUserName><![CDATA[{corp}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
             f"<CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
             f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>")
    encrypted, signature = envelope.seal(inner, ts, nonce)
    return (f"msg_signature={signature}&timestamp={ts}&nonce={nonce}",
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode())


def plain(url):
    return "postgresql://" + url.split("://", 1)[1]


@pytest.fixture
def minimal_url(engine, tmp_path, request):
    if engine == "sqlite":
        return f"sqlite:///{tmp_path}/minimal.db"
    url = plain(request.getfixturevalue("postgres_url"))
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS minimal_inbox, minimal_outbox")
    return url


def rows(url, table):
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            return db.execute(f"SELECT * FROM {table}").fetchall()
    with psycopg.connect(url) as db:
        return db.execute(f"SELECT * FROM {table}").fetchall()


def test_the_minimal_bot_stores_each_message_once_with_its_reply(minimal_url, monkeypatch):
    for key, value in dict(WECOM, DATABASE_URL=minimal_url).items():
        monkeypatch.setenv(key, value)
    minimal_bot.Store(minimal_url).create()
    client = minimal_bot.create_app().test_client()
    query, body = sealed("m-1")
    assert client.post(f"/wecom/callback?{query}", data=body).status_code == 200
    assert client.post(f"/wecom/callback?{query}", data=body).status_code == 200       # WeCom's retry
    other_query, other_body = sealed("m-2", corp="wwsomeoneelse")
    assert client.post(f"/wecom/callback?{other_query}", data=other_body).status_code == 403
    forged = query.replace("msg_signature=", "msg_signature=0")
    assert client.post(f"/wecom/callback?{forged}", data=body).status_code == 403
    assert client.post(f"/wecom/callback?{query}", data=b"not xml").status_code == 400
    inbox, outbox = rows(minimal_url, "minimal_inbox"), rows(minimal_url, "minimal_outbox")
    assert [(r[0], r[1], r[2]) for r in inbox] == [("m-1", "bench1", "工作室名称：压测")]
    assert [(r[1], r[2], r[5]) for r in outbox] == [("bench1", "✓ 已收到：工作室名称：压测", None)]


def test_statement_kinds():
    assert kind("SELECT conversations.id FROM conversations WHERE id = $1 FOR UPDATE") == \
        "SELECT conversations FOR UPDATE"
    assert kind('INSERT INTO "outbox" (channel) VALUES (%s) RETURNING id') == "INSERT outbox"
    assert kind("UPDATE minimal_outbox SET claimed_until = $1 WHERE id IN (SELECT id FROM minimal_outbox "
                "WHERE sent_at IS NULL LIMIT 100 FOR UPDATE SKIP LOCKED)") == \
        "UPDATE minimal_outbox FOR UPDATE SKIP LOCKED"
    assert kind("  begin immediate") == "BEGIN"
    assert kind("DELETE FROM cache WHERE key = ?") == "DELETE cache"


def test_the_wire_proxy_counts_statements_and_round_trips(postgres_url):
    url = plain(postgres_url)
    proxy = CountingProxy(psycopg.conninfo.conninfo_to_dict(url).get("port") or 5432).start()
    try:
        through = url.replace(f":{psycopg.conninfo.conninfo_to_dict(url).get('port') or 5432}/",
                              f":{proxy.port}/")
        with psycopg.connect(through) as db:        # sslmode=prefer: the proxy refuses SSL for the server
            before = proxy.snapshot()
            db.execute("CREATE TEMPORARY TABLE counted (n integer)")
            for n in range(7):      # past psycopg's prepare threshold: Bind + Execute of a named statement
                db.execute("INSERT INTO counted VALUES (%s)", (n,))
            assert db.execute("SELECT count(*) FROM counted").fetchone()[0] == 7
            db.commit()
            after = proxy.snapshot()
    finally:
        proxy.stop()
    counted = after["statements"] - before["statements"]
    assert counted == {"BEGIN": 1, "CREATE": 1, "INSERT counted": 7, "SELECT counted": 1, "COMMIT": 1}
    assert after["round_trips"] - before["round_trips"] >= 11       # one each, a prepare may add one
    assert after["round_trips"] - before["round_trips"] <= 12
