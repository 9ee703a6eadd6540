"""The ledgers exported: the XLSX read back (chat and command line), and the rows for the 附件2 draft."""
import io
from datetime import datetime

import docx
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import select

from tests.support.clock import clock
from handlers.ledgers.export import ledgers_for_materials, render_ledgers_xlsx
from storage.actor import Actor
from storage.models import Studio

TEST = Actor.system("test")

STUDIO = "王海隧道掘进劳模创新工作室"
SHEETS = ["创建活动台账", "创新成果台账", "成员发展台账", "经费台账"]
LINES = [
    "活动 技能培训 盾构操作培训 2024-05-10 25人 4小时 工作室",
    "活动 学习研讨 姿态控制研讨 2023-03-15 12人 2.5小时",
    "活动 其他 删掉的活动 2024-06-01 99人 9小时",
    "成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日 ZL202410123456.7",
    "成果 获奖 纠偏辅助系统 省部级 中国施工企业管理协会 2024-09-01",
    "成果 经济效益 管片拼装定位装置 2024年 创收10万元 节资20万元",
    "成员 晋升 赵磊 高级技师 2023年6月1日",
    "经费 收入 1万元 中交示范工程局 2023-02-01",
    "经费 收入 5万元 中交示范工程局 2024年1月5日",
    "经费 支出 2000元 设备购置 激光测距仪 2024-03-02",
]


@pytest.fixture(autouse=True)
def may_2025():
    clock.set_now(datetime(2025, 5, 20, 10, 0))


@pytest.fixture
def kept(chat):
    leader = chat("leader")
    for line in LINES:
        leader.send(line)
        assert "已记入" in leader.send("确认"), line
    leader.send("删除台账 3")
    leader.send("确认")
    return leader


def rows(book, sheet):
    return [list(r) for r in book[sheet].iter_rows(values_only=True)]


def test_chat_export_one_sheet_per_ledger(bot, kept):
    reply = kept.send("导出台账")
    assert "正在生成台账，稍后发送给您" in reply
    assert kept.files() == []                    # rendered by the worker, not in the turn
    (file,) = kept.pushed_files()
    assert any("已生成台账" in m["text"] for m in kept.pushed)
    assert file["name"] == f"{STUDIO}-台账.xlsx"
    book = load_workbook(file["path"])
    assert book.sheetnames == SHEETS

    activity = rows(book, "创建活动台账")
    assert activity[0] == ["编号", "日期", "类型", "主题", "参加人数", "时长（小时）", "地点", "备注", "附件数"]
    assert activity[1][:7] == [2, "20230315", "学习研讨", "姿态控制研讨", 12, 2.5, None]
    assert activity[2][:7] == [1, "20240510", "技能培训", "盾构操作培训", 25, 4, "工作室"]
    assert activity[3][:6] == ["合计", None, "2 次", None, 37, 6.5]
    assert len(activity) == 4                                     # the deleted activity is left out
    assert all(isinstance(r[1], str) for r in activity[1:3])
    assert book["创建活动台账"]["B2"].number_format == "@"

    achievement = rows(book, "创新成果台账")
    assert achievement[0][:4] == ["编号", "日期", "类型", "名称"] and "创收（万元）" in achievement[0]
    assert achievement[1][:5] == [4, "20240312", "发明专利", "一种盾构管片拼装定位装置", "ZL202410123456.7"]
    assert achievement[2][:7] == [5, "20240901", "获奖", "纠偏辅助系统", None, "省部", "中国施工企业管理协会"]
    assert achievement[3][:4] == [6, "20241231", "经济效益", "管片拼装定位装置"] and achievement[3][10:12] == [10, 20]
    subtotals = {r[2]: r[3] for r in achievement if r[0] == "小计"}
    assert subtotals["发明专利"] == "1 项" and subtotals["获奖"] == "1 项" and subtotals["立项"] == "0 项"
    assert achievement[-1][0] == "合计" and achievement[-1][3] == "3 项" and achievement[-1][10:12] == [10, 20]

    member = rows(book, "成员发展台账")
    assert member[0] == ["编号", "日期", "姓名", "类型", "情况", "备注", "附件数"]
    assert member[1][:5] == [7, "20230601", "赵磊", "晋升", "晋升为高级技师"]

    funding = rows(book, "经费台账")
    assert funding[0][:4] == ["编号", "日期", "收支", "金额（万元）"] and "余额（万元）" in funding[0]
    assert [r[:4] + [r[7]] for r in funding[1:4]] == [
        [8, "20230201", "收入", 1, 1], [9, "20240105", "收入", 5, 6], [10, "20240302", "支出", 0.2, 5.8]]
    assert funding[3][5:7] == ["设备购置", "激光测距仪"]
    assert [r[:4] for r in funding[4:]] == [["收入合计", None, None, 6], ["支出合计", None, None, 0.2],
                                            ["余额", None, None, 5.8]]


