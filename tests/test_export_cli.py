"""`python -m bot export application|materials|ledgers` on a filled application, files read back."""
import json
from datetime import datetime

import docx
import openpyxl
from click.testing import CliRunner

from tests.support.clock import clock
from bot.cli import cli
from tests.form_data import fill_all


def test_export_commands_write_real_files(bot, chat, tmp_path, monkeypatch):
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    leader = chat("leader")
    leader.send("申报")
    fill_all(leader)
    leader.send("成果 发明专利 一种盾构管片拼装定位装置 2024年3月12日")
    leader.press("确认")
    monkeypatch.setenv("DATABASE_URL", bot.config.database_url)
    monkeypatch.setenv("BOT_FILES_DIR", bot.config.files_dir)
    runner = CliRunner()
    name = "王海隧道掘进劳模创新工作室"
    result = runner.invoke(cli, ["export", "application", "--studio", name, "--year", "2025",
                                 "--out", str(tmp_path / "app")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "app.json").read_text(encoding="utf-8"))
    assert data["工作室名称"] == name and data["创建日期"] == "20180420"
    cells = [c.text for t in docx.Document(tmp_path / "app.docx").tables for r in t.rows for c in r.cells]
    assert "20180420" in cells and "孙立" in cells
    result = runner.invoke(cli, ["export", "materials", "--studio", name, "--year", "2025",
                                 "--out", str(tmp_path / "m.docx")])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(tmp_path / "m.docx").paragraphs)
    assert "一、基本情况" in text and "三、近两年来工作室活动成效" in text
    result = runner.invoke(cli, ["export", "ledgers", "--studio", name, "--out", str(tmp_path / "l.xlsx")])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "l.xlsx")
    assert "创新成果台账" in book.sheetnames
    values = [c.value for row in book["创新成果台账"].iter_rows() for c in row]
    assert "一种盾构管片拼装定位装置" in values and "20240312" in values
    result = runner.invoke(cli, ["export", "application", "--studio", "不存在", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "没有找到工作室「不存在」" in result.output


def test_terminal_chat_ends_on_tuichu_keeps_logs_out_and_delivers_documents(bot, tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("BOT_")}
    env.update(DATABASE_URL=bot.config.database_url, BOT_FILES_DIR=bot.config.files_dir, BOT_LOG_LEVEL="INFO")
    run = subprocess.run([sys.executable, "-m", "bot", "chat", "--user", "leader"],
                         input="帮助\n申报\n导出\n退出\n帮助\n", capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parent.parent, env=env)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "已退出。" in out and out.count("已退出。") == 1
    assert out.rstrip().endswith("已退出。")              # nothing after 退出 was handled
    assert "正在生成申报审批表" in out and "（推送）已生成申报审批表：" in out
    assert "文件：" in out and ".docx" in out
    assert "INFO" not in out and "bot.turn" not in out
    log = (Path(bot.config.files_dir).parent / "chat.log").read_text(encoding="utf-8")
    assert "bot.turn" in log


def test_materials_leave_held_spending_out_and_say_what_is_to_supply(bot, chat, tmp_path, monkeypatch):
    """附件2 from the command line: an expense held for the unit union is not money spent; the headings
    still 「（待补充）」 are listed, and so is what was left out."""
    clock.set_now(datetime(2025, 5, 20, 10, 0))
    leader = chat("leader")
    leader.send("申报")
    leader.send("取消")
    leader.press("确认退出")
    for line in ("经费 收入 5万元 中交示范工程局 2024-01-05", "经费 支出 2000元 设备购置 激光测距仪 2024-03-02",
                 "经费 支出 3000元 设备购置 办公用品 2024-03-05"):
        leader.send(line)
        assert "已记入" in leader.send("确认"), line
    assert "待单位工会确认" in leader.send("台账 经费")
    monkeypatch.setenv("DATABASE_URL", bot.config.database_url)
    monkeypatch.setenv("BOT_FILES_DIR", bot.config.files_dir)
    out = tmp_path / "m.docx"
    result = CliRunner().invoke(cli, ["export", "materials", "--studio", "王海隧道掘进劳模创新工作室", "--year", "2025",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "近两年经费支出1笔，共0.2万元，主要用于激光测距仪。" in text and "办公用品" not in text
    assert "经费台账中 1 笔支出（共 0.3 万元）尚待单位工会确认，未计入附件2的经费支出。" in result.output
    assert "附件2 还有" in result.output and "· 二（一）制度建立情况（发送「制度」记录已建立的制度）" in result.output
    assert result.output.count("（待补充）") == 0 and text.count("（待补充）") == result.output.count("· ")
