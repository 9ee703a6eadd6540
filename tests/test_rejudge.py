"""Stored data judged again (#25 item 8): expenses booked and 七有 verdicts shown under the older rules are
judged once more by the rules in force — by the worker's job at start and by `python -m bot rejudge` —
and each unit union gets one message listing what changed in its unit, once."""
from datetime import date, datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from handlers.notices import rejudge as rejudge_job
from handlers.services import rejudge
from handlers.services.context import Context
from storage import applications, ledgers
from storage.actor import Actor
from storage.models import Application, AuditEntry, LedgerEntry, OutboxMessage, Studio
from storage.people import bind, get_studio, get_unit, upsert_person
from tests.support.clock import clock

TEST = Actor.system("test")
STUDIO = "王海隧道掘进劳模创新工作室"

# (purpose, category, stored before: hold, what the rules in force make of it)
STORED = [
    ("课题组成员技术咨询费", "研究费用", None, "held:按现行规则不能列支"),
    ("为项目部购买办公电脑", "设备购置", None, "held:按现行规则不能列支"),
    ("攻关成果奖", "研究费用", None, "held:按现行规则不能列支"),
    ("资助兄弟单位课题", "研究费用", None, "held:按现行规则不能列支"),
    ("技术咨询费", "研究费用", None, "held:需核实收款方"),
    ("激光测距仪", "设备购置", None, "same"),
    ("委托外单位检测试样", "研究费用", "pending", "booked"),
    ("隧道结构体检试验数据采集", "研究费用", "pending", "booked"),
    ("办公用品", "研究费用", "confirmed", "same"),            # the unit union decided: left as it is
]


@pytest.fixture(autouse=True)
def may_2025():
    clock.set_now(datetime(2025, 5, 20, 10, 0))


def studio_id(s, name=STUDIO):
    return s.scalar(select(Studio.id).where(Studio.name == name))


def store(bot, name=STUDIO):
    """Funding entries as the older rules left them (income 10 万元; each expense 0.1 万元)."""
    with bot.db.transaction() as s:
        sid = studio_id(s, name)
        ledgers.add_entry(s, sid, "funding", {"direction": "收入", "amount": "10", "unit": "中交示范工程局",
                                              "date": "20250105"}, date(2025, 1, 5), TEST)
        ids = []
        for purpose, category, hold, _ in STORED:
            data = {"direction": "支出", "amount": "0.1", "category": category, "purpose": purpose, "date": "20250301"}
            if hold:
                data.update(hold=hold, hold_reason="旧规则")
            ids.append(ledgers.add_entry(s, sid, "funding", data, date(2025, 3, 1), TEST).id)
        return ids


def entries(bot, ids):
    with bot.db.session() as s:
        return [s.get(LedgerEntry, i).data for i in ids]


def union_messages(bot, recipient="union"):
    with bot.db.session() as s:
        return [r.payload["text"] for r in s.scalars(select(OutboxMessage).where(
            OutboxMessage.notice == "rejudge", OutboxMessage.recipient == recipient))]