def test_export_of_one_year_carries_the_opening_balance(bot, kept):
    kept.send("导出台账 2024")
    (file,) = kept.pushed_files()
    assert file["name"].endswith("-台账-2024年.xlsx")
    book = load_workbook(file["path"])
    assert [r[1] for r in rows(book, "创建活动台账")[1:-1]] == ["20240510"]
    funding = rows(book, "经费台账")
    assert funding[1][0] == "期初余额" and funding[1][7] == 1
    assert funding[-1][:4] == ["余额", None, None, 5.8] and funding[-3][3] == 5


def test_reviewers_export_the_studios_they_oversee(bot, kept, chat):
    union = chat("union")
    union.send(f"导出台账 {STUDIO}")
    assert len(union.pushed_files()) == 1
    assert "仅限" in chat("tech").send("导出台账")


def test_command_line_export(bot, kept, tmp_path):
    from bot.cli import cli
    out = tmp_path / "ledgers.xlsx"
    env = {"DATABASE_URL": bot.config.database_url, "BOT_FILES_DIR": str(tmp_path / "files"), "BOT_ENV": "test"}
    result = CliRunner().invoke(cli, ["export", "ledgers", "--studio", STUDIO, "--year", "2024", "--out", str(out)],
                                env=env)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == SHEETS
    assert rows(book, "创新成果台账")[1][1] == "20240312"
    result = CliRunner().invoke(cli, ["export", "ledgers", "--studio", "没有这个工作室", "--out", str(out)], env=env)
    assert result.exit_code != 0 and "没有找到工作室" in result.output


def test_render_directly_and_an_empty_workbook(bot):
    with bot.db.session() as s:
        studio = s.scalar(select(Studio).where(Studio.name == STUDIO))
        book = load_workbook(io.BytesIO(render_ledgers_xlsx(s, studio)))
    assert book.sheetnames == SHEETS
    assert rows(book, "经费台账")[-1][:4] == ["余额", None, None, 0]
    assert rows(book, "创建活动台账")[1][:5] == ["合计", None, "0 次", None, 0]


def test_rows_for_the_materials_draft(bot, kept):
    with bot.db.session() as s:
        sid = s.scalar(select(Studio.id).where(Studio.name == STUDIO))
        data = ledgers_for_materials(s, sid, [2023, 2024])
        assert ledgers_for_materials(s, sid, [2024])["activities"][0]["topic"] == "盾构操作培训"
    assert data["activities"] == [
        {"date": "20230315", "kind": "学习研讨", "topic": "姿态控制研讨", "participants": 12, "hours": "2.5",
         "place": "", "notes": ""},
        {"date": "20240510", "kind": "技能培训", "topic": "盾构操作培训", "participants": 25, "hours": "4",
         "place": "工作室", "notes": ""}]
    assert data["achievements"] == [
        {"kind": "发明专利", "title": "一种盾构管片拼装定位装置", "date": "20240312", "level": "",
         "number": "ZL202410123456.7", "amount": ""},
        {"kind": "获奖", "title": "纠偏辅助系统", "date": "20240901", "level": "省部", "number": "", "amount": ""},
        {"kind": "经济效益", "title": "管片拼装定位装置", "date": "20241231", "level": "", "number": "", "amount": "30"}]
    assert data["members"] == [{"date": "20230601", "name": "赵磊", "kind": "晋升", "detail": "晋升为高级技师"}]
    assert [f["direction"] for f in data["funding"]] == ["收入", "收入", "支出"]
    assert data["funding"][2] == {"date": "20240302", "direction": "支出", "amount": "0.2", "unit": "",
                                  "category": "设备购置", "purpose": "激光测距仪", "notes": "", "hold": ""}

    from handlers.application.schema import application_form
    from handlers.application.attachment2 import render_materials_docx
    draft = render_materials_docx(application_form(2025), {"cover.name": STUDIO}, year=2025, ledgers=data)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(draft)).paragraphs)
    assert "盾构操作培训" in text and "激光测距仪" in text and "赵磊晋升为高级技师" in text


