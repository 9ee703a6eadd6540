"""Ledger entries: add, correct and soft-delete with an audit trail; queries, balance, the naming grant.

Nothing is ever hard-deleted: a deletion sets ``deleted_at`` and every change writes a
``LedgerAudit`` row (who, when, before → after). Queries leave deleted entries out.
"""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from storage import clock
from storage.models import Attachment, LedgerAudit, LedgerEntry

GRANT_NOTE = "命名一次性经费支持"


def _as_date(value):
    if isinstance(value, date):
        return value
    text = str(value)
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def add_entry(session, studio_id, ledger, data, on_date, person_id):
    """A new entry (``data`` as the mini-form's answers), with its 'create' audit row."""
    now = clock.utcnow()
    entry = LedgerEntry(studio_id=studio_id, ledger=ledger, entry_date=_as_date(on_date), data=dict(data),
                        created_by=person_id, created_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    session.add(LedgerAudit(entry_id=entry.id, person_id=person_id, action="create", before=None,
                            after=dict(data), at=now))
    return entry


def update_entry(session, entry, data, on_date, person_id):
    """Replace an entry's data; returns the old data (audited before → after). No change, no row."""
    before = dict(entry.data or {})
    if before == dict(data) and entry.entry_date == _as_date(on_date):
        return before
    now = clock.utcnow()
    entry.data, entry.entry_date, entry.updated_at = dict(data), _as_date(on_date), now
    session.add(LedgerAudit(entry_id=entry.id, person_id=person_id, action="update", before=before,
                            after=dict(data), at=now))
    return before


def delete_entry(session, entry, person_id):
    """Mark an entry deleted (it stays in the table and in the audit)."""
    now = clock.utcnow()
    entry.deleted_at = entry.updated_at = now
    session.add(LedgerAudit(entry_id=entry.id, person_id=person_id, action="delete",
                            before=dict(entry.data or {}), after=None, at=now))


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


HELD = "pending"            # an expense's ``hold`` while the unit union has not confirmed it


def counted(data):
    """Whether a funding entry counts in the balance, the statistics and 附件2: an expense held for
    the unit union (``hold`` pending) counts nowhere until it is confirmed."""
    return (data or {}).get("hold") != HELD


def signed_amount(entry):
    amount = Decimal(str((entry.data or {}).get("amount") or 0))
    return amount if entry.data.get("direction") == "收入" else -amount


def balance(session, studio_id, until=None):
    """Income minus expense (万元) over live, counted funding entries, up to ``until`` (inclusive) if given."""
    total = Decimal(0)
    for entry in entries(session, studio_id, "funding"):
        if (until is None or entry.entry_date <= until) and counted(entry.data):
            total += signed_amount(entry)
    return total


def record_grant(session, studio_id, amount_wan, on_date, person_id, unit="工会联合会"):
    """The one-off grant on naming as funding income (``amount_wan`` as the ledger writes it, e.g. "5");
    recording it twice returns the first entry."""
    for entry in entries(session, studio_id, "funding"):
        if entry.data.get("grant"):
            return entry
    on_date = _as_date(on_date)
    data = {"direction": "收入", "amount": str(amount_wan), "unit": unit,
            "date": on_date.strftime("%Y%m%d"), "notes": GRANT_NOTE, "grant": True}
    return add_entry(session, studio_id, "funding", data, on_date, person_id)


def attach(session, entry_id, file_id, person_id, field_key=""):
    session.add(Attachment(owner_kind="ledger", owner_id=entry_id, field_key=field_key, file_id=file_id,
                           person_id=person_id, created_at=clock.utcnow()))


def attachment_counts(session, entry_ids):
    """{entry id: number of proof files}."""
    if not entry_ids:
        return {}
    rows = session.execute(select(Attachment.owner_id, func.count(Attachment.id))
                           .where(Attachment.owner_kind == "ledger", Attachment.owner_id.in_(list(entry_ids)))
                           .group_by(Attachment.owner_id))
    return {owner: n for owner, n in rows}


def audit(session, entry_id):
    return session.scalars(select(LedgerAudit).where(LedgerAudit.entry_id == entry_id)
                           .order_by(LedgerAudit.id)).all()


def recent_window():
    """How long after saving an incoming file still attaches to the entry just saved."""
    return timedelta(minutes=30)
