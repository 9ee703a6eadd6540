"""The console's 证书与牌匾 (/console/certificates): issuing the year's numbered 命名文件 and certificates
(rendered to PDF by the worker: "正在生成" until the files are stored), their list with numbers and
downloads, void ones marked, and the 牌匾 list ticked off and exported.

Every change calls handlers/services/certificates.py (numbers, audit rows, the rendering task).
"""
import uuid
from datetime import date
from pathlib import Path

from flask import g, request
from sqlalchemy import select

from bot.console import access, export
from bot.console.assessment import act, back, chosen_year, service
from bot.console.render import render
from bot.errors import UserError
from handlers.office import document_tasks, documents
from handlers.policy import Do
from handlers.services import certificates
from storage import audit
from storage.models import Application, StoredFile, Task
from storage.office import Certificate, NamingDocument
from storage.statuses import AppStatus

BASE = "/console/certificates"
PDF = "application/pdf"


def register(bp, bot):

    @bp.get("/certificates")
    @access.page(Do.CERTIFICATES, "证书与牌匾")
    def certificates_page():
        year = chosen_year()
        with bot.db.reading() as session:
            page = _page_data(service(session), session, year)
        return render("console/certificates.html", block="documents", title="证书与牌匾", year=year,
                      statuses=certificates.PLAQUE_STATUSES, today=bot.clock.today(), **page)

    @bp.post("/certificates/issue")
    @access.page(Do.CERTIFICATES, "印发命名文件")
    def certificates_issue():
        year = chosen_year()
        try:
            issued_on = date.fromisoformat(request.form.get("issued_on", "")) if request.form.get("issued_on") else None
        except ValueError:
            issued_on = None
        act(lambda ctx: certificates.issue(ctx, year, issued_on),
            lambda o: (f"已印发命名文件 {o['document'].number}，证书 {len(o['certificates'])} 张"
                       f"（{o['certificates'][0].number} 至 {o['certificates'][-1].number}）。"
                       "PDF 正在生成，完成后可在本页下载，也会通过聊天发送给您。"))
        return back(BASE, year)

    @bp.post("/certificates/documents/<int:document_id>/render")
    @access.page(Do.CERTIFICATES, "生成命名文件")
    def certificates_render(document_id):
        year = chosen_year()
        act(lambda ctx: certificates.render_again(ctx, document_id,
                                                  dedupe_key=f"naming_pdfs:{document_id}:again:{uuid.uuid4().hex[:12]}"),
            lambda o: f"命名文件 {o['document'].number} 及其证书正在重新生成。")
        return back(BASE, year)

    @bp.get("/certificates/documents/<int:document_id>.pdf")
    @access.page(Do.CERTIFICATES, "命名文件")
    def certificates_document_pdf(document_id):
        with bot.db.reading() as session:
            ids = {d.id for d in certificates.documents_of(service(session))}
            row = session.get(NamingDocument, document_id) if document_id in ids else None
            stored = _file(session, row)
        return _download(stored, "naming_document", document_id)

    @bp.get("/certificates/<int:certificate_id>.pdf")
    @access.page(Do.CERTIFICATES, "证书")
    def certificates_pdf(certificate_id):
        with bot.db.reading() as session:
            row = next((c for c in certificates.listing(service(session)) if c.id == certificate_id), None)
            stored = _file(session, row)
        return _download(stored, "certificate", certificate_id)

    @bp.post("/certificates/<int:certificate_id>/plaque")
    @access.page(Do.CERTIFICATES, "牌匾")
    def certificates_plaque(certificate_id):
        year = chosen_year()
        act(lambda ctx: certificates.mark_plaque(ctx, certificate_id, request.form.get("status", "")),
            lambda o: (f"「{o['certificate'].studio.name}」的牌匾：{o['certificate'].plaque_status}。"
                       if o.what == "marked" else ""))
        return back(BASE, year, f"plaque-{certificate_id}")

    @bp.get("/certificates/plaques.xlsx")
    @access.page(Do.CERTIFICATES, "牌匾")
    def certificates_plaques_xlsx():
        year = chosen_year()
        with bot.db.reading() as session:
            page = _page_data(service(session), session, year)
        header = ("序号", "工作室名称", "所在单位", "牌匾文字", "证书编号", "证书状态", "制作送达状态", "日期")
        rows = [(n, c["studio"], c["unit"], c["plaque_text"], c["number"], "已作废" if c["void"] else "有效",
                 c["plaque_status"], c["plaque_on"]) for n, c in enumerate(page["certificates"], 1)]
        return export.xlsx(f"{year}年度牌匾清单.xlsx", "牌匾清单", header, rows, caption=f"{year} 年度牌匾清单",
                           object_type="certificate", object_id=str(year))


# -- reading ------------------------------------------------------------------------------------

def _file(session, row):
    if row is None:
        raise UserError("没有找到这份文件。")
    stored = session.get(StoredFile, row.file_id) if row.file_id else None
    if stored is None or not stored.path or not Path(stored.path).is_file() or stored.deleted_at is not None:
        raise UserError("PDF 还在生成中，请稍后刷新页面再下载。")
    return {"name": stored.name, "path": stored.path}


def _download(stored, object_type, object_id):
    with g.bot.db.transaction() as session:
        audit.record(session, g.viewer, "console.export", at=g.bot.clock.utcnow(), object_type=object_type,
                     object_id=object_id, detail=stored["name"])
    return export.download(Path(stored["path"]).read_bytes(), stored["name"], PDF)


def _task_state(session, document_id):
    """The last rendering task of a 命名文件: pending, done or failed ("" if none)."""
    task = session.scalar(select(Task).where(Task.kind == document_tasks.NAMING_PDFS,
                                             Task.dedupe_key.like(f"naming_pdfs:{document_id}%"))
                          .order_by(Task.id.desc()).limit(1))
    return task.status if task is not None else ""


def _page_data(ctx, session, year):
    docs = certificates.documents_of(ctx, year)
    certs = certificates.listing(ctx, year)
    ready = {d.id: bool(d.file_id) and all(c.file_id for c in certs if c.document_id == d.id) for d in docs}
    return {
        "documents": [{"id": d.id, "number": d.number, "issued_on": documents.chinese_day(d.issued_on),
                       "grant": d.grant_wan, "count": sum(1 for c in certs if c.document_id == d.id),
                       "ready": ready[d.id], "file": bool(d.file_id), "task": _task_state(session, d.id)}
                      for d in docs],
        "certificates": [{"id": c.id, "number": c.number, "studio": c.studio.name,
                          "unit": c.studio.unit.name if c.studio.unit else "", "named_on": c.named_on.strftime("%Y-%m-%d"),
                          "void": c.status == "void", "void_reason": c.void_reason, "file": bool(c.file_id),
                          "plaque_text": c.plaque_text, "plaque_status": c.plaque_status,
                          "plaque_on": c.plaque_on.strftime("%Y-%m-%d") if c.plaque_on else "",
                          "document": c.document.number} for c in certs],
        "generating": any(not r for r in ready.values()),
        "waiting": _named_without_certificate(session, year),
    }


def _named_without_certificate(session, year):
    return session.scalar(select(Application.id).where(Application.year == year, Application.status == AppStatus.NAMED,
                                                       Application.id.not_in(select(Certificate.application_id)))
                          .limit(1)) is not None
