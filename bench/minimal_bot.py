"""The minimal durable WeCom bot: the baseline the assistant's CPU and latency are measured against.

The least a bot that loses nothing must do per message, written plainly and independently of the
assistant: verify the callback's SHA1 signature, decrypt the AES-256-CBC envelope (`cryptography`),
parse the XML (defusedxml), store the inbox row (its MsgId unique, a repeat is acknowledged and
dropped) and the reply's outbox row in one transaction, answer 200. ``python -m bench.minimal_bot
worker`` claims due outbox rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), sends each through
WeCom's message/send and marks them sent. SQLite (WAL, synchronous=NORMAL) or PostgreSQL (psycopg
3), by DATABASE_URL; the same WECOM_* settings as the assistant. Served by the Procfile's gunicorn
command line: ``gunicorn -c gunicorn.conf.py "bench.minimal_bot:create_app()"``.
"""
import base64
import hashlib
import hmac
import os
import sqlite3
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import psycopg
import requests
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml import ElementTree
from flask import Flask, request

POLL_SECONDS = 0.25         # the assistant's BOT_DELIVERY_INTERVAL
CLAIM = timedelta(seconds=30)
SCHEMA = ("CREATE TABLE IF NOT EXISTS minimal_inbox (msg_id TEXT PRIMARY KEY, sender TEXT, content TEXT, received_at {ts})",
          "CREATE TABLE IF NOT EXISTS minimal_outbox (id {pk}, recipient TEXT, text TEXT, created_at {ts}, "
          "claimed_until {ts}, sent_at {ts})",
          "CREATE INDEX IF NOT EXISTS minimal_outbox_due ON minimal_outbox (id) WHERE sent_at IS NULL")


def now():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Store:
    """One connection per thread; ``run(statements)`` runs them in one transaction."""

    def __init__(self, url):
        self.sqlite = url.startswith("sqlite:///")
        self.url = url.removeprefix("sqlite:///") if self.sqlite else url
        self.local = threading.local()

    def connection(self):
        if not hasattr(self.local, "db"):
            if self.sqlite:
                db = sqlite3.connect(self.url, isolation_level=None, check_same_thread=False)
                for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000"):
                    db.execute(f"PRAGMA {pragma}")
            else:
                db = psycopg.connect(self.url, autocommit=True)
            self.local.db = db
        return self.local.db

    def transaction(self, work):
        """``work(execute)`` in one transaction; ``execute(sql, args)`` returns the cursor."""
        db = self.connection()
        db.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")
        try:
            result = work(lambda sql, args=(): db.execute(*self.plain(sql, args)))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    def plain(self, sql, args):
        """SQLite's placeholders, and its timestamps as text (as SQLAlchemy stores them)."""
        if not self.sqlite:
            return sql, args
        return sql.replace("%s", "?"), [a.isoformat(" ", timespec="microseconds") if isinstance(a, datetime) else a
                                        for a in args]

    def create(self):
        types = ({"ts": "TEXT", "pk": "INTEGER PRIMARY KEY"} if self.sqlite
                 else {"ts": "TIMESTAMP", "pk": "BIGSERIAL PRIMARY KEY"})
        for statement in SCHEMA:
            self.connection().execute(statement.format(**types))


def open_envelope(args, body, token, aes_key, corp_id):
    """The decrypted inner XML of a callback, or None when its signature or sender is not ours."""
    encrypted = ElementTree.fromstring(body).findtext("Encrypt") or ""
    parts = sorted([token, args.get("timestamp", ""), args.get("nonce", ""), encrypted])
    expected = hashlib.sha1("".join(parts).encode()).hexdigest()
    if not hmac.compare_digest(expected, args.get("msg_signature", "")):
        return None
    key = base64.b64decode(aes_key + "=")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[:-plain[-1]]                                   # PKCS#7 over 32-byte blocks
    length = int.from_bytes(plain[16:20], "big")
    if plain[20 + length:] != corp_id.encode():
        return None
    return plain[20:20 + length]


def create_app():
    env = os.environ
    store = Store(env["DATABASE_URL"])
    app = Flask("minimal_bot")

    @app.post("/wecom/callback")
    def callback():
        try:
            inner = open_envelope(request.args, request.get_data(), env["WECOM_TOKEN"], env["WECOM_AES_KEY"],
                                  env["WECOM_CORP_ID"])
            message = inner and ElementTree.fromstring(inner)
        except (ValueError, ElementTree.ParseError):     # not base64, not XML, bad padding
            return "", 400
        if message is None:
            return "", 403
        sender, content = message.findtext("FromUserName"), message.findtext("Content") or ""

        def store_both(execute):
            stamp = now()
            new = execute("INSERT INTO minimal_inbox VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                          (message.findtext("MsgId"), sender, content, stamp)).rowcount
            if new:
                execute("INSERT INTO minimal_outbox (recipient, text, created_at, claimed_until) VALUES (%s, %s, %s, %s)",
                        (sender, f"✓ 已收到：{content}", stamp, stamp))
        store.transaction(store_both)
        return "", 200

    @app.get("/healthz")
    def health():
        return "ok"
    return app


def work(env=os.environ):
    """The worker: claim what is due, send it, mark it sent; poll again at once while there was some."""
    store, api, http = Store(env["DATABASE_URL"]), env["WECOM_API_BASE"].rstrip("/") + "/cgi-bin", requests.Session()
    skip_locked = "" if store.sqlite else " FOR UPDATE SKIP LOCKED"
    claim = ("UPDATE minimal_outbox SET claimed_until = %s WHERE id IN (SELECT id FROM minimal_outbox WHERE sent_at IS NULL "
             f"AND claimed_until <= %s ORDER BY id LIMIT 100{skip_locked}) RETURNING id, recipient, text")
    token = None
    while True:
        rows = store.transaction(lambda execute: execute(claim, (now() + CLAIM, now())).fetchall())
        sent = []
        for row_id, recipient, text in rows:
            for _ in range(2):          # once more with a new token when it expired
                token = token or http.get(f"{api}/gettoken", params={"corpid": env["WECOM_CORP_ID"],
                                          "corpsecret": env["WECOM_SECRET"]}, timeout=10).json()["access_token"]
                answer = http.post(f"{api}/message/send", params={"access_token": token}, timeout=10, json={
                    "touser": recipient, "msgtype": "text", "agentid": int(env["WECOM_AGENT_ID"]),
                    "text": {"content": text}}).json()
                if answer.get("errcode") not in (40014, 42001):
                    break
                token = None
            if answer.get("errcode") == 0:
                sent.append(row_id)
        if sent:
            marks = ", ".join(["%s"] * len(sent))
            store.transaction(lambda execute: execute(f"UPDATE minimal_outbox SET sent_at = %s WHERE id IN ({marks})",
                                                      (now(), *sent)))
        if not rows:
            time.sleep(POLL_SECONDS)


if __name__ == "__main__":
    if sys.argv[1:] == ["create"]:
        Store(os.environ["DATABASE_URL"]).create()
    elif sys.argv[1:] == ["worker"]:
        work()
    else:
        sys.exit("usage: python -m bench.minimal_bot create|worker")
