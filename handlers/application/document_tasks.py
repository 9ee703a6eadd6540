"""Documents sent in chat: a turn asks for one, the worker renders it once per version and sends it.

``send_application`` (in a turn) answers with the file at once when this version of the
application was rendered before, else queues an ``application_docx`` task; the worker renders
it in a read-only session (no write lock held), keeps the file under its cache key and queues
one message per recipient. ``send_ledgers`` does the same for the ledger XLSX.

A recipient is ``{"channel": ..., "user": ...}`` (the user who asked) or ``{"person_id": ...}``
(every messenger account of that person, e.g. a reviewer).
"""
import hashlib
import json

from bot import files
from bot.message import Outgoing
from handlers.application import materials, package
from handlers.application.render import render
from handlers.ledgers.export import render_ledgers_xlsx
from handlers.review.steps import opinions_for_document
from storage import tasks as task_rows
from storage.models import Application, Person, Studio
from storage.outbox import enqueue, push_to_person

PREPARING = "正在生成{what}，稍后发送给您。"
FAILED = "抱歉，{what}没有生成成功，请稍后再发送一次「{command}」。"


def application_file_name(app):
    return f"{app.studio.name}-{app.year}年度申报审批表.docx"


def application_cache_key(session, app):
    """What the application's DOCX is made of: its answers' version, the opinions so far and the name."""
    made_of = json.dumps([app.studio.name, opinions_for_document(session, app)],
                         ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha1(made_of.encode("utf-8")).hexdigest()[:16]
    return f"application:{app.id}:v{app.version}:{digest}"


def send_application(bot, session, app, recipients, *, text, dedupe_key, asker=None):
    """Send the application's DOCX to ``recipients`` with ``text`` before its name.

    Returns the stored file when this version was rendered before (the recipients get it through
    the outbox at once; ``asker``, a {"channel", "user"} recipient, gets nothing: the caller shows
    the file itself), else None: the worker renders it and sends it to the recipients and the asker."""
    cached = files.by_cache_key(session, application_cache_key(session, app))
    if cached is not None:
        _deliver(bot, session, recipients, Outgoing(text=f"{text}{cached.name}"), cached, dedupe_key)
        return cached
    recipients = list(recipients) + ([asker] if asker else [])
    task_rows.add(session, "application_docx", {"app_id": app.id, "recipients": recipients, "text": text,
                                            "dedupe_key": dedupe_key}, dedupe_key=f"docx:{dedupe_key}")
    return None


def send_ledgers(session, studio, year, recipients, *, person_id, dedupe_key):
    """The ledgers' XLSX, rendered by the worker and sent to ``recipients``."""
    task_rows.add(session, "ledger_xlsx", {"studio_id": studio.id, "year": year, "recipients": list(recipients),
                                       "person_id": person_id, "dedupe_key": dedupe_key}, dedupe_key=dedupe_key)


def send_package(session, app, recipients, *, person_id, dedupe_key):
    """The PDF package and the ZIP 电子版, built by the worker and sent to ``recipients``."""
    task_rows.add(session, "application_package", {"app_id": app.id, "recipients": list(recipients),
                                               "person_id": person_id, "dedupe_key": dedupe_key},
                  dedupe_key=dedupe_key)


def _deliver(bot, session, recipients, message, stored, dedupe_key):
    """``message`` (with ``stored`` as its file, when there is one) to each recipient, once per key."""
    if stored is not None:
        message.file = files.as_outgoing_file(bot, stored)
    for recipient in recipients:
        if "person_id" in recipient:
            person = session.get(Person, recipient["person_id"])
            if person is not None:
                push_to_person(session, person, message, dedupe_key=f"{dedupe_key}|p{person.id}",
                               notice=recipient.get("notice"))
        else:
            enqueue(session, recipient["channel"], recipient["user"], message,
                    dedupe_key=f"{dedupe_key}|{recipient['channel']}:{recipient['user']}")


deliver = _deliver          # the office's documents (handlers/office/document_tasks.py) are sent the same way


# -- the worker's side -----------------------------------------------------------------------

def run_application_docx(bot, payload):
    with bot.db.reading() as session:
        app = session.get(Application, payload["app_id"])
        if app is None:
            return None
        key = application_cache_key(session, app)
        name = application_file_name(app)
        if files.by_cache_key(session, key) is None:
            data, _ = render(session, bot.config, app)
        else:
            data = None

    def finish(session):
        stored = files.by_cache_key(session, key)
        if stored is None:
            stored = files.save(bot, session, name, data, cache_key=key)
        _deliver(bot, session, payload["recipients"], Outgoing(text=f"{payload['text']}{stored.name}"), stored,
                 payload["dedupe_key"])
    return finish


def run_ledger_xlsx(bot, payload):
    with bot.db.reading() as session:
        studio = session.get(Studio, payload["studio_id"])
        if studio is None:
            return None
        year = payload.get("year")
        data = render_ledgers_xlsx(session, studio, year)
        name = f"{studio.name}-台账{f'-{year}年' if year else ''}.xlsx"

    def finish(session):
        stored = files.save(bot, session, name, data, owner_person_id=payload.get("person_id"))
        _deliver(bot, session, payload["recipients"],
                 Outgoing(text=f"已生成台账：{name}（活动、成果、成员发展、经费四张表）。"), stored,
                 payload["dedupe_key"])
    return finish


def run_application_package(bot, payload):
    with bot.db.reading() as session:
        app = session.get(Application, payload["app_id"])
        if app is None:
            return None
        contents = package.collect(session, bot.config, app)
    try:
        pdf, archive, pdf_name, zip_name, pages = package.build(contents, bot.config)
    except package.PackageError as refused:        # said in Chinese, not retried
        reason = str(refused)

        def tell(session):
            _deliver(bot, session, payload["recipients"], Outgoing(text=reason), None, payload["dedupe_key"] + "|refused")
        return tell
    left_out = [p for p in contents.proofs if p.note]

    def finish(session):
        owner = payload.get("person_id")
        stored_pdf = files.save(bot, session, pdf_name, pdf, owner_person_id=owner, content_type="application/pdf")
        stored_zip = files.save(bot, session, zip_name, archive, owner_person_id=owner,
                                content_type="application/zip")
        text = (f"已生成申报材料包（PDF，共 {pages} 页：申报审批表、附件2 材料、证明材料清单和 "
                f"{len(contents.proofs) - len(left_out)} 份证明材料）：{pdf_name}")
        if left_out:
            text += "\n未放入 PDF 的证明材料（在电子版中）：" + "、".join(f"{p.name}（{p.note}）" for p in left_out)
        told = materials.notice(contents.to_supply, contents.left_out)
        if told:
            text += "\n" + told
        _deliver(bot, session, payload["recipients"], Outgoing(text=text), stored_pdf, payload["dedupe_key"] + "|pdf")
        _deliver(bot, session, payload["recipients"],
                 Outgoing(text=f"电子版（申报表 Word、材料包 PDF 和证明材料原件）：{zip_name}"), stored_zip,
                 payload["dedupe_key"] + "|zip")
    return finish


def _failed(what, command):
    def tell(session, payload):
        _deliver(None, session, payload["recipients"], Outgoing(text=FAILED.format(what=what, command=command)),
                 None, payload["dedupe_key"] + "|failed")
    return tell


def register(kinds):
    kinds.add("application_docx", run_application_docx, _failed("申报审批表", "导出"))
    kinds.add("ledger_xlsx", run_ledger_xlsx, _failed("台账", "导出台账"))
    kinds.add("application_package", run_application_package, _failed("申报材料包", "导出材料包"))

