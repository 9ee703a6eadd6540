"""The 材料包 (填表说明 11): one PDF of the 申报审批表, the 附件2 materials, a 证明材料清单 and the
proofs themselves, page-numbered, plus a ZIP (the 电子版) with the DOCX, the PDF and the original
proof files.

``collect`` reads what goes in (inside a read-only session); ``build`` does the slow part outside
any transaction: LibreOffice headless converts the DOCX files (one run, a private profile per
run), images are scaled into A4 pages (img2pdf, Pillow when the image has transparency), PDFs are
appended, and pypdf merges and stamps the page numbers.
"""
import io
import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.markup import safe_filename
from handlers.application import seven_record
from handlers.application.docx_layout import _run
from handlers.application.attachment2 import render_materials_docx
from handlers.application.proofs import proofs_of
from handlers.application.render import render
from handlers.application.schema import application_form
from handlers.ledgers.export import ledgers_for_materials
from storage import applications

log = logging.getLogger("bot.package")

CONVERT_TIMEOUT = 300            # seconds LibreOffice may take for one package
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
OFFICE_EXTS = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".rtf", ".wps", ".txt"}
A4 = (595.28, 841.89)            # points
MARGIN = 36.0                    # 12.7 mm: the page number stays clear of the picture


class PackageError(Exception):
    """The package cannot be made; the message (Chinese) says why and what to do."""


def no_soffice_text(config):
    return (f"服务器上没有找到 LibreOffice（{config.soffice}），暂不能生成 PDF 材料包。"
            "请联系管理员安装 LibreOffice（或设置 BOT_SOFFICE）后再试；申报审批表的 Word 文件可以发送「导出」获取。")


def soffice_path(config):
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which(config.soffice)


@dataclass
class Proof:
    number: int
    label: str              # the starred item it proves
    name: str               # the file's name as received
    path: str               # '' while the media is still being downloaded
    note: str = ""          # why it is not in the PDF (then only in the 电子版)


@dataclass
class Contents:
    studio: str
    year: int
    docx: bytes
    materials: bytes
    proofs: list = field(default_factory=list)

    @property
    def base(self):
        return safe_filename(f"{self.studio}-{self.year}年度")


def collect(session, config, app):
    """Everything the package is made of, read in the caller's (read-only) session."""
    docx, _ = render(session, config, app)
    form = application_form(app.year)
    values = form.complete_values(applications.load_answers(session, app.id))
    ledgers = ledgers_for_materials(session, app.studio_id, [app.year - 2, app.year - 1])
    materials = render_materials_docx(form, values, year=app.year, org_name=config.org_name, ledgers=ledgers,
                                      record=seven_record.facts(session, app))
    order = {item.key: n for n, item in enumerate(form.items)}
    rows = sorted(proofs_of(session, app.id), key=lambda r: (order.get(r[0].field_key, len(order)), r[0].id))
    proofs = []
    for n, (att, stored) in enumerate(rows, 1):
        item = form.by_key.get(att.field_key)
        path = stored.path if stored.path and Path(stored.path).is_file() else ""
        label = item.qualified if item is not None else seven_record.key_label(att.field_key) or "其他"
        proofs.append(Proof(n, label, stored.name, path))
    return Contents(app.studio.name, app.year, docx, materials, proofs)


# -- building -------------------------------------------------------------------------------------

def build(contents, config):
    """(pdf bytes, zip bytes, pdf file name, zip file name, page count). Raises PackageError."""
    soffice = soffice_path(config)
    if soffice is None:
        raise PackageError(no_soffice_text(config))
    with tempfile.TemporaryDirectory(prefix="bot-package-") as tmp:
        work = Path(tmp)
        src, out = work / "src", work / "out"
        src.mkdir()
        out.mkdir()
        (src / "01-form.docx").write_bytes(contents.docx)
        (src / "02-materials.docx").write_bytes(contents.materials)
        proof_pdfs = {}
        to_convert = [src / "01-form.docx", src / "02-materials.docx", src / "03-list.docx"]
        for proof in contents.proofs:
            ext = Path(proof.name).suffix.lower() or Path(proof.path).suffix.lower()
            if not proof.path:
                proof.note = "文件尚未接收完成，未放入"
            elif ext in IMAGE_EXTS:
                try:
                    proof_pdfs[proof.number] = image_to_pdf(Path(proof.path).read_bytes())
                except Exception as exc:          # a broken picture must not stop the package
                    log.warning("package: image %s not converted: %s", proof.name, exc)
                    proof.note = "图片无法转换，见电子版"
            elif ext == ".pdf":
                if _readable_pdf(Path(proof.path).read_bytes()):
                    proof_pdfs[proof.number] = Path(proof.path).read_bytes()
                else:
                    proof.note = "PDF 无法读取，见电子版"
            elif ext in OFFICE_EXTS:
                target = src / f"p{proof.number:03d}{ext}"
                shutil.copyfile(proof.path, target)
                to_convert.append(target)
            else:
                proof.note = "此类文件不能放入 PDF，见电子版"
        (src / "03-list.docx").write_bytes(list_docx(contents))
        convert(soffice, to_convert, out, work / "profile")
        for proof in contents.proofs:
            converted = out / f"p{proof.number:03d}.pdf"
            if proof.number not in proof_pdfs and not proof.note:
                if converted.is_file():
                    proof_pdfs[proof.number] = converted.read_bytes()
                else:
                    proof.note = "文件无法转换，见电子版"
        parts = [(out / f"{name}.pdf").read_bytes() for name in ("01-form", "02-materials", "03-list")]
        parts += [proof_pdfs[p.number] for p in contents.proofs if p.number in proof_pdfs]
        pdf, pages = merge_with_page_numbers(parts)
    pdf_name = f"{contents.base}申报材料包.pdf"
    zip_name = f"{contents.base}申报材料包（电子版）.zip"
    return pdf, electronic_zip(contents, pdf, pdf_name), pdf_name, zip_name, pages


