"""The 材料包 (填表说明 11): one PDF of the 申报审批表, the 附件2 materials, a 证明材料清单 and the
proofs themselves, plus a ZIP (the 电子版) with the DOCX, the PDF and the original proof files.

``collect`` reads what goes in (inside a read-only session); ``build`` does the slow part outside
any transaction: LibreOffice headless converts the DOCX files (one run, a private profile per
run, 仿宋 mapped by handlers/application/fonts.py), images are scaled into A4 pages (img2pdf,
Pillow when the image has transparency), PDFs are appended, and pypdf merges them. The official
form's pages are left as they are (说明10: its layout is not changed, so no page number); the
pages after it are numbered 「— 1 —」, 「— 2 —」 … at the foot, as official documents are.
"""
import io
import logging
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from bot.markup import safe_filename
from handlers.application import fonts, materials, proofs as proof_rows, seven_record
from handlers.application.docx_layout import Cell, Row, _new_document, _paragraph, _table
from handlers.application.render import render

log = logging.getLogger("bot.package")

CONVERT_TIMEOUT = 300            # seconds LibreOffice may take for one package
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
OFFICE_EXTS = {".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".rtf", ".wps", ".txt"}
A4 = (595.28, 841.89)            # points
MARGIN = 36.0                    # 12.7 mm: the page number stays clear of the picture
NUMBER_SIZE = 14                 # 四号, as official documents number their pages (GB/T 9704)


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
class Starred:
    label: str              # a starred item of the form
    key: str
    needed: bool            # its answer states something a proof must back


@dataclass
class Contents:
    studio: str
    year: int
    docx: bytes
    materials: bytes
    proofs: list = field(default_factory=list)
    starred: list = field(default_factory=list)     # every starred item, in form order
    to_supply: list = field(default_factory=list)   # 附件2 headings still 「（待补充）」
    left_out: list = field(default_factory=list)    # what 附件2 did not take, and why

    @property
    def base(self):
        return safe_filename(f"{self.studio}-{self.year}年度")


def collect(session, config, app):
    """Everything the package is made of, read in the caller's (read-only) session."""
    docx, _ = render(session, config, app)
    form, _, status = proof_rows.status(session, app)
    draft = materials.draft(session, config, app)
    order = {item.key: n for n, item in enumerate(form.items)}
    # form order, then the 七有 records' proofs by record, then 说明7's 其他证明材料; each in the order received
    rows = sorted(proof_rows.proofs_of(session, app.id),
                  key=lambda r: (order.get(r[0].field_key, len(order)), r[0].field_key == proof_rows.OTHER.key,
                                 r[0].field_key if r[0].field_key not in order else "", r[0].id))
    proofs = []
    for n, (att, stored) in enumerate(rows, 1):
        path = stored.path if stored.path and Path(stored.path).is_file() else ""
        proofs.append(Proof(n, proof_label(form, att.field_key), stored.name, path))
    starred = [Starred(item.qualified, item.key, needed) for item, _, needed in status]
    return Contents(app.studio.name, app.year, docx, draft.docx(), proofs, starred, draft.to_supply(), draft.left_out)


def proof_label(form, key):
    """The name a proof's item is listed with: the starred item, a 七有 record, or 其他证明材料."""
    item = form.by_key.get(key)
    if item is not None:
        return item.qualified
    if key == proof_rows.OTHER.key:
        return proof_rows.OTHER.qualified
    return seven_record.key_label(key) or proof_rows.OTHER.qualified


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
        form = (out / "01-form.pdf").read_bytes()
        parts = [(out / f"{name}.pdf").read_bytes() for name in ("02-materials", "03-list")]
        parts += [proof_pdfs[p.number] for p in contents.proofs if p.number in proof_pdfs]
        pdf, pages = merge(form, parts)
    pdf_name = f"{contents.base}申报材料包.pdf"
    zip_name = f"{contents.base}申报材料包（电子版）.zip"
    return pdf, electronic_zip(contents, pdf, pdf_name), pdf_name, zip_name, pages


def convert(soffice, sources, outdir, profile):
    """DOCX (and other office files) → PDF with LibreOffice headless, a private profile per run."""
    command = [soffice, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=CONVERT_TIMEOUT, check=False,
                                env=fonts.environment())
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


def merge(form, parts):
    """The form's pages as they are (and a blank back page when they are odd: 说明11 asks for two-sided
    printing, so what follows starts on a new sheet), then ``parts``' pages numbered 「— n —」 from 1;
    (bytes, all pages)."""
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(form)).pages:
        writer.add_page(page)
    if len(writer.pages) % 2:
        last = writer.pages[-1].mediabox
        writer.add_blank_page(width=float(last.width), height=float(last.height))
    first = len(writer.pages)
    for data in parts:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    for n, page in enumerate(writer.pages[first:], 1):
        page.transfer_rotation_to_content()
        page.merge_page(_number_page(page, n))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), len(writer.pages)


