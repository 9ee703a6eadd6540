"""The 成果库's rows: every achievement of every studio's ledger (live entries), with its studio, unit,
kind, level, year, whether it was put into use (转化) and its proofs — the one reading the 成果库,
its export, the brochure and the achievement statistics all share.

``level`` is an award's level (国际 / 国家 / 省部 / 地市) or a 创新成果's 技术认定 (国家 / 省部 / 行业);
``applied`` is true for a 成果转化 entry and for a result whose title the studio also recorded as
转化. Filters on the studio, its unit and the year run in SQL; the others on the rows read.
"""
from dataclasses import dataclass, field

from sqlalchemy import select

from handlers.ledgers import schema
from storage.models import Attachment, LedgerEntry, StoredFile, Studio, Unit


@dataclass
class Achievement:
    id: int
    studio_id: int
    studio: str
    unit_id: int | None
    unit: str
    kind: str
    title: str
    date: str                 # YYYYMMDD (an 经济效益 entry: its entry date)
    year: int
    level: str
    applied: bool
    detail: str
    proofs: list = field(default_factory=list)       # [(file name, token)]


def _level(data):
    if data.get("kind") == "获奖":
        return data.get("level") or ""
    return data.get("recognition") or ""


def _detail(data):
    kind = data.get("kind")
    if kind == "立项":
        return f"计划与目标：{data.get('plan', '')}；目标日期 {data.get('target', '')}"
    if kind == "获奖":
        return f"颁奖单位：{data.get('issuer', '')}"
    if kind in schema.PATENTS:
        return f"专利号：{data.get('number') or '待补充'}"
    if kind == "经济效益":
        return f"{data.get('year', '')} 年创收 {data.get('income', 0)} 万元、节资 {data.get('savings', 0)} 万元"
    if data.get("recognised_by"):
        return f"技术认定：{data.get('recognised_by')}"
    return ""


def rows(session, scope, *, studio_id=None, unit_id=None, year=None, entry_ids=None):
    """Every achievement entry within ``scope`` (a SQL condition on Studio), newest first."""
    query = (select(LedgerEntry, Studio, Unit).join(Studio, Studio.id == LedgerEntry.studio_id)
             .outerjoin(Unit, Unit.id == Studio.unit_id)
             .where(LedgerEntry.ledger == "achievement", LedgerEntry.deleted_at.is_(None), scope))
    if studio_id is not None:
        query = query.where(Studio.id == studio_id)
    if unit_id is not None:
        query = query.where(Studio.unit_id == unit_id)
    if entry_ids is not None:
        query = query.where(LedgerEntry.id.in_(list(entry_ids)))
    found = session.execute(query.order_by(LedgerEntry.entry_date.desc(), LedgerEntry.id.desc())).all()
    applied_titles = _applied(session, {e.studio_id for e, _, _ in found})
    result = []
    for entry, studio, unit in found:
        data = entry.data or {}
        kind = data.get("kind", "")
        entry_year = int(data["year"]) if kind == "经济效益" and str(data.get("year", "")).isdigit() else entry.entry_date.year
        if year is not None and entry_year != year:
            continue
        result.append(Achievement(entry.id, studio.id, studio.name, studio.unit_id, unit.name if unit else "", kind,
                                  data.get("title", ""), data.get("date") or entry.entry_date.strftime("%Y%m%d"),
                                  entry_year, _level(data),
                                  kind == "成果转化" or (studio.id, data.get("title")) in applied_titles,
                                  _detail(data)))
    proofs = _proofs(session, [r.id for r in result])
    for row in result:
        row.proofs = proofs.get(row.id, [])
    return result


def _applied(session, studio_ids):
    """(studio id, title) of every 成果转化 the studios recorded (whatever the filters)."""
    found = set()
    ids = sorted(studio_ids)
    for start in range(0, len(ids), 500):
        for studio_id, data in session.execute(select(LedgerEntry.studio_id, LedgerEntry.data).where(
                LedgerEntry.ledger == "achievement", LedgerEntry.deleted_at.is_(None),
                LedgerEntry.studio_id.in_(ids[start:start + 500]))):
            if (data or {}).get("kind") == "成果转化":
                found.add((studio_id, data.get("title")))
    return found


def _proofs(session, entry_ids):
    found = {}
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start:start + 500]
        for owner, name, token in session.execute(
                select(Attachment.owner_id, StoredFile.name, StoredFile.token)
                .join(StoredFile, StoredFile.id == Attachment.file_id)
                .where(Attachment.owner_kind == "ledger", Attachment.owner_id.in_(chunk),
                       StoredFile.deleted_at.is_(None)).order_by(Attachment.id)):
            found.setdefault(owner, []).append((name, token))
    return found


def matches(row, *, kind=None, level=None, applied=None, text=None):
    if kind and row.kind != kind:
        return False
    if level and row.level != level:
        return False
    if applied is not None and row.applied != applied:
        return False
    if text:
        words = text.split()
        haystack = f"{row.title} {row.studio} {row.unit} {row.detail}"
        return all(w in haystack for w in words)
    return True