def convert(soffice, sources, outdir, profile):
    """DOCX (and other office files) → PDF with LibreOffice headless, a private profile per run."""
    command = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackageError(f"LibreOffice 转换 PDF 失败（{type(exc).__name__}），请稍后再试或联系管理员。") from exc
    missing = [s.name for s in sources[:3] if not (outdir / f"{s.stem}.pdf").is_file()]
    if missing:
        log.error("package: soffice exit %s, stderr %s", result.returncode, result.stderr[-2000:])
        raise PackageError("LibreOffice 没能把申报表转换成 PDF，请稍后再试或联系管理员。")


def image_to_pdf(data):
    """One A4 page with the image scaled into it (10 mm margins), turned to landscape when wider."""
    import img2pdf
    layout = img2pdf.get_layout_fun(A4, None, (MARGIN, MARGIN), img2pdf.FitMode.into, True)
    try:
        return img2pdf.convert(data, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)
    except (img2pdf.AlphaChannelError, img2pdf.ImageOpenError, ValueError, TypeError):
        from PIL import Image
        image = Image.open(io.BytesIO(data))
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.split()[-1])
            image = flat
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=90)
        return img2pdf.convert(buffer.getvalue(), layout_fun=layout)


def _readable_pdf(data):
    from pypdf import PdfReader
    try:
        return len(PdfReader(io.BytesIO(data)).pages) > 0
    except Exception:
        return False


def merge_with_page_numbers(parts):
    """The PDFs one after the other, each page stamped 「- n / N -」 at the foot; (bytes, N)."""
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter()
    for data in parts:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    total = len(writer.pages)
    for n, page in enumerate(writer.pages, 1):
        page.transfer_rotation_to_content()
        page.merge_page(_number_page(page, f"- {n} / {total} -"))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), total


def _number_page(page, text):
    from pypdf import PageObject
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject
    box = page.mediabox
    width, left, bottom = float(box.width), float(box.left), float(box.bottom)
    overlay = PageObject.create_blank_page(width=width, height=float(box.height))
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    overlay[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/FPageNo"): font})})
    x = left + width / 2 - len(text) * 2.5          # Helvetica digits are 0.556 em: about centred at 9 pt
    stream = DecodedStreamObject()
    stream.set_data(f"q BT /FPageNo 9 Tf {x:.1f} {bottom + 14:.1f} Td ({text}) Tj ET Q".encode("ascii"))
    overlay[NameObject("/Contents")] = stream
    return overlay


def list_docx(contents):
    """The 证明材料清单: every proof, numbered, with the item it proves."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, "证明材料清单", bold=True, size=Pt(16))
    _run(document.add_paragraph(), f"工作室：{contents.studio}    申报年度：{contents.year}")
    _run(document.add_paragraph(), "说明：表中带 * 的项目均须提供证明复印件，经济效益须为加盖单位财务章的原件。"
                                   "证明材料按下表顺序附在本页之后。")
    if not contents.proofs:
        _run(document.add_paragraph(), "（暂无证明材料）")
        return _save(document)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("序号", "证明的项目", "文件", "备注")):
        _run(cell.paragraphs[0], text, bold=True)
    for proof in contents.proofs:
        cells = table.add_row().cells
        for cell, text in zip(cells, (str(proof.number), proof.label, proof.name, proof.note or "附后")):
            _run(cell.paragraphs[0], text)
    return _save(document)


def _save(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def electronic_zip(contents, pdf, pdf_name):
    """The 电子版: the 申报审批表 and 附件2 DOCX, the package PDF, and every proof as received."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{contents.base}申报审批表.docx", contents.docx)
        archive.writestr(f"{contents.base}附件2申报材料.docx", contents.materials)
        archive.writestr(pdf_name, pdf)
        for proof in contents.proofs:
            if proof.path:
                archive.write(proof.path, f"证明材料/{proof.number:02d}-{safe_filename(proof.label)}-"
                                          f"{safe_filename(proof.name)}")
    return buffer.getvalue()