def _number_page(page, n):
    """An overlay with 「— n —」 centred at the page's foot in Times (the serif of the standard 14)."""
    from pypdf import PageObject
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject
    box = page.mediabox
    width, left, bottom = float(box.width), float(box.left), float(box.bottom)
    overlay = PageObject.create_blank_page(width=width, height=float(box.height))
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Times-Roman"),
                             NameObject("/Encoding"): NameObject("/WinAnsiEncoding")})
    overlay[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/FPageNo"): font})})
    text = f"\x97 {n} \x97"                          # em dashes (WinAnsi 0x97) around the number
    ems = 2 * 1.0 + 2 * 0.25 + 0.5 * len(str(n))     # Times: em dash 1, space 0.25, digit 0.5 em
    x = left + (width - ems * NUMBER_SIZE) / 2
    stream = DecodedStreamObject()
    stream.set_data(f"q BT /FPageNo {NUMBER_SIZE} Tf {x:.1f} {bottom + 12:.1f} Td ({text}) Tj ET Q".encode("latin-1"))
    overlay[NameObject("/Contents")] = stream
    return overlay


def list_docx(contents):
    """The 证明材料清单: every starred item in form order with its proofs, numbered, or 缺少证明 /
    无需证明 when it has none; then the 七有 records' proofs and 说明7's 其他证明材料."""
    document = _new_document()
    _paragraph(document, "证明材料清单", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(16))
    _paragraph(document, f"工作室：{contents.studio}    申报年度：{contents.year}")
    _paragraph(document, "说明：表中带 * 的项目均须提供证明复印件，经济效益须为加盖单位财务章的原件；"
                         "其他需要说明的内容可附书面证明材料（填表说明 7）。证明材料按下表顺序附在本页之后。")
    _paragraph(document)
    rows = [Row([Cell("序号", LIST_COLUMNS[0], bold=True), Cell("证明的项目", LIST_COLUMNS[1], bold=True),
                 Cell("文件", LIST_COLUMNS[2], bold=True), Cell("备注", LIST_COLUMNS[3], bold=True)], header=True)]
    by_label = {}
    for proof in contents.proofs:
        by_label.setdefault(proof.label, []).append(proof)
    labels = [item.label for item in contents.starred]
    labels += [label for label in by_label if label not in labels]
    needed = {item.label: item.needed for item in contents.starred}
    for label in labels:
        for proof in by_label.get(label, []):
            rows.append(_list_row(str(proof.number), label, proof.name, proof.note or "附后"))
        if label not in by_label:
            rows.append(_list_row("", label, "—", "缺少证明" if needed.get(label) else "未填写或为 0，无需证明"))
    _table(document, rows)
    return _save(document)


# 序号 holds two characters, the item its longest label (获奖年份及荣誉称号), the note 「未填写或为 0，无需证明」
LIST_COLUMNS = (14, 44, 58, 50)
_NAME_BREAKS = re.compile(r"(?<=[_\-.（）()])|(?<=[\u4e00-\u9fff])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[\u4e00-\u9fff])")


def breakable(name):
    """A file name that wraps where a reader would break it — after _ - . and brackets, between Chinese and
    Latin — never inside a word or a number (a zero-width space marks each place; nothing is printed)."""
    return _NAME_BREAKS.sub("\u200b", name or "")


def _list_row(number, label, name, note):
    left = WD_ALIGN_PARAGRAPH.LEFT
    return Row([Cell(number, LIST_COLUMNS[0]), Cell(label, LIST_COLUMNS[1], align=left),
                Cell(breakable(name), LIST_COLUMNS[2], align=left), Cell(note, LIST_COLUMNS[3], align=left)])


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
