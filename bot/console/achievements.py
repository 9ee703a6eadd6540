"""The console's 成果库: every achievement the viewer may read (the ledgers' scope), searchable and
filterable (kind, level, year, unit, studio, 转化) and paged, its proofs linked, the XLSX of what
the filters select, and a printable brochure (PDF) of the selected results, rendered by the worker
and offered for download here when ready. All through handlers/services/achievements.py."""
import uuid
from urllib.parse import urlencode

from flask import g, redirect, request
from sqlalchemy import select

from bot import files, links
from bot.console import access, export
from bot.console.render import render
from bot.errors import UserError
from handlers import policy
from handlers.ledgers import schema
from handlers.office import document_tasks
from handlers.policy import Do, Forbidden
from handlers.services import achievements
from handlers.services.context import Context
from storage.models import Studio, Task, Unit
from storage.statuses import TaskStatus

LEVELS = tuple(dict.fromkeys(schema.AWARD_LEVELS + schema.RECOGNITION_LEVELS))
FILTERS = ("q", "kind", "level", "year", "unit", "studio", "applied")


def _ctx(session):
    return Context(session, g.viewer, g.bot.clock, g.bot.config)


def _int(name):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise UserError("筛选条件有误，请重新选择。")
    return int(value)


def _filters():
    """The service's filters from the query string."""
    applied = request.args.get("applied", "")
    kind = request.args.get("kind", "").strip()
    level = request.args.get("level", "").strip()
    if level and level not in LEVELS:
        raise UserError(f"级别只能是：{'、'.join(LEVELS)}。")
    return {"text": request.args.get("q", "").strip()[:100], "kind": kind or None, "level": level or None,
            "year": _int("year"), "unit_id": _int("unit"), "studio_id": _int("studio"),
            "applied": True if applied == "1" else False if applied == "0" else None}


def _query():
    """The filters as a query string (paging and export links keep them)."""
    return urlencode([(k, request.args.get(k, "")) for k in FILTERS if request.args.get(k, "")])


def _choices(session):
    """The units and studios the viewer may filter on (the ledgers' scope)."""
    scope = policy.ledger_scope(g.viewer)
    studios = session.execute(select(Studio.id, Studio.name, Studio.unit_id).where(scope)
                              .order_by(Studio.unit_id, Studio.name)).all()
    unit_ids = {s.unit_id for s in studios if s.unit_id is not None}
    units = session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids)).order_by(Unit.name)).all() \
        if unit_ids else []
    return [(u.id, u.name) for u in units], [(s.id, s.name) for s in studios]


def _owner_prefix():
    return f"console-brochure:{g.viewer.person_id}:"


def register(bp, bot):

    @bp.get("/achievements")
    @access.page(Do.ACHIEVEMENTS, "成果库")
    def achievements_page():
        filters = _filters()
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        with bot.db.reading() as session:
            found = achievements.search(_ctx(session), page=page, per_page=bot.config.console_page_size, **filters)
            rows = [{"id": r.id, "title": r.title, "kind": r.kind, "level": r.level, "date": r.date, "year": r.year,
                     "studio": r.studio, "unit": r.unit, "applied": r.applied, "detail": r.detail,
                     "proofs": [(name, links.signed_path(bot.config, bot.clock, token)) for name, token in r.proofs]}
                    for r in found["rows"]]
            units, studios = _choices(session)
        this_year = bot.clock.today().year
        return render("console/achievements.html", block="results", title="成果库", rows=rows,
                      total=found["total"], page=found["page"], pages=found["pages"], args=request.args,
                      query=_query(), kinds=schema.KINDS["achievement"], levels=LEVELS,
                      years=list(range(this_year, this_year - 8, -1)), units=units, studios=studios)

    @bp.get("/achievements/export")
    @access.page(Do.ACHIEVEMENTS, "成果库")
    def achievements_export():
        filters = _filters()
        with bot.db.transaction() as session:
            outcome = achievements.export(_ctx(session), **filters)
            data, name = outcome["data"], outcome["name"]
        return export.download(data, name, export.XLSX)

    @bp.post("/achievements/brochure")
    @access.page(Do.ACHIEVEMENTS, "成果汇编")
    def achievements_brochure():
        ids = request.form.getlist("entry")
        if not all(i.isascii() and i.isdigit() and len(i) <= 9 for i in ids):
            raise UserError("所选成果有误，请刷新后重新选择。")
        key = _owner_prefix() + uuid.uuid4().hex
        with bot.db.transaction() as session:
            achievements.brochure(_ctx(session), ids, request.form.get("title", ""), dedupe_key=key)
        return redirect(f"/console/achievements/brochures/{key.rsplit(':', 1)[1]}", 303)

    @bp.get("/achievements/brochures/<token>")
    @access.page(Do.ACHIEVEMENTS, "成果汇编")
    def achievements_brochure_status(token):
        if not (token.isascii() and token.isalnum() and len(token) == 32):
            raise Forbidden("没有这份成果汇编。")
        key = _owner_prefix() + token            # only the viewer's own brochures
        with bot.db.reading() as session:
            task = session.scalar(select(Task).where(Task.dedupe_key == key))
            if task is None:
                raise Forbidden("没有这份成果汇编。")
            stored = files.by_cache_key(session, document_tasks.brochure_key(key))
            state = "ready" if stored is not None else \
                "pending" if task.status == TaskStatus.PENDING else "failed"
            payload = task.payload or {}
            info = {"title": payload.get("title", ""), "count": len(payload.get("rows", [])), "state": state,
                    "name": stored.name if stored else "",
                    "url": links.signed_path(bot.config, bot.clock, stored.token) if stored else ""}
        return render("console/achievements_brochure.html", block="status", title="成果汇编", brochure=info,
                      token=token)
