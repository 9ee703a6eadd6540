"""Document requests: the application's DOCX, the 材料包 (PDF + ZIP) and the ledgers' XLSX.

Rendering is slow work for the worker (handlers/application/document_tasks.py); a request checks
who may read the studio's records, queues the render (or finds this version already rendered) and
is audited (``document.*``: the documents carry personal data — phone numbers, dates of birth).
"""
from bot.errors import UserError
from handlers import policy
from handlers.application import document_tasks, package
from handlers.policy import Do, Forbidden
from handlers.review.steps import steps_of
from handlers.services.context import Outcome


def _readable(ctx, app):
    policy.require(ctx.actor, Do.READ_APPLICATION, "查看申报表")
    if not policy.may_read_application(ctx.actor, app, steps_of(ctx.session, app)):
        raise Forbidden("您无权查看这份申报表。")


def _audit(ctx, action, app=None, studio=None, detail=""):
    studio = studio or app.studio
    ctx.audit(f"document.{action}", object_type="application" if app else "studio",
              object_id=app.id if app else studio.id, application_id=app.id if app else None,
              studio_id=studio.id, unit_id=studio.unit_id, detail=detail)


def application(ctx, bot, app, *, recipients=(), asker=None, text="申报表：", dedupe_key):
    """The DOCX of ``app``: Outcome ``ready`` (with ``file``, already rendered) or ``queued``."""
    _readable(ctx, app)
    _audit(ctx, "application", app)
    stored = document_tasks.send_application(bot, ctx.session, app, recipients, text=text,
                                              dedupe_key=dedupe_key, asker=asker)
    return Outcome("ready" if stored is not None else "queued", {"file": stored, "app": app})


def application_package(ctx, app, *, recipients, dedupe_key):
    """The 材料包 of ``app``, built by the worker: Outcome ``queued``."""
    _readable(ctx, app)
    if package.soffice_path(ctx.config) is None:
        raise UserError(package.no_soffice_text(ctx.config))
    _audit(ctx, "package", app)
    document_tasks.send_package(ctx.session, app, recipients, person_id=ctx.actor.person_id, dedupe_key=dedupe_key)
    return Outcome("queued", {"app": app})


def ledgers(ctx, studio, year, *, recipients, dedupe_key):
    """The four ledgers of ``studio`` (one year or all) as XLSX, built by the worker."""
    policy.require(ctx.actor, Do.LEDGER_READ, "导出台账")
    if not policy.may_read_ledgers(ctx.actor, studio):
        raise Forbidden("您无权导出这个工作室的台账。")
    _audit(ctx, "ledgers", studio=studio, detail=str(year or ""))
    document_tasks.send_ledgers(ctx.session, studio, year, recipients, person_id=ctx.actor.person_id,
                                dedupe_key=dedupe_key)
    return Outcome("queued", {"studio": studio, "year": year})
