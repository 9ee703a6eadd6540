"""The 材料包: one PDF (申报审批表, 附件2, 证明材料清单, the proofs, page numbers) and the ZIP 电子版,
rendered for real with LibreOffice, in chat and from the CLI; a missing LibreOffice said in Chinese."""
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from pypdf import PdfReader

from tests.form_data import fill_all
from tests.support.files import send_file

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")


@pytest.fixture(autouse=True)
def may_2025(may_2025):
    return may_2025


def png(size=(1200, 800), colour=(200, 30, 30, 128)):
    """A landscape picture with transparency (img2pdf refuses alpha: the Pillow path is taken)."""
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGBA", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg(size=(600, 900)):
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def one_page_pdf():
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def text_of(pdf_bytes, tmp_path, first=None, last=None):
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf_bytes)
    command = ["pdftotext", "-layout"]
    if first:
        command += ["-f", str(first), "-l", str(last or first)]
    return subprocess.run(command + [str(path), "-"], capture_output=True, text=True, check=True).stdout


def images_on(page):
    resources = page.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    return [name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"]


def read_file(pushed):
    with open(pushed["path"], "rb") as f:
        return f.read()


PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")


def fonts_of(pdf_bytes, tmp_path):
    """The fonts pdffonts lists: {name without the subset tag: embedded}."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf_bytes)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    fonts = {}
    for line in lines:
        name, embedded = line.split()[0], line.split()[-5]
        fonts[name.split("+")[-1]] = embedded == "yes"
    return fonts


def test_the_package_in_chat_is_one_pdf_in_fangsong_and_a_zip(bot, chat, tmp_path):
    leader = chat("leader")
    leader.send("申报")
    fill_all(leader)
    leader.send("证明 命名单位")
    send_file(bot, name="命名文件.png", data=png())
    leader.send("证明 2023年创收金额")
    send_file(bot, name="财务证明.jpg", data=jpeg())
    leader.send("证明 发明专利")
    send_file(bot, name="发明证书.pdf", data=one_page_pdf())
    send_file(bot, name="说明.bin", data=b"\x00\x01")
    assert "其他证明材料" in leader.send("证明 其他")            # 说明7: a written proof tied to no item
    send_file(bot, name="情况说明.jpg", data=jpeg((800, 600)))
    assert "正在生成申报材料包" in leader.send("导出材料包")
    pushed = leader.pushed_files()
    names = [f["name"] for f in pushed]
    assert names == ["王海隧道掘进劳模创新工作室-2025年度申报材料包.pdf",
                     "王海隧道掘进劳模创新工作室-2025年度申报材料包（电子版）.zip"]
    said = [m["text"] for m in leader.pushed]
    assert "4 份证明材料" in said[0] and "说明.bin（此类文件不能放入 PDF，见电子版）" in said[0]
    assert "附件2 还有" in said[0] and "二（一）制度建立情况（发送「制度」记录已建立的制度）" in said[0]

    pdf = read_file(pushed[0])
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert f"共 {pages} 页" in said[0]
    text = text_of(pdf, tmp_path).split("\f")[:pages]
    # 说明8: every character of the form, 附件2 and the list in FandolFang, a serif FangSong face with
    # Simplified glyphs, embedded; no sans-serif CJK face; the page numbers are in Times
    fonts = fonts_of(pdf, tmp_path)
    assert fonts.get("FandolFang-Regular") is True, fonts
    assert set(fonts) <= {"FandolFang-Regular", "Times-Roman"}, fonts
    assert "骨干成员情况" in "".join(text) and "填表说明" in text[1].replace(" ", "")

    # 说明10: the form's own pages carry no page number; the pages after it are numbered from 1
    materials = next(n for n, page in enumerate(text) if "申报材料" in page and "申报审批表" not in page)
    assert materials >= 4 and materials % 2 == 0 and "申报审批表" in text[0]   # 附件2 starts a new sheet
    for page in text[:materials]:
        assert not PAGE_NUMBER.search(page), page[-200:]
    numbers = [PAGE_NUMBER.findall(page)[-1] for page in text[materials:]]
    assert numbers == [str(n) for n in range(1, pages - materials + 1)]

    # the list: every starred item in form order, its proofs numbered or 缺少证明 / 无需证明; then 其他证明材料
    list_page = next(n for n in range(pages) if "证明材料清单" in text[n])
    listed = [" ".join(line.replace("2023 年", "2023年").split()) for line in text[list_page].splitlines()]
    rows = ("1 命名单位 命名文件.png 附后", "创新成果 — 缺少证明", "2 发明专利 发明证书.pdf 附后",
            "3 发明专利 说明.bin", "4 2023年创收金额 财务证明.jpg 附后", "获奖年份及荣誉称号 — 缺少证明",
            "5 其他证明材料 情况说明.jpg 附后")
    positions = [next((i for i, line in enumerate(listed) if line.startswith(row)), None) for row in rows]
    assert None not in positions and positions == sorted(positions), (positions, listed)
    assert any("国际奖 — 未填写或为 0，无需证明" in line for line in listed), listed
    assert list_page + 5 == pages       # four proof pages follow the list
    landscape, blank, portrait, other = reader.pages[list_page + 1:]
    assert images_on(landscape) and images_on(portrait) and images_on(other) and not images_on(blank)
    for page in (landscape, portrait):
        w, h = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert (round(w), round(h)) == (595, 842)          # A4
    assert float(landscape.mediabox.width) > float(landscape.mediabox.height)

    archive = zipfile.ZipFile(io.BytesIO(read_file(pushed[1])))
    members = archive.namelist()
    assert "王海隧道掘进劳模创新工作室-2025年度申报审批表.docx" in members
    assert "王海隧道掘进劳模创新工作室-2025年度申报材料包.pdf" in members
    assert "证明材料/01-命名单位-命名文件.png" in members and "证明材料/03-发明专利-说明.bin" in members
    assert archive.read("证明材料/04-2023年创收金额-财务证明.jpg") == jpeg()
    assert "证明材料/05-其他证明材料-情况说明.jpg" in members


def test_without_libreoffice_the_package_is_refused_in_chinese(bot, chat):
    bot.config.soffice = "no-such-soffice"
    leader = chat("leader")
    leader.send("申报")
    reply = leader.send("导出材料包")
    assert "没有找到 LibreOffice（no-such-soffice）" in reply and "发送「导出」" in reply
    leader.send("取消")
    leader.press("确认退出")
    assert "没有找到 LibreOffice" in leader.send("导出材料包")
    assert leader.pushed_files() == []


def test_the_package_from_the_cli_and_check_config(bot, chat, tmp_path, monkeypatch):
    from click.testing import CliRunner
    from bot.cli import cli
    leader = chat("leader")
    leader.send("申报")
    leader.send("命名单位：省总工会")
    send_file(bot, name="命名文件.jpg", data=jpeg())
    monkeypatch.setenv("DATABASE_URL", bot.config.database_url)
    monkeypatch.setenv("BOT_FILES_DIR", bot.config.files_dir)
    runner = CliRunner()
    from sqlalchemy import select
    from storage.models import Studio
    with bot.db.session() as s:
        name = s.scalar(select(Studio.name).where(Studio.name.like("%王海%")))
    out = tmp_path / "package.pdf"
    result = runner.invoke(cli, ["export", "package", "--studio", name, "--year", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"已导出材料包：{out}" in result.output and "证明材料 1 份" in result.output
    reader = PdfReader(out)
    assert images_on(reader.pages[-1])
    assert "命名文件.jpg" in text_of(out.read_bytes(), tmp_path, len(reader.pages) - 1)
    assert any(m.endswith("命名文件.jpg") for m in zipfile.ZipFile(out.with_suffix(".zip")).namelist())
    assert "LibreOffice" not in runner.invoke(cli, ["check-config"]).output

    monkeypatch.setenv("BOT_SOFFICE", "no-such-soffice")
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 0 and "警告：没有找到 LibreOffice（no-such-soffice）" in result.output
    result = runner.invoke(cli, ["export", "package", "--studio", name, "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "没有找到 LibreOffice" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.pdf").exists()


def test_pictures_of_every_kind_become_one_a4_page_each():
    from PIL import Image
    from handlers.application import package
    gif = io.BytesIO()
    Image.new("P", (300, 200)).save(gif, "GIF", transparency=0)
    for data in (png(), jpeg(), gif.getvalue()):
        page = PdfReader(io.BytesIO(package.image_to_pdf(data))).pages
        assert len(page) == 1 and images_on(page[0])
        assert sorted(round(float(x)) for x in (page[0].mediabox.width, page[0].mediabox.height)) == [595, 842]
    with pytest.raises(Exception):
        package.image_to_pdf(b"not a picture")


def test_a_worker_without_libreoffice_says_so_in_chinese(bot, chat):
    leader = chat("leader")
    leader.send("申报")
    assert "正在生成申报材料包" in leader.send("导出材料包")
    bot.config.soffice = "no-such-soffice"          # the worker's machine lacks it
    said = leader.inbox()
    assert len(said) == 1 and "没有找到 LibreOffice（no-such-soffice）" in said[0]
    assert leader.pushed_files() == []