# --- 附件2 agrees with 附件1: funding from the answers (not the naming grant), every 成果 named ---------

MATERIAL_ACHIEVEMENTS = [
    ("20230201", {"kind": "立项", "title": "富水砂层始发风险控制", "plan": "样机", "target": "20231231"}),
    ("20230401", {"kind": "创新成果", "title": "管片快速拼装工法"}),
    ("20240501", {"kind": "创新成果", "title": "盾构同步注浆参数优化论文"}),
    ("20240601", {"kind": "成果转化", "title": "管片拼装定位装置推广"}),
    ("20230812", {"kind": "实用新型专利", "title": "一种管片拼装定位装置", "number": "ZL202320000001.1"}),
    ("20231020", {"kind": "实用新型专利", "title": "一种同步注浆监测装置"}),
    ("20241020", {"kind": "发明专利", "title": "盾构姿态智能纠偏方法", "number": "ZL202410000001.1"}),
    ("20240901", {"kind": "获奖", "title": "纠偏辅助系统", "level": "省部", "issuer": "中施企协"}),
    ("20220101", {"kind": "创新成果", "title": "早年成果"}),                    # outside the two years
]


def test_materials_agree_with_the_form_and_name_every_achievement(bot):
    from datetime import date

    from handlers.application.schema import application_form
    from handlers.application.attachment2 import render_materials_docx
    from storage import ledgers
    with bot.db.transaction() as s:
        sid = s.scalar(select(Studio.id).where(Studio.name == STUDIO))
        for day, data in MATERIAL_ACHIEVEMENTS:
            ledgers.add_entry(s, sid, "achievement", dict(data, date=day),
                              date(int(day[:4]), int(day[4:6]), int(day[6:])), TEST)
        for day, amount, unit in (("20230110", "3", "中交示范工程局"), ("20240201", "4", "中交示范工程局")):
            ledgers.add_entry(s, sid, "funding", {"direction": "收入", "amount": amount, "unit": unit, "date": day},
                              date(int(day[:4]), int(day[4:6]), int(day[6:])), TEST)
        ledgers.record_grant(s, sid, 5, date(2024, 6, 1), Actor.system("test"))
    with bot.db.session() as s:
        data = ledgers_for_materials(s, sid, [2023, 2024])
    values = {"cover.name": STUDIO,
              "funding.y1.amount": "3", "funding.y1.sources": [{"unit": "中交示范工程局", "amount": "3"}],
              "funding.y2.amount": "4", "funding.y2.sources": [{"unit": "中交示范工程局", "amount": "4"}],
              "innovation.results": 2, "innovation.applied": 1, "innovation.utility": 2, "innovation.invention": 1,
              "innovation.award_intl": 0, "innovation.award_national": 0, "innovation.award_provincial": 1,
              "innovation.award_city": 0}
    draft = docx.Document(io.BytesIO(render_materials_docx(application_form(2025), values, year=2025,
                                                           ledgers=data)))
    texts = [p.text for p in draft.paragraphs]
    funding = next(t for t in texts if "投入经费" in t)
    assert "2023年投入经费3万元（中交示范工程局 3万元）；2024年投入经费4万元（中交示范工程局 4万元）。" in funding
    assert "近两年共投入经费7万元" in funding
    assert "12万元" not in funding and "到账" not in funding               # 3 + 4 + the 5 grant
    assert "命名一次性经费支持5万元，不计入上述经费投入" in funding
    results = texts[texts.index("（一）创新成果情况") + 1]
    assert results.startswith("近两年来，工作室取得创新成果2项，成果转化1项，获实用新型专利2个，获发明专利1个，获省部级奖1个。")
    assert ("台账记录：立项课题1项，创新成果2项，成果转化1项，实用新型专利2个，发明专利1个，获奖1项。"
            in results)
    for _, entry in MATERIAL_ACHIEVEMENTS[:-1]:
        assert entry["title"] in results, entry["title"]
    assert "早年成果" not in results
    assert "创新成果：管片快速拼装工法，2023年4月1日；盾构同步注浆参数优化论文，2024年5月1日。" in results
    assert "获奖：纠偏辅助系统（省部级），2024年9月1日。" in results
