"""The documents in print (填表说明 8, 10): 仿宋 is FandolFang for LibreOffice, it has a glyph for every
character the form, 附件2 and the 证明材料清单 print, the PDFs embed no other face, no page of 附件2
holds only a placeholder or ends on a heading, and check-config warns when 仿宋 is missing."""
import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from bot.cli import cli
from handlers.application import fonts, package, proofs
from handlers.application.attachment2 import TO_FILL, render_materials_docx
from handlers.application.docx_render import render_application_docx
from handlers.application.schema import application_form
from tests.support.documents import LEDGERS, OPINIONS, OUTLINE, YEAR, _answers, _members, _tool


def _charset(path):
    """The code points a font file covers, as fontconfig reads them."""
    out = subprocess.run([_tool("fc-query"), "--format=%{charset}", path], capture_output=True, text=True,
                         check=True).stdout
    points = set()
    for part in out.split():
        first, _, last = part.partition("-")
        points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


LONG_NAME = "innovation_results_certificate_scan_final.pdf"


def _documents():
    """{name: DOCX bytes}: the form, 附件2 full and empty, and the 证明材料清单 of every starred item."""
    form = application_form(YEAR)
    listed = package.Contents("李建国盾构隧道智能建造劳模创新工作室", YEAR, b"", b"", starred=[
        package.Starred(item.qualified, item.key, n % 2 == 0) for n, item in enumerate(proofs.starred(form))])
    listed.proofs = [package.Proof(1, "命名单位", "命名文件（扫描件）.pdf", "", "文件尚未接收完成，未放入"),
                     package.Proof(2, proofs.OTHER.qualified, "情况说明.docx", ""),
                     package.Proof(3, "创新成果", LONG_NAME, ""), package.Proof(4, "发明专利", "ZL202310123456.7发明专利证书.pdf", "")]
    return {"form": render_application_docx(form, _answers(), year=YEAR, opinions=OPINIONS),
            "materials": render_materials_docx(form, _answers(), year=YEAR, ledgers=LEDGERS),
            "empty": render_materials_docx(form, {"cover.name": "张三工作室"}, year=YEAR),
            "list": package.list_docx(listed)}


def _text(data):
    document = docx.Document(io.BytesIO(data))
    return "".join(t.text or "" for t in document.element.body.iter(docx.oxml.ns.qn("w:t")))


def test_fangsong_is_fandolfang_and_covers_every_printed_character():
    face = fonts.fangsong_face()
    if face is None and not shutil.which("fc-match"):
        pytest.skip("fontconfig is not installed")
    assert face is not None, "FandolFang (texlive-lang-chinese) is not installed: run `make system`"
    family, path = face
    assert family == "FandolFang" and path.endswith("FandolFang-Regular.otf")
    langs = subprocess.run([_tool("fc-query"), "--format=%{lang}", path], capture_output=True, text=True).stdout
    assert "zh-cn" in langs.split("|")                   # Simplified glyphs (cwTeX 仿宋 has zh-tw only)
    covered = _charset(path)
    for name, data in _documents().items():
        # a zero-width space (where a file name may wrap) is a format character: nothing is printed for it
        missing = sorted({c for c in _text(data) if not c.isspace() and unicodedata.category(c) != "Cf"
                          and ord(c) not in covered})
        assert not missing, (name, missing)


def _convert(documents, tmp_path):
    sources = []
    for name, data in documents.items():
        sources.append(tmp_path / f"{name}.docx")
        sources[-1].write_bytes(data)
    profile = Path(tempfile.mkdtemp(prefix="lo-", dir="/tmp"))
    try:
        package.convert(_tool("soffice"), sources, tmp_path, profile)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return {name: tmp_path / f"{name}.pdf" for name in documents}


def _fonts(pdf):
    lines = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout
    return {line.split()[0].split("+")[-1] for line in lines.splitlines()[2:]}


def _pages(pdf):
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in text.split("\f")[:-1]]


