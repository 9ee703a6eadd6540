"""The 成果库 (search, filters, pages, scope, XLSX, the brochure PDF), the statistics (tables that agree
with the ledgers, ECharts options whose tooltips escape typed names), the upward sheets, and the
development-only decision clock. Services, on both engines."""
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bot.config import Config
from bot.errors import ConfigError, UserError
from handlers.office import charts
from handlers.services import achievements, sheets, statistics
from storage import ledgers
from tests.support.clock import clock
from storage.models import Application, LedgerEntry, Studio
from tests.chat import Chat
from tests.support.library import kept_ledgers
from tests.support.office import assessed_year, ctx, moment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def kept(bot):
    """Two studios of two units with achievements, talents and funding (tests/support/library.py)."""
    return kept_ledgers(bot, "<script>x</script>局")


def test_the_library_searches_filters_pages_and_scopes(bot, kept):
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        every = achievements.search(office, per_page=3)
        live = s.scalars(select(LedgerEntry).where(LedgerEntry.ledger == "achievement", LedgerEntry.deleted_at.is_(None))).all()
        assert every["total"] == len(live) == 8 and every["pages"] == 3 and len(every["rows"]) == 3
        assert [r.title for r in achievements.search(office, kind="获奖")["rows"]] == ["沉管对接测控系统", "桥梁顶推工法"]
        assert {r.title for r in achievements.search(office, level="省部")["rows"]} == {"沉管对接测控系统"}
        applied = achievements.search(office, applied=True)["rows"]
        assert {(r.kind, r.title) for r in applied} == {("成果转化", "沉管对接测控系统"), ("创新成果", "沉管对接测控系统"),
                                                        ("获奖", "沉管对接测控系统")}
        assert achievements.search(office, year=2024)["total"] == 2
        assert achievements.search(office, text="顶推 桥梁")["total"] == 2
        assert achievements.search(office, studio_id=kept[1], year=2025)["total"] == 1
        assert achievements.search(office, unit_id=s.get(Studio, kept[0]).unit_id)["total"] == 5
        with pytest.raises(UserError, match="成果类型只能是"):
            achievements.search(office, kind="论文")
        assert achievements.search(ctx(bot, s, "union1"))["total"] == 3        # its unit only
        assert achievements.search(ctx(bot, s, "lead0"))["total"] == 5        # its studio only
        assert "仅限" in str(pytest.raises(UserError, achievements.search, ctx(bot, s, "expert1")).value)
        exported = achievements.export(office, kind="创新成果")
    sheet = openpyxl.load_workbook(io.BytesIO(exported["data"])).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    assert [r[1] for r in rows] == ["沉管对接测控系统", "=SUM(1,2) 智能张拉"] and sheet.cell(4, 2).data_type == "s"


