"""The one audit trail: append-only on both engines, readable per object, purged only by its command."""
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from bot.cli import cli
from storage import audit
from storage.actor import Actor
from storage.models import AuditEntry

ACTOR = Actor(7, "李秀英", frozenset({"union"}), 1, None, "wecom", "msg-1")


def count(bot):
    with bot.db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_a_row_records_who_what_when_and_before_after(bot):
    with bot.db.transaction() as s:
        audit.record(s, ACTOR, "review.approve", at=datetime(2025, 6, 2, 1, 0), object_type="application",
                     object_id=3, application_id=3, studio_id=1, key=1, before={"status": "pending"},
                     after={"status": "approved"}, detail="同意")
    with bot.db.session() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "review.approve")).one()
    assert (row.actor_id, row.actor, row.role, row.channel, row.request_id) == (7, "李秀英", "union", "wecom", "msg-1")
    assert (row.object_type, row.object_id, row.key, row.before, row.after) == \
        ("application", "3", "1", {"status": "pending"}, {"status": "approved"})


def test_rows_cannot_be_changed_or_deleted(bot):
    with bot.db.transaction() as s:
        audit.record(s, ACTOR, "ledger.create", at=datetime(2025, 6, 2), object_type="ledger_entry", object_id=1)
    for statement in ("UPDATE audit_log SET detail = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError):
            with bot.db.transaction() as s:
                s.execute(text(statement))
    assert count(bot) == 1


def test_the_purge_keeps_the_retention_period_and_records_itself(bot, tmp_path):
    now = bot.clock.wall_utcnow()
    with bot.db.transaction() as s:
        audit.record(s, ACTOR, "answer.set", at=now - timedelta(days=400), object_type="application", object_id=1)
        audit.record(s, ACTOR, "answer.set", at=now - timedelta(days=10), object_type="application", object_id=1)
    with bot.db.transaction() as s, pytest.raises(ValueError):
        audit.purge(s, Actor.system(), now=now, retention_days=30)          # below the floor of 180 days
    env = {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test", "BOT_FILES_DIR": str(tmp_path / "f")}
    refused = CliRunner().invoke(cli, ["audit", "purge", "--days", "30"], env=env)
    assert refused.exit_code != 0 and "至少保留 180 天" in refused.output
    result = CliRunner().invoke(cli, ["audit", "purge", "--days", "365", "--by", "张工"], env=env)
    assert result.exit_code == 0 and "已删除 1 条超过 365 天的审计记录" in result.output, result.output
    with bot.db.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [r.action for r in rows] == ["answer.set", "audit.purge"]
    assert rows[1].actor == "命令行：张工" and rows[1].channel == "cli"


def test_a_changed_answer_a_decision_and_a_ledger_line_each_write_one_row(bot, chat, may_2025):
    leader = chat("leader")
    leader.send("申报")
    leader.send("王海隧道掘进劳模创新工作室")
    leader.send("成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日")
    leader.send("确认")
    with bot.db.session() as s:
        rows = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(r.action, r.actor, r.channel) for r in rows] == [("answer.set", "王海", "web"),
                                                             ("ledger.create", "王海", "web")]
    assert rows[0].after == "王海隧道掘进劳模创新工作室" and rows[1].after["title"] == "一种盾构管片拼装定位装置"
    assert rows[0].request_id.startswith("web:leader:")
