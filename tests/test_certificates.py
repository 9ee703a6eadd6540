"""Certificates and the 命名文件: numbered from the configured pattern, unique and never reused, rendered
by the worker from the Word templates to PDF in 仿宋 (read back with pdftotext), the 牌匾 list ticked
off, and a withdrawn title voiding its certificate. Services, on both engines."""
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.errors import UserError
from bot.tasks import TaskRunner
from handlers.services import certificates, publicity, spotchecks
from tests.support.clock import clock
from storage.models import Application, AuditEntry, SpotCheck, SpotCheckResult, StoredFile
from storage.office import Certificate, NamingDocument
from tests.chat import Chat
from tests.support.office import assessed_year, ctx, moment, office_year

YEAR = 2026


def pdf_text(path):
    """The PDF's text in reading order, without spaces or line breaks (table cells wrap)."""
    out = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def pdf_fonts(path):
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def named(make_bot):
    """Three studios named on 2026-09-10 after their 公示 (quota 3)."""
    bot = make_bot(naming_quota=3, certificate_prefix="工创证", naming_doc_prefix="工联字")
    clock.set_now(moment(2026, 8, 20))
    apps = office_year(bot, YEAR)["apps"]
    assessed_year(bot, dict(zip(apps, (95, 90, 85, 80))))
    clock.set_now(moment(2026, 9, 1))
    with bot.db.transaction() as s:
        publicity.publish(ctx(bot, s, "group"), YEAR)
    clock.set_now(moment(2026, 9, 10))
    with bot.db.transaction() as s:
        for app_id in apps[:3]:
            publicity.decide(ctx(bot, s, "group"), app_id, publicity.NAME)
    return bot, apps


def test_numbered_documents_rendered_as_pdf_in_fangsong(named, tmp_path):
    bot, apps = named
    with bot.db.transaction() as s:
        with pytest.raises(UserError, match="仅限"):
            certificates.issue(ctx(bot, s, "lead0"), YEAR)
        out = certificates.issue(ctx(bot, s, "group"), YEAR, date(2026, 9, 15))
        assert out["document"].number == "工联字〔2026〕001号"
        assert [c.number for c in out["certificates"]] == ["工创证〔2026〕001号", "工创证〔2026〕002号", "工创证〔2026〕003号"]
        with pytest.raises(UserError, match="没有待印发证书的已命名工作室"):
            certificates.issue(ctx(bot, s, "group"), YEAR)
    office = Chat(bot, "group")
    office.inbox()                                   # the worker renders (LibreOffice) and sends the PDFs
    files = [p["file"] for p in office.pushed if p.get("file")]
    assert [f["name"] for f in files] == ["工联字〔2026〕001号-命名文件.pdf",
                                          "工创证〔2026〕001号-港口工程0号创新工作室-证书.pdf",
                                          "工创证〔2026〕002号-桥梁施工1号创新工作室-证书.pdf",
                                          "工创证〔2026〕003号-隧道盾构2号创新工作室-证书.pdf"]
    document = pdf_text(files[0]["path"])
    for words in ("中国交建工会联合会文件", "工联字〔2026〕001号", "关于命名2026年度", "一次性经费支持5万元",
                  "港口工程0号创新工作室", "工创证〔2026〕003号", "2026年9月15日", "领衔人0"):
        assert words in document, words
    certificate = pdf_text(files[1]["path"])
    for words in ("荣誉证书", "港口工程0号创新工作室：", "劳模（工匠人才）创新工作室", "特发此证", "2026年9月10日",
                  "证书编号：工创证〔2026〕001号"):
        assert words in certificate, words
    assert "FandolFang" in pdf_fonts(files[1]["path"])
    for f in files[:2]:                              # looked at as rendered pages (PNG) in development
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", f["path"], str(tmp_path / Path(f["path"]).stem)],
                       check=True)
    assert len(list(tmp_path.glob("*.png"))) == 2
    with bot.db.session() as s:
        assert all(c.file_id for c in s.scalars(select(Certificate)))
        assert s.get(StoredFile, s.scalar(select(NamingDocument)).file_id).content_type == "application/pdf"