def test_a_brochure_of_selected_results_is_a_pdf(bot, kept):
    with bot.db.transaction() as s:
        ids = [r.id for r in achievements.search(ctx(bot, s, "group"), kind="获奖")["rows"]]
        with pytest.raises(UserError, match="请先选择"):
            achievements.brochure(ctx(bot, s, "group"), [], "汇编", dedupe_key="b0")
        with pytest.raises(UserError, match="不在您的查看范围内"):
            achievements.brochure(ctx(bot, s, "union0"), ids, "汇编", dedupe_key="b1")
        achievements.brochure(ctx(bot, s, "group"), ids, "2026年创新成果发布会成果汇编", dedupe_key="b2")
    office = Chat(bot, "group")
    office.inbox()
    files = [p["file"] for p in office.pushed if p.get("file")]
    assert [f["name"] for f in files] == ["2026年创新成果发布会成果汇编.pdf"]
    text = "".join(subprocess.run(["pdftotext", "-raw", files[0]["path"], "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "2026年创新成果发布会成果汇编" in text and "1.沉管对接测控系统" in text and "2.桥梁顶推工法" in text
    assert "级别：国家" in text and "已转化应用" in text


def test_statistics_agree_with_the_ledgers_and_escape_typed_names(bot, kept):
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        kinds = statistics.achievements(office)
        header, rows = kinds["tables"][0]["header"], kinds["tables"][0]["rows"]
        assert sum(r[-1] for r in rows) == achievements.search(office)["total"] == 8
        assert dict(zip(header, [r for r in rows if r[0] == 2025][0]))["获奖"] == 1
        talents = statistics.talents(office)["tables"][0]["rows"]
        assert talents == [[2025, "技术等级", "高级技师", 1], [2025, "技术等级", "技师", 1], [2025, "荣誉", "企业劳模", 1]]
        money = statistics.funding(office)
        sources = dict(money["tables"][0]["rows"])
        assert sources == {"中交第一航务工程局有限公司": "8", "<script>x</script>局": "6"}
        purposes = dict(money["tables"][1]["rows"])
        assert purposes["设备购置"] == "2" and purposes["待单位工会确认（不计入）"] == "1（1 笔）"
        assert purposes["单位工会驳回（已删除）"] == "0.5（1 笔）"
        balance = sum(ledgers.balance(s, sid) for sid in kept)
        assert balance == 8 + 6 - 2                                   # the held expense counts nowhere
        option = json.dumps(money["charts"][0], ensure_ascii=False)
        assert "<script>" not in option.split('"legend"')[0] and "&lt;script&gt;x&lt;/script&gt;局" in option
        assert "function" not in option and money["charts"][0]["animation"] is False
        apps = statistics.applications(office, 2026)
        assert sorted(apps["tables"][0]["rows"]) == [["中交第一航务工程局有限公司", 2026, 1, 0],
                                                     ["中交第二航务工程局有限公司", 2026, 1, 0]]
        seven = statistics.seven_rates(office, 2026)["tables"][0]
        assert [r[0] for r in seven["rows"]][0] == "有劳模领衔" and all(sum(r[1:4]) == 2 for r in seven["rows"])
        assert statistics.achievements(ctx(bot, s, "union0"))["tables"][0]["rows"][-1][-1] == 5
        with pytest.raises(UserError, match="仅限"):
            statistics.funding(ctx(bot, s, "lead0"))
    assert charts.tip("{b}<i>") == "&#123;b&#125;&lt;i&gt;"


def test_the_upward_sheets_from_stored_data(bot, kept):
    clock.set_now(moment(2026, 8, 20))
    with bot.db.session() as s:
        apps = [a.id for a in s.scalars(select(Application).order_by(Application.id))]
    assessed_year(bot, {apps[0]: 91.5, apps[1]: 88})
    with bot.db.transaction() as s:
        office = ctx(bot, s, "group")
        summary = sheets.summary(office, 2026)
        recommend = sheets.recommendation(office, [kept[0], kept[1]], "全国总工会")
        with pytest.raises(UserError, match="推荐对象只能是"):
            sheets.recommendation(office, [kept[0]], "市总工会")
        with pytest.raises(UserError, match="仅限"):
            sheets.summary(ctx(bot, s, "union0"), 2026)
    book = openpyxl.load_workbook(io.BytesIO(summary["data"])).active
    rows = [[c.value for c in r] for r in book.iter_rows()]
    assert rows[1] == list(sheets.SUMMARY_HEADER)
    assert rows[2][:7] == [1, "中交第一航务工程局有限公司", "港口工程0号创新工作室", "领衔人0", "隧道盾构", "技术攻关", "10"]
    assert rows[2][8:10] == ["91.50", 1] and rows[3][8:10] == ["88.00", 2] and rows[2][7].startswith("七有 ✓")
    rec = openpyxl.load_workbook(io.BytesIO(recommend["data"])).active
    first = [c.value for c in list(rec.iter_rows())[2]]
    assert first[1] == "港口工程0号创新工作室" and "沉管对接测控系统（获奖·省部，2025）" in first[6] and first[7] == "50"


def test_the_decision_clock_moves_in_development_only(make_bot):
    bot = make_bot(dev_today="2026-06-15")
    assert bot.clock.today() == date(2026, 6, 15) and bot.clock.now().hour == 10
    assert Config.from_env(environ={"BOT_DEV_TODAY": "2026-12-01T14:30"}).dev_moment.hour == 14
    with pytest.raises(ConfigError, match="BOT_DEV_TODAY 应写成 YYYY-MM-DD"):
        Config.from_env(environ={"BOT_DEV_TODAY": "6月15日"})
    with pytest.raises(ConfigError, match="生产环境不能设置 BOT_DEV_TODAY"):
        Config.from_env(environ={"BOT_ENV": "production", "BOT_DEV_TODAY": "2026-06-15",
                                 "BOT_SECRET_KEY": "k9Qz-3vN_p7Lw2Rt8Yx5Bm4Hc6Jd1Fg0Sa"})
    check = subprocess.run([sys.executable, "-m", "bot", "check-config"], capture_output=True, text=True, cwd=ROOT,
                           env={"BOT_ENV": "production", "BOT_DEV_TODAY": "2026-06-15", "PATH": "/usr/bin:/bin",
                                "BOT_SECRET_KEY": "k9Qz-3vN_p7Lw2Rt8Yx5Bm4Hc6Jd1Fg0Sa", "BOT_TRY_ENABLED": "0"})
    assert check.returncode != 0 and "生产环境不能设置 BOT_DEV_TODAY" in check.stdout + check.stderr