HEADINGS = {re.sub(r"\s+", "", h) for h in OUTLINE}


def test_the_documents_print_in_fangsong_and_no_page_holds_only_a_placeholder(tmp_path):
    documents = _documents()
    answers = _answers()
    # other numbers of core members put 附件2's headings at other places on the pages
    for count in (3, 13):
        documents[f"materials{count}"] = render_materials_docx(
            application_form(YEAR), dict(answers, members=_members(count)), year=YEAR, ledgers=LEDGERS)
    for name, pdf in _convert(documents, tmp_path).items():
        assert _fonts(pdf) == {"FandolFang-Regular"}, name        # no sans, no Japanese face, nothing else
        if name == "form":
            continue
        pages = _pages(pdf)
        assert pages, name
        for n, lines in enumerate(pages, 1):
            said = [line for line in lines if not re.sub(r"\s+", "", line).endswith(TO_FILL)
                    and re.sub(r"\s+", "", line) not in HEADINGS]
            assert said, (name, n, lines)                           # not only placeholders and headings
            if n < len(pages):
                assert re.sub(r"\s+", "", lines[-1]) not in HEADINGS, (name, n, lines[-1])


def test_check_config_warns_when_fangsong_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (check-config says that first)")
    runner = CliRunner()
    assert "仿宋" not in runner.invoke(cli, ["check-config"]).output
    bare = tmp_path / "fonts.conf"           # the system's fonts only: 仿宋 is then a sans-serif stand-in
    bare.write_text('<?xml version="1.0"?><fontconfig><include ignore_missing="yes">/etc/fonts/fonts.conf'
                    '</include></fontconfig>', encoding="utf-8")
    monkeypatch.setattr(fonts, "CONFIG", bare)
    result = runner.invoke(cli, ["check-config"])
    assert result.exit_code == 0 and "警告：没有找到仿宋字体" in result.output and "texlive-lang-chinese" in result.output


def test_core_member_rows_continued_on_a_page_have_their_header_there_and_file_names_wrap_between_words(tmp_path):
    form = application_form(YEAR)
    answers = dict(_answers(), members=_members(16))
    answers["basics.type"] = ["技术攻关", "技能传授", "其他（智能建造）"]
    documents = {"form": render_application_docx(form, answers, year=YEAR), "list": _documents()["list"]}
    pdfs = _convert(documents, tmp_path)
    pages = _pages(pdfs["form"])
    names = [m["name"] for m in answers["members"][:14]]
    with_members = [lines for lines in pages if any(line.startswith(n) for line in lines for n in names)]
    assert len(with_members) == 2                    # the 14 printed rows do not fit on one page here
    for lines in with_members:
        first = next(i for i, line in enumerate(lines) if any(line.startswith(n) for n in names))
        header = [re.sub(r"\s+", "", line) for line in lines[:first]]
        assert "工作室骨干成员情况（可附表）" in header, lines[:first]
        assert any(h.startswith("姓名性别") and h.endswith("主要分工") for h in header), lines[:first]
    boxes = next(line for page in pages for line in page if "技术攻关" in line)
    assert "■技术攻关" in boxes.replace(" ", "") and "■技能传授" in boxes.replace(" ", "")
    assert any("■其他（智能建造）" in line.replace(" ", "") for page in pages for line in page)
    listed = [line for page in _pages(pdfs["list"]) for line in page]
    at = next(i for i, line in enumerate(listed) if "innovation_" in line)
    head = re.search(r"innovation_[A-Za-z0-9_.]*", listed[at]).group()
    if head != LONG_NAME:                               # wrapped after a separator, never inside a word
        assert head.endswith(("_", ".")), head
        tails = [t for line in listed[at + 1:at + 3] for t in re.findall(r"[A-Za-z0-9_.]+", line)]
        assert LONG_NAME.removeprefix(head) in tails, (head, listed[at:at + 3])
    assert any("ZL202310123456.7" in line for line in listed)         # a number is never cut