def test_numbers_are_never_reused_and_a_withdrawn_title_voids_its_certificate(named):
    bot, apps = named
    with bot.db.transaction() as s:
        first = certificates.issue(ctx(bot, s, "group"), YEAR)["certificates"]
    TaskRunner(bot).run_all()
    with bot.db.transaction() as s:                 # a spot check withdraws the first studio's title
        studio_id = first[0].studio_id
        check = SpotCheck(seed="x", candidates=[studio_id], chosen=[studio_id], due_on=date(2026, 10, 9),
                          created_at=clock.utcnow())
        s.add(check)
        s.flush()
        s.add(SpotCheckResult(spot_check_id=check.id, studio_id=studio_id, result=""))
        s.flush()
        spotchecks.record_result(ctx(bot, s, "group"), studio_id, "撤销称号", "一年无活动", grounds=["工作不积极"])
        cert = s.scalar(select(Certificate).where(Certificate.studio_id == studio_id))
        assert (cert.status, cert.void_reason) == ("void", "第 1 次抽查撤销称号：工作不积极")
        with pytest.raises(UserError, match="证书 工创证〔2026〕001号 已作废"):
            certificates.mark_plaque(ctx(bot, s, "group"), cert.id, "已送达")
    with bot.db.transaction() as s:                 # a later naming continues the sequences, the void number stays taken
        app = s.get(Application, apps[3])
        app.status, app.studio.status, app.studio.named_on = "named", "named", date(2026, 9, 20)
        again = certificates.issue(ctx(bot, s, "group"), YEAR)
        assert again["document"].number == "工联字〔2026〕002号"
        assert [c.number for c in again["certificates"]] == ["工创证〔2026〕004号"]
    with bot.db.transaction() as s:
        numbers = [c.number for c in s.scalars(select(Certificate).order_by(Certificate.sequence))]
        assert numbers == ["工创证〔2026〕001号", "工创证〔2026〕002号", "工创证〔2026〕003号", "工创证〔2026〕004号"]
        assert certificates.listing(ctx(bot, s, "group"), YEAR)[0].status == "void"
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.void")).detail.startswith("第 1 次抽查")


def test_the_plaque_list_is_ticked_off(named):
    bot, _ = named
    with bot.db.transaction() as s:
        certs = certificates.issue(ctx(bot, s, "group"), YEAR)["certificates"]
        assert certs[0].plaque_text == "中国交建劳模（工匠人才）创新工作室｜港口工程0号创新工作室｜中国交建工会联合会 2026年命名"
        with pytest.raises(UserError, match="牌匾状态只能是"):
            certificates.mark_plaque(ctx(bot, s, "group"), certs[0].id, "丢失")
        certificates.mark_plaque(ctx(bot, s, "group"), certs[0].id, "已制作")
        certificates.mark_plaque(ctx(bot, s, "admin"), certs[0].id, "已送达", date(2026, 10, 8))
        assert certificates.mark_plaque(ctx(bot, s, "group"), certs[0].id, "已送达").what == "unchanged"
    with bot.db.session() as s:
        cert = s.get(Certificate, certs[0].id)
        assert (cert.plaque_status, cert.plaque_on) == ("已送达", date(2026, 10, 8))
        rows = s.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.plaque").order_by(AuditEntry.id)).all()
        assert [r.after["status"] for r in rows] == ["已制作", "已送达"]


def test_the_number_pattern_is_a_validated_setting():
    from bot.config import Config
    from bot.errors import ConfigError
    assert Config.from_env(environ={"BOT_CERTIFICATE_PATTERN": "{prefix}-{year}-{seq:04d}"}).number("A", 2026, 7) == \
        "A-2026-0007"
    for bad in ("{prefix}{year}", "{prefix}{seq}", "{prefix}{year}{seq:x}{", "{year}{seq}{other}"):
        with pytest.raises(ConfigError, match="BOT_CERTIFICATE_PATTERN"):
            Config.from_env(environ={"BOT_CERTIFICATE_PATTERN": bad})
