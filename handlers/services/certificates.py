"""Certificates and the 命名文件: issue the numbered documents of the year's named studios, render them
(worker), keep the 牌匾 list, and void a certificate when its studio's title is withdrawn.

Numbers follow BOT_CERTIFICATE_PATTERN with BOT_CERTIFICATE_PREFIX (certificates) and
BOT_NAMING_DOC_PREFIX (the 命名文件); the sequence runs per year over every number ever issued,
void ones included, so a number is unique and never reused. Rendering (Word templates → PDF in
仿宋) is the worker's ``office_naming_pdfs`` task. Every change is audited (``certificate.*``).
"""
from sqlalchemy import func, select

from bot.errors import UserError
from handlers import policy
from handlers.office import document_tasks
from handlers.policy import Do
from handlers.services.context import Outcome
from storage.models import Application
from storage.office import Certificate, NamingDocument
from storage.statuses import AppStatus

PLAQUE_STATUSES = ("待制作", "已制作", "已送达")


def _next_sequence(session, model, year):
    return (session.scalar(select(func.max(model.sequence)).where(model.year == year)) or 0) + 1


def plaque_text(config, studio, year):
    return f"{config.org_name}劳模（工匠人才）创新工作室｜{studio.name}｜{config.union_name} {year}年命名"


def _audit(ctx, action, cert=None, *, document=None, before=None, after=None, detail=""):
    studio = cert.studio if cert is not None else None
    ctx.audit(f"certificate.{action}", object_type="certificate" if cert is not None else "naming_document",
              object_id=cert.id if cert is not None else document.id,
              application_id=cert.application_id if cert is not None else None,
              studio_id=studio.id if studio else None, unit_id=studio.unit_id if studio else None,
              key=cert.number if cert is not None else document.number, before=before, after=after, detail=detail)


def issue(ctx, year, issued_on=None, *, recipients=(), dedupe_key=None):
    """印发: one numbered 命名文件 for the year's named studios without a certificate, one numbered
    certificate each; the PDFs are rendered by the worker and sent to ``recipients`` (default: the
    actor). Outcome ``issued`` with ``document`` and ``certificates``."""
    policy.require(ctx.actor, Do.CERTIFICATES, "印发命名文件")
    session = ctx.session
    issued_on = issued_on or ctx.clock.today()
    certified = select(Certificate.application_id)
    apps = session.scalars(select(Application).where(Application.year == year, Application.status == AppStatus.NAMED,
                                                     Application.id.not_in(certified))
                           .order_by(Application.id)).all()
    if not apps:
        raise UserError(f"{year} 年度没有待印发证书的已命名工作室。")
    apps.sort(key=lambda a: (a.studio.named_on, a.id))
    now = ctx.clock.utcnow()
    sequence = _next_sequence(session, NamingDocument, year)
    document = NamingDocument(number=ctx.config.number(ctx.config.naming_doc_prefix, year, sequence), year=year,
                              sequence=sequence, issued_on=issued_on, grant_wan=str(ctx.config.grant_wan),
                              issued_by=ctx.actor.person_id, created_at=now)
    session.add(document)
    session.flush()
    _audit(ctx, "document", document=document, after={"number": document.number, "apps": [a.id for a in apps]},
           detail=f"{year} 年度命名文件，{len(apps)} 家")
    certificates = []
    sequence = _next_sequence(session, Certificate, year)
    for n, app in enumerate(apps):
        cert = Certificate(number=ctx.config.number(ctx.config.certificate_prefix, year, sequence + n), year=year,
                           sequence=sequence + n, studio_id=app.studio_id, application_id=app.id,
                           document_id=document.id, named_on=app.studio.named_on or issued_on, status="valid",
                           void_reason="", plaque_text=plaque_text(ctx.config, app.studio, year),
                           plaque_status=PLAQUE_STATUSES[0], created_at=now)
        session.add(cert)
        session.flush()
        _audit(ctx, "issue", cert, after={"number": cert.number, "document": document.number}, detail=app.studio.name)
        certificates.append(cert)
    recipients = list(recipients) or ([{"person_id": ctx.actor.person_id}] if ctx.actor.person_id else [])
    document_tasks.queue_naming_pdfs(session, document, recipients, dedupe_key or f"naming_pdfs:{document.id}")
    return Outcome("issued", {"document": document, "certificates": certificates})


def render_again(ctx, document_id, *, recipients=(), dedupe_key):
    """Render a 命名文件 and its certificates again (e.g. after a failed render)."""
    policy.require(ctx.actor, Do.CERTIFICATES, "生成命名文件")
    document = ctx.session.get(NamingDocument, document_id)
    if document is None:
        raise UserError("没有找到这份命名文件。")
    recipients = list(recipients) or ([{"person_id": ctx.actor.person_id}] if ctx.actor.person_id else [])
    document_tasks.queue_naming_pdfs(ctx.session, document, recipients, dedupe_key)
    return Outcome("queued", {"document": document})


def listing(ctx, year=None):
    """Certificates (with their 命名文件), newest year first: the certificates' and 牌匾 page."""
    policy.require(ctx.actor, Do.CERTIFICATES, "证书")
    query = select(Certificate)
    if year is not None:
        query = query.where(Certificate.year == year)
    return ctx.session.scalars(query.order_by(Certificate.year.desc(), Certificate.sequence)).all()


def documents_of(ctx, year=None):
    policy.require(ctx.actor, Do.CERTIFICATES, "命名文件")
    query = select(NamingDocument)
    if year is not None:
        query = query.where(NamingDocument.year == year)
    return ctx.session.scalars(query.order_by(NamingDocument.year.desc(), NamingDocument.sequence)).all()


def mark_plaque(ctx, certificate_id, status, on=None):
    """Tick off a 牌匾: 待制作 → 已制作 → 已送达 (``on``: the day, default today)."""
    policy.require(ctx.actor, Do.CERTIFICATES, "牌匾")
    if status not in PLAQUE_STATUSES:
        raise UserError(f"牌匾状态只能是：{'、'.join(PLAQUE_STATUSES)}。")
    cert = ctx.session.get(Certificate, certificate_id)
    if cert is None:
        raise UserError("没有找到这张证书。")
    if cert.status == "void" and status != PLAQUE_STATUSES[0]:
        raise UserError(f"「{cert.studio.name}」的称号已撤销，证书 {cert.number} 已作废，不再制作或送达牌匾。")
    before = {"status": cert.plaque_status, "on": str(cert.plaque_on or "")}
    if cert.plaque_status == status:
        return Outcome("unchanged", {"certificate": cert})
    cert.plaque_status, cert.plaque_on = status, (on or ctx.clock.today()) if status != PLAQUE_STATUSES[0] else None
    _audit(ctx, "plaque", cert, before=before, after={"status": status, "on": str(cert.plaque_on or "")},
           detail=f"{cert.studio.name}：{status}")
    return Outcome("marked", {"certificate": cert})


def void_titles(ctx, studio, reason):
    """The studio's title was withdrawn (called by the service that withdrew it, after its checks):
    its valid certificates become void, with the reason; their numbers stay taken."""
    voided = []
    for cert in ctx.session.scalars(select(Certificate).where(Certificate.studio_id == studio.id,
                                                              Certificate.status == "valid")):
        cert.status, cert.void_reason, cert.voided_at = "void", reason, ctx.clock.utcnow()
        _audit(ctx, "void", cert, before={"status": "valid"}, after={"status": "void"}, detail=reason)
        voided.append(cert)
    return voided
