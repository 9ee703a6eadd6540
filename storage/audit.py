"""The one audit trail: every change a service makes (and every refusal the console meets) as one
append-only row; readers for an application's answer history and review log, a ledger entry's
history, and the console's filtered view; the audited purge past the retention period.

Rows are never updated or deleted by code: triggers (migration 0013) refuse it on both engines,
except inside ``purge``, which holds a row in ``audit_purge`` while it deletes and writes its own row.
"""
from datetime import timedelta

from sqlalchemy import bindparam, delete, func, insert, select

from storage.models import AuditEntry, AuditPurge

MIN_RETENTION_DAYS = 180

_T = AuditEntry.__table__
_INSERT = insert(_T).values(
    at=bindparam("at"), actor_id=bindparam("actor_id"), actor=bindparam("actor"), role=bindparam("role"),
    channel=bindparam("channel"), action=bindparam("action"), object_type=bindparam("object_type"),
    object_id=bindparam("object_id"), application_id=bindparam("application_id"),
    studio_id=bindparam("studio_id"), unit_id=bindparam("unit_id"), key=bindparam("key"),
    before=bindparam("before"), after=bindparam("after"), result=bindparam("result"),
    detail=bindparam("detail"), request_id=bindparam("request_id"), ip=bindparam("ip"))


def record(session, actor, action, *, at, object_type="", object_id="", application_id=None, studio_id=None,
           unit_id=None, key="", before=None, after=None, result="ok", detail="", role=None):
    """Write one audit row for ``actor`` (storage/actor.py) doing ``action`` at ``at`` (naive UTC)."""
    session.connection().execute(_INSERT, {
        "at": at, "actor_id": actor.person_id, "actor": (actor.name or "")[:100],
        "role": (role if role is not None else actor.role_label)[:60], "channel": (actor.channel or "")[:20],
        "action": action[:40], "object_type": object_type[:30], "object_id": str(object_id or "")[:64],
        "application_id": application_id, "studio_id": studio_id, "unit_id": unit_id, "key": str(key or "")[:100],
        "before": before, "after": after, "result": result, "detail": detail or "",
        "request_id": (actor.request_id or "")[:255], "ip": (actor.ip or "")[:64]})


# -- readers ---------------------------------------------------------------------------------------

def answer_history(session, application_id, key=None):
    """The ``answer.set`` rows of an application (optionally one field), oldest first."""
    query = select(AuditEntry).where(AuditEntry.application_id == application_id, AuditEntry.action == "answer.set")
    if key:
        query = query.where(AuditEntry.key == key)
    return session.scalars(query.order_by(AuditEntry.id)).all()


def review_log(session, application_id):
    """The ``review.*`` rows of an application (submissions, decisions, transfers, naming …), oldest first."""
    return session.scalars(select(AuditEntry).where(AuditEntry.application_id == application_id,
                                                    AuditEntry.action.like("review.%"))
                           .order_by(AuditEntry.id)).all()


def object_history(session, object_type, object_id):
    """Every row about one object (a ledger entry's create / update / delete …), oldest first."""
    return session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type,
                                                    AuditEntry.object_id == str(object_id))
                           .order_by(AuditEntry.id)).all()


def search(session, *, scope=None, actions=None, actor_id=None, studio_id=None, since=None, until=None,
           result=None, text=None, limit=50, offset=0):
    """The console's view: newest first, filtered; ``scope`` is a SQL condition on AuditEntry (the
    policy's reach of the viewer) or None for everything. Returns (rows, total)."""
    query = select(AuditEntry)
    conditions = []
    if scope is not None:
        conditions.append(scope)
    if actions:
        conditions.append(AuditEntry.action.in_(list(actions)))
    if actor_id is not None:
        conditions.append(AuditEntry.actor_id == actor_id)
    if studio_id is not None:
        conditions.append(AuditEntry.studio_id == studio_id)
    if since is not None:
        conditions.append(AuditEntry.at >= since)
    if until is not None:
        conditions.append(AuditEntry.at < until)
    if result:
        conditions.append(AuditEntry.result == result)
    if text:
        like = f"%{text}%"
        conditions.append(AuditEntry.actor.like(like) | AuditEntry.detail.like(like) | AuditEntry.action.like(like))
    if conditions:
        query = query.where(*conditions)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return rows, total


# -- the purge --------------------------------------------------------------------------------------

def purge(session, actor, *, now, retention_days):
    """Delete rows older than ``retention_days`` (at least MIN_RETENTION_DAYS) and record the purge;
    returns how many rows went."""
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"retention must be at least {MIN_RETENTION_DAYS} days")
    cutoff = now - timedelta(days=retention_days)
    session.add(AuditPurge())
    session.flush()
    removed = session.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount
    session.execute(delete(AuditPurge))
    record(session, actor, "audit.purge", at=now, object_type="audit_log",
           detail=f"删除 {cutoff:%Y-%m-%d} 之前的 {removed} 条审计记录（保留 {retention_days} 天）")
    return removed
