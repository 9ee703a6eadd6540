"""Restarting `make run` (`python -m bot demo` again) keeps the leader's application: the demo loader
never creates a second studio nor moves people, even after the leader renamed the studio."""
from datetime import datetime

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.support.clock import clock
from bot import demo
from bot.cli import cli
from storage.models import Application, Person, PersonRole, Studio, Unit


def test_reloading_the_demo_after_a_rename_keeps_the_application(bot, chat, monkeypatch):
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    leader = chat("leader")
    leader.send("申报")
    assert "✓ 创新工作室名称：王海盾构创新工作室" in leader.send("王海盾构创新工作室")
    leader.send("中交示范工程局有限公司")
    monkeypatch.setenv("DATABASE_URL", bot.config.database_url)
    monkeypatch.setenv("BOT_FILES_DIR", bot.config.files_dir)
    for _ in range(2):                                   # two restarts
        result = CliRunner().invoke(cli, ["demo"])
        assert result.exit_code == 0, result.output
    with bot.db.session() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.name == demo.UNIT))
        names = s.scalars(select(Studio.name).where(Studio.unit_id == unit_id)).all()
        assert "王海盾构创新工作室" in names and demo.STUDIO not in names
        assert len(names) == 1 + sum(unit == demo.UNIT for _, unit, *_ in demo.STUDIOS)
        studio_id = s.scalar(select(Studio.id).where(Studio.name == "王海盾构创新工作室"))
        assert {p.name: p.studio_id for p in s.scalars(select(Person).where(Person.name.in_(["王海", "孙立"])))} \
            == {"王海": studio_id, "孙立": studio_id}
        assert s.scalar(select(func.count(Application.id)).where(Application.studio_id == studio_id)) == 1
        # the other demo studios were made once, not again on the second restart
        assert s.scalar(select(func.count(Studio.id))) == 1 + len(demo.STUDIOS)
    leader = chat("leader")
    reply = leader.send("进度")
    assert "还没有申报表" not in reply and "已填" in reply
    assert "还没有申报表" not in chat("member").send("进度")


def test_reloading_keeps_roles_the_admin_changed(bot, chat):
    chat("admin").send("角色 孙立 添加 领衔人")
    with bot.db.transaction() as s:
        demo.load(s)
    with bot.db.session() as s:
        roles = s.scalars(select(PersonRole.role).join(Person).where(Person.name == "孙立")).all()
        assert sorted(roles) == ["leader", "member"]
