"""The office's slow documents, rendered by the worker: the 命名文件 with its certificates, and the
成果汇编 (brochure) of selected achievements; each as PDF in 仿宋, stored and sent to who asked.

A request only queues the task (``queue_*``); ``run_*`` renders outside any write transaction
and its ``finish`` stores the files, links them to their rows and queues the messages, once.
"""
from datetime import date

from sqlalchemy import select

from bot import files
from bot.message import Outgoing
from handlers.application import package
from handlers.application.document_tasks import deliver
from handlers.office import documents, rows as office_rows
from storage import tasks as task_rows
from storage.models import Application
from storage.office import Certificate, NamingDocument

NAMING_PDFS = "office_naming_pdfs"
BROCHURE = "office_brochure"
FAILED = "抱歉，{what}没有生成成功，请稍后在管理台重新生成。"


def queue_naming_pdfs(session, document, recipients, dedupe_key):
    task_rows.add(session, NAMING_PDFS, {"document_id": document.id, "recipients": list(recipients),
                                         "dedupe_key": dedupe_key}, dedupe_key=dedupe_key)


def queue_brochure(session, rows, title, day, recipients, dedupe_key):
    """``rows``: the brochure's entries (dicts, already read and scoped by the service)."""
    task_rows.add(session, BROCHURE, {"rows": rows, "title": title, "day": day.isoformat(),
                                      "recipients": list(recipients), "dedupe_key": dedupe_key},
                  dedupe_key=dedupe_key)


def brochure_key(dedupe_key):
    """The stored brochure's ``cache_key``: the console finds the PDF it asked for by it."""
    return f"brochure:{dedupe_key}"[:255]


def _refused(bot, payload, reason):
    def tell(session):
        deliver(bot, session, payload["recipients"], Outgoing(text=reason), None, payload["dedupe_key"] + "|refused")
    return tell


def run_naming_pdfs(bot, payload):
    with bot.db.reading() as session:
        document = session.get(NamingDocument, payload["document_id"])
        if document is None:
            return None
        certs = session.scalars(select(Certificate).where(Certificate.document_id == document.id)
                                .order_by(Certificate.sequence)).all()
        rows = {c.id: office_rows.studio_row(session, session.get(Application, c.application_id)) for c in certs}
        docx = {"document": documents.naming_docx(bot.config, document, [(rows[c.id], c.number) for c in certs])}
        for cert in certs:
            docx[cert.id] = documents.certificate_docx(bot.config, cert, rows[cert.id])
        names = {"document": f"{document.number}-命名文件.pdf",
                 **{c.id: f"{c.number}-{rows[c.id].name}-证书.pdf" for c in certs}}
        number, cert_ids = document.number, [c.id for c in certs]
    try:
        pdfs = documents.to_pdf(bot.config, docx)
    except package.PackageError as refused:
        return _refused(bot, payload, str(refused))

    def finish(session):
        stored = {key: files.save(bot, session, names[key], pdfs[key], content_type="application/pdf")
                  for key in pdfs}
        session.get(NamingDocument, payload["document_id"]).file_id = stored["document"].id
        for cert_id in cert_ids:
            session.get(Certificate, cert_id).file_id = stored[cert_id].id
        deliver(bot, session, payload["recipients"], Outgoing(text=f"命名文件 {number}（PDF）："), stored["document"],
                payload["dedupe_key"] + "|document")
        for cert_id in cert_ids:
            deliver(bot, session, payload["recipients"], Outgoing(text="证书："), stored[cert_id],
                    f"{payload['dedupe_key']}|certificate:{cert_id}")
    return finish


def run_brochure(bot, payload):
    day = date.fromisoformat(payload["day"])
    try:
        pdfs = documents.to_pdf(bot.config, {"brochure": documents.brochure_docx(bot.config, payload["title"], day,
                                                                                 payload["rows"])})
    except package.PackageError as refused:
        return _refused(bot, payload, str(refused))
    name = f"{payload['title']}.pdf"

    def finish(session):
        stored = files.save(bot, session, name, pdfs["brochure"], content_type="application/pdf",
                            cache_key=brochure_key(payload["dedupe_key"]))
        deliver(bot, session, payload["recipients"],
                Outgoing(text=f"成果汇编已生成（{len(payload['rows'])} 项成果）："), stored, payload["dedupe_key"])
    return finish


def _failed(what):
    def tell(session, payload):
        deliver(None, session, payload["recipients"], Outgoing(text=FAILED.format(what=what)), None,
                payload["dedupe_key"] + "|failed")
    return tell


def register(kinds):
    kinds.add(NAMING_PDFS, run_naming_pdfs, _failed("命名文件和证书"))
    kinds.add(BROCHURE, run_brochure, _failed("成果汇编"))