def test_stored_expenses_are_judged_again_once_and_the_unit_union_is_told(bot):
    ids = store(bot)
    with bot.db.session() as s:
        assert ledgers.balance(s, studio_id(s)) == Decimal("9.3")       # 10 − six booked − one confirmed
    rejudge_job.job(bot)
    after = entries(bot, ids)
    for (purpose, _, hold, outcome), data in zip(STORED, after):
        if outcome == "same":
            assert data.get("hold") == hold, purpose
        elif outcome == "booked":
            assert "hold" not in data and "hold_reason" not in data, purpose
        else:
            assert data["hold"] == "pending" and outcome.split(":")[1] in data["hold_reason"], (purpose, data)
    with bot.db.session() as s:       # five no longer count, two count again: 10 − 测距仪 − 2 released − 办公用品
        assert ledgers.balance(s, studio_id(s)) == Decimal("9.6")
        rows = s.scalars(select(AuditEntry).where(AuditEntry.detail == rejudge.DETAIL,
                                                  AuditEntry.action == "ledger.update")).all()
        assert sorted(int(r.object_id) for r in rows) == [i for i, row in zip(ids, STORED) if row[3] != "same"]
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "records.rejudge")) == 1
    told = union_messages(bot)
    assert len(told) == 1
    text = told[0]
    assert text.startswith("【按现行规则重新核对】") and "经费支出（7 笔有变化）" in text
    assert "课题组成员技术咨询费" in text and "已计入 → 待单位工会确认（按现行规则不能列支" in text
    assert "「不得作为奖金津贴发放」" in text and "「不得用于创新工作室以外支出」" in text
    assert "委托外单位检测试样" in text and "不再待确认，已计入余额" in text
    assert "办公用品" not in text and "激光测距仪" not in text
    # once: the job at the next start, and the CLI, change and send nothing more
    rejudge_job.job(bot)
    assert len(union_messages(bot)) == 1 and entries(bot, ids) == after
    env = {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test", "BOT_FILES_DIR": str(bot.config.files_dir)}
    result = CliRunner().invoke(_cli(), ["rejudge"], env=env)
    assert result.exit_code == 0 and "已按现行规则" in result.output and "无需再次核对" in result.output


def _cli():
    from bot.cli import cli
    return cli


def test_the_cli_dry_run_lists_and_writes_nothing_then_the_run_applies(bot):
    ids = store(bot)
    before = entries(bot, ids)
    env = {"DATABASE_URL": bot.config.database_url, "BOT_ENV": "test", "BOT_FILES_DIR": str(bot.config.files_dir)}
    dry = CliRunner().invoke(_cli(), ["rejudge", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "将会变化：7 项" in dry.output and "攻关成果奖" in dry.output
    assert entries(bot, ids) == before and union_messages(bot) == []
    run = CliRunner().invoke(_cli(), ["rejudge"], env=env)
    assert run.exit_code == 0 and "已重新核对：7 项" in run.output and "已通知单位工会 1 人次" in run.output
    assert entries(bot, ids) != before and len(union_messages(bot)) == 1


def test_each_unit_union_hears_only_of_its_own_unit(bot):
    with bot.db.transaction() as s:
        unit = get_unit(s, "中交第二工程局有限公司", "施工企业")
        leader = upsert_person(s, "钱江", unit, ["leader"])
        get_studio(s, "钱江桥梁创新工作室", unit, leader)
        bind(s, upsert_person(s, "吴工会", unit, ["union"]), "web", "union2")
    store(bot)
    with bot.db.transaction() as s:
        ledgers.add_entry(s, studio_id(s, "钱江桥梁创新工作室"), "funding", {
            "direction": "支出", "amount": "0.2", "category": "研究费用", "purpose": "团队成员讲课费", "date": "20250302"},
            date(2025, 3, 2), TEST)
    rejudge_job.job(bot)
    ours, theirs = union_messages(bot), union_messages(bot, "union2")
    assert len(ours) == 1 and len(theirs) == 1
    assert "讲课费" in theirs[0] and "讲课费" not in ours[0] and "攻关成果奖" not in theirs[0]


def test_seven_verdicts_shown_to_reviewers_are_judged_again_and_listed(bot, chat, submitted):
    with bot.db.transaction() as s:            # the leader's only honour: a cultivation title (no 劳模)
        app = s.scalar(select(Application))
        applications.set_answer(s, app.id, "leader.honours", [{"year": 2021, "title": "集团青年工匠培养对象"}], TEST)
    rejudge_job.job(bot)
    text = union_messages(bot)[0]
    assert "七有（" in text and "王海隧道掘进劳模创新工作室 2025 年申报（七有 ✓" in text
    assert "有劳模领衔" in text and ("✗ 有劳模领衔" in text or "待核实 有劳模领衔" in text)
    with bot.db.session() as s:
        judged = s.scalar(select(Application)).flags["seven_judged"]
    assert judged["有劳模领衔"] in ("not_met", "unknown") and len(judged) == 7


def test_a_verdict_judged_before_is_listed_only_when_it_changed(bot, chat, submitted):
    with bot.db.transaction() as s:
        app = s.scalar(select(Application))
        ctx = Context(s, TEST, bot.clock, bot.config)
        first = {name: status for name, status in rejudge.plan(ctx).seven[0][1].items()}
        applications.set_flag(app, rejudge.SEVEN_FLAG, dict(first, 有劳模领衔="unknown"))
        lines = [c.line for c in rejudge.plan(ctx).changes if c.kind == "seven"]
    assert len(lines) == 1 and "待核实 → ✓ 有劳模领衔" in lines[0]
