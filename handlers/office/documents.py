"""The office's documents from the Word templates in handlers/office/templates/ (docxtpl, 仿宋): the
公示名单, the 命名文件, the certificates and the 成果汇编; and their PDFs through LibreOffice.

Templates are ordinary Word files with Jinja tags (autoescaped: a name typed with < or & stays text);
the PDF conversion is the 材料包's (handlers/application/package.py ``convert``, 仿宋 mapped to
FandolFang by handlers/application/fonts.py). Converting is slow: only the worker calls ``to_pdf``
(handlers/office/document_tasks.py).
"""
import io
import tempfile
from pathlib import Path

from docxtpl import DocxTemplate

from handlers.application import package

TEMPLATES = Path(__file__).with_name("templates")


def chinese_day(day):
    return f"{day.year}年{day.month}月{day.day}日"


def render(template, context):
    """DOCX bytes of ``template`` (a name in templates/) filled with ``context``."""
    document = DocxTemplate(str(TEMPLATES / f"{template}.docx"))
    document.render(context, autoescape=True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_pdf(config, documents):
    """{name: DOCX bytes} → {name: PDF bytes} in one LibreOffice run. Raises package.PackageError."""
    soffice = package.soffice_path(config)
    if soffice is None:
        raise package.PackageError(package.no_soffice_text(config))
    with tempfile.TemporaryDirectory(prefix="bot-office-") as tmp:
        work = Path(tmp)
        src, out = work / "src", work / "out"
        src.mkdir()
        out.mkdir()
        sources = []
        for n, data in enumerate(documents.values()):
            path = src / f"d{n:04d}.docx"
            path.write_bytes(data)
            sources.append(path)
        package.convert(soffice, sources, out, work / "profile")
        result = {}
        for name, path in zip(documents, sources):
            pdf = out / f"{path.stem}.pdf"
            if not pdf.is_file():
                raise package.PackageError("LibreOffice 没能把文件转换成 PDF，请稍后再试或联系管理员。")
            result[name] = pdf.read_bytes()
        return result


def publicity_docx(config, publicity, rows):
    return render("publicity", {
        "year": publicity.year, "org": config.org_name, "union": config.union_name, "number": publicity.number,
        "starts": chinese_day(publicity.starts_on), "ends": chinese_day(publicity.ends_on),
        "days": publicity.working_days, "date": chinese_day(publicity.starts_on),
        "rows": [{"n": n, "name": r.name, "unit": r.unit, "leader": r.leader, "field": r.field}
                 for n, r in enumerate(rows, 1)]})


def naming_docx(config, document, rows):
    """``rows``: [(StudioRow, certificate number)]."""
    return render("naming_document", {
        "year": document.year, "org": config.org_name, "union": config.union_name, "number": document.number,
        "grant": document.grant_wan, "date": chinese_day(document.issued_on),
        "rows": [{"n": n, "name": r.name, "unit": r.unit, "leader": r.leader, "certificate": number}
                 for n, (r, number) in enumerate(rows, 1)]})


def certificate_docx(config, certificate, row):
    return render("certificate", {
        "studio": row.name, "unit": row.unit, "leader": row.leader, "org": config.org_name,
        "union": config.union_name, "number": certificate.number, "date": chinese_day(certificate.named_on)})


def brochure_docx(config, title, day, rows):
    """``rows``: dicts with n, title, studio, unit, kind, level, date, applied, detail."""
    return render("brochure", {"title": title, "union": config.union_name, "date": chinese_day(day), "rows": rows})
