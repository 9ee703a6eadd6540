"""Ledger entries: add, correct and soft-delete with an audit trail; queries, balance, the naming grant.

Nothing is ever hard-deleted: a deletion sets ``deleted_at`` and every change writes an audit row
(``ledger.create`` / ``ledger.update`` / ``ledger.delete``: who, when, before → after; storage/audit.py).
Queries leave deleted entries out.
"""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from storage import audit, clock
from storage.models import Attachment, LedgerEntry, Studio
from storage.statuses import Hold

GRANT_NOTE = "命名一次性经费支持"


def _as_date(value):
    if isinstance(value, date):
        return value
    text = str(value)
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _audit(session, actor, entry, action, before, after, detail=""):
    unit_id = session.scalar(select(Studio.unit_id).where(Studio.id == entry.studio_id))
    audit.record(session, actor, f"ledger.{action}", at=entry.updated_at, object_type="ledger_entry",
                 object_id=entry.id, studio_id=entry.studio_id, unit_id=unit_id, key=entry.ledger,
                 before=before, after=after, detail=detail)


def add_entry(session, studio_id, ledger, data, on_date, actor, detail=""):
    """A new entry (``data`` as the mini-form's answers), with its ``ledger.create`` audit row."""
    now = clock.of(session).utcnow()
    entry = LedgerEntry(studio_id=studio_id, ledger=ledger, entry_date=_as_date(on_date), data=dict(data),
                        created_by=actor.person_id, created_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    _audit(session, actor, entry, "create", None, dict(data), detail)
    return entry


def update_entry(session, entry, data, on_date, actor, detail=""):
    """Replace an entry's data; returns the old data (audited before → after). No change, no row."""
    before = dict(entry.data or {})
    if before == dict(data) and entry.entry_date == _as_date(on_date):
        return before
    entry.data, entry.entry_date, entry.updated_at = dict(data), _as_date(on_date), clock.of(session).utcnow()
    _audit(session, actor, entry, "update", before, dict(data), detail)
    return before


def delete_entry(session, entry, actor, detail=""):
    """Mark an entry deleted (it stays in the table and in the audit)."""
    entry.deleted_at = entry.updated_at = clock.of(session).utcnow()
    _audit(session, actor, entry, "delete", dict(entry.data or {}), None, detail)


def get_entry(session, entry_id, *, include_deleted=False):
    entry = session.get(LedgerEntry, entry_id)
    if entry is None or (entry.deleted_at is not None and not include_deleted):
        return None
    return entry


def entries(session, studio_id, ledger=None, years=None):
    """Live entries of a studio, oldest first; ``years`` limits to those calendar years."""
    query = select(LedgerEntry).where(LedgerEntry.studio_id == studio_id, LedgerEntry.deleted_at.is_(None))
    if ledger:
        query = query.where(LedgerEntry.ledger == ledger)
    if years:
        years = sorted(years)
        query = query.where(LedgerEntry.entry_date >= date(years[0], 1, 1),
                            LedgerEntry.entry_date <= date(years[-1], 12, 31))
    rows = session.scalars(query.order_by(LedgerEntry.entry_date, LedgerEntry.id)).all()
    if years and len(years) > 1:
        rows = [e for e in rows if e.entry_date.year in set(years)]
    return rows


def live_entries_of(session, studio_ids):
    """Live entries of several studios (every ledger), each studio's oldest first: one statement."""
    if not studio_ids:
        return []
    return session.scalars(select(LedgerEntry).where(LedgerEntry.studio_id.in_(list(studio_ids)),
                                                     LedgerEntry.deleted_at.is_(None))
                           .order_by(LedgerEntry.studio_id, LedgerEntry.entry_date, LedgerEntry.id)).all()


def any_entry(session, studio_id):
    """Whether the studio keeps any live ledger entry (one indexed probe, no ORM)."""
    return session.connection().execute(_ANY_ENTRY, {"studio_id": studio_id}).first() is not None


_ANY_ENTRY = (select(LedgerEntry.id).where(LedgerEntry.studio_id == bindparam("studio_id"),
                                           LedgerEntry.deleted_at.is_(None)).limit(1))


def count(session, studio_id, ledger=None):
    """How many live entries a studio has (in one ledger, or in all)."""
    query = select(func.count(LedgerEntry.id)).where(LedgerEntry.studio_id == studio_id,
                                                     LedgerEntry.deleted_at.is_(None))
    if ledger:
        query = query.where(LedgerEntry.ledger == ledger)
    return session.scalar(query) or 0


HELD = Hold.PENDING         # an expense's ``hold`` while the unit union has not confirmed it


def counted(data):
    """Whether a funding entry counts in the balance, the statistics and 附件2: an expense held for
    the unit union counts nowhere until it is confirmed (the one rule; everything asks here)."""
    return (data or {}).get("hold") in (None, "", Hold.CONFIRMED)


def on_balance(data):
    """Whether a counted funding entry moves the studio's own balance: an expense charged to a 立项's
    专项科研经费 (``project``) is paid from the unit's 科研经费, not from the studio's money."""
    return counted(data) and not (data or {}).get("project")


def signed_amount(entry):
    amount = Decimal(str((entry.data or {}).get("amount") or 0))
    return amount if entry.data.get("direction") == "收入" else -amount


def balance(session, studio_id, until=None):
    """Income minus expense (万元) over live, counted funding entries of the studio's own money
    (``on_balance``), up to ``until`` (inclusive) if given."""
    total = Decimal(0)
    for entry in entries(session, studio_id, "funding"):
        if (until is None or entry.entry_date <= until) and on_balance(entry.data):
            total += signed_amount(entry)
    return total


def grant_of(session, studio_id):
    """The naming grant recorded for a studio, or None."""
    return next((e for e in entries(session, studio_id, "funding") if e.data.get("grant")), None)


def record_grant(session, studio_id, amount_wan, on_date, actor, unit="工会联合会"):
    """The one-off grant on naming as funding income (``amount_wan`` as the ledger writes it, e.g. "5");
    recording it twice returns the first entry."""
    found = grant_of(session, studio_id)
    if found is not None:
        return found
    on_date = _as_date(on_date)
    data = {"direction": "收入", "amount": str(amount_wan), "unit": unit,
            "date": on_date.strftime("%Y%m%d"), "notes": GRANT_NOTE, "grant": True}
    return add_entry(session, studio_id, "funding", data, on_date, actor, detail=GRANT_NOTE)


def attach(session, entry_id, file_id, person_id, field_key=""):
    session.add(Attachment(owner_kind="ledger", owner_id=entry_id, field_key=field_key, file_id=file_id,
                           person_id=person_id, created_at=clock.of(session).utcnow()))


def attachment_counts(session, entry_ids):
    """{entry id: number of proof files}."""
    if not entry_ids:
        return {}
    rows = session.execute(select(Attachment.owner_id, func.count(Attachment.id))
                           .where(Attachment.owner_kind == "ledger", Attachment.owner_id.in_(list(entry_ids)))
                           .group_by(Attachment.owner_id))
    return {owner: n for owner, n in rows}


def audit_trail(session, entry_id):
    """The entry's audit rows, oldest first."""
    return audit.object_history(session, "ledger_entry", entry_id)


def recent_window():
    """How long after saving an incoming file still attaches to the entry just saved."""
    return timedelta(minutes=30)
