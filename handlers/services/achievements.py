"""The 成果库: every achievement in every studio's ledger the actor may read (policy.ledger_scope),
searchable and filterable (kind, level, year, unit, studio, 转化), paged; its XLSX export; and a
printable brochure (成果汇编, PDF by the worker) of selected results for a 成果发布 or 展示.
Exports are audited (``document.*``)."""
from bot.errors import UserError
from handlers import policy
from handlers.ledgers import schema
from handlers.office import document_tasks, library, xlsx
from handlers.policy import Do
from handlers.services.context import Outcome

PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_BROCHURE = 200
HEADER = ("序号", "成果名称", "类型", "级别", "日期", "年度", "工作室", "所在单位", "转化应用", "说明", "证明材料")


def _filtered(ctx, filters):
    policy.require(ctx.actor, Do.ACHIEVEMENTS, "成果库")
    kind = filters.get("kind") or None
    if kind and kind not in schema.KINDS["achievement"]:
        raise UserError(f"成果类型只能是：{'、'.join(schema.KINDS['achievement'])}。")
    found = library.rows(ctx.session, policy.ledger_scope(ctx.actor), studio_id=filters.get("studio_id"),
                         unit_id=filters.get("unit_id"), year=filters.get("year"))
    return [r for r in found if library.matches(r, kind=kind, level=filters.get("level") or None,
                                                applied=filters.get("applied"), text=(filters.get("text") or "").strip())]


def search(ctx, *, page=1, per_page=PER_PAGE, **filters):
    """One page of the 成果库: Outcome with ``rows`` (library.Achievement), ``total``, ``page``, ``pages``.
    Filters: ``text`` (words in title, studio, unit, detail), ``kind``, ``level``, ``year``,
    ``unit_id``, ``studio_id``, ``applied`` (True / False)."""
    found = _filtered(ctx, filters)
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    pages = max(1, -(-len(found) // per_page))
    page = max(1, min(int(page), pages))
    return Outcome("found", {"rows": found[(page - 1) * per_page: page * per_page], "total": len(found),
                             "page": page, "pages": pages, "per_page": per_page})


def table_rows(found):
    return [(n, r.title, r.kind, r.level, r.date, r.year, r.studio, r.unit, "是" if r.applied else "", r.detail,
             "、".join(name for name, _ in r.proofs)) for n, r in enumerate(found, 1)]


def export(ctx, **filters):
    """Everything the filters select (every page) as XLSX: Outcome with ``name`` and ``data``."""
    found = _filtered(ctx, filters)
    data = xlsx.workbook([("成果库", HEADER, table_rows(found), f"创新成果库（{len(found)} 项）")])
    ctx.audit("document.achievements", object_type="achievements", detail=f"{len(found)} 项")
    return Outcome("exported", {"name": "创新成果库.xlsx", "data": data, "count": len(found)})


def brochure(ctx, entry_ids, title, *, recipients=(), dedupe_key):
    """A printable brochure (成果汇编, PDF) of the selected results, rendered by the worker and sent
    to ``recipients`` (default: the actor)."""
    policy.require(ctx.actor, Do.ACHIEVEMENTS, "成果汇编")
    ids = [int(i) for i in entry_ids]
    if not ids:
        raise UserError("请先选择要汇编的成果。")
    if len(ids) > MAX_BROCHURE:
        raise UserError(f"一次最多汇编 {MAX_BROCHURE} 项成果。")
    title = " ".join((title or "").split())[:60] or "创新成果汇编"
    found = library.rows(ctx.session, policy.ledger_scope(ctx.actor), entry_ids=ids)
    if len(found) != len(set(ids)):
        raise UserError("所选成果中有的已删除或不在您的查看范围内，请刷新后重新选择。")
    order = {entry_id: n for n, entry_id in enumerate(ids)}
    found.sort(key=lambda r: order[r.id])
    rows = [{"n": n, "title": r.title, "studio": r.studio, "unit": r.unit, "kind": r.kind, "level": r.level,
             "date": r.date, "applied": r.applied, "detail": r.detail} for n, r in enumerate(found, 1)]
    recipients = list(recipients) or ([{"person_id": ctx.actor.person_id}] if ctx.actor.person_id else [])
    document_tasks.queue_brochure(ctx.session, rows, title, ctx.clock.today(), recipients, dedupe_key)
    ctx.audit("document.brochure", object_type="achievements", after={"entries": ids}, detail=title)
    return Outcome("queued", {"count": len(rows), "title": title})
