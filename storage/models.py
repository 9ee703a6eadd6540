"""Tables: people and organisation, conversations, the inbox guard, the outbox, shared caches.

Timestamps are naive UTC (the clock of storage/clock.py); dates the user sees are in BOT_TIMEZONE.
"""
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint, Index, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


# --- organisation -------------------------------------------------------------------

ROLES = {
    "leader": "领衔人", "member": "成员", "union": "单位工会", "tech": "技术部门",
    "party": "党委", "group": "集团工会", "admin": "管理员", "expert": "评审专家",
}


class Unit(Base):
    """A unit (所在单位) of the group: owns studios and their first three reviewers."""
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(50), default="")


class Person(Base):
    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    studio_id: Mapped[int | None] = mapped_column(ForeignKey("studios.id", use_alter=True, name="fk_people_studio"))
    mobile: Mapped[str] = mapped_column(String(30), default="")
    roles: Mapped[list["PersonRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    accounts: Mapped[list["Account"]] = relationship(cascade="all, delete-orphan")
    unit: Mapped[Unit | None] = relationship()

    @property
    def role_names(self):
        return {r.role for r in self.roles}


class PersonRole(Base):
    __tablename__ = "person_roles"
    __table_args__ = (UniqueConstraint("person_id", "role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))


class Account(Base):
    """A messenger account bound to a person: (channel, external id) is unique."""
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str] = mapped_column(String(128))


class Studio(Base):
    __tablename__ = "studios"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")   # active | named | revoked
    named_on: Mapped[date | None] = mapped_column(Date)
    unit: Mapped[Unit | None] = relationship()


# --- conversations and delivery -----------------------------------------------------

class Conversation(Base):
    """Per (channel, user) JSON state, loaded and saved once per turn; version guards races."""
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


class InboxEntry(Base):
    """The duplicate-delivery guard: one row per (channel, message id) ever processed."""
    __tablename__ = "inbox"
    __table_args__ = (UniqueConstraint("channel", "message_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(DateTime)


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as the change that caused it.

    ``dedupe_key`` makes a (notice, recipient) pair unique; ``batch_key`` lets the worker send
    rows with the same content to many recipients in one API call.
    """
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      # partial: a reply is inserted unsent and without a notice type (migration 0008)
                      Index("ix_outbox_recent", "channel", "recipient", "sent_at",
                            sqlite_where=text("sent_at IS NOT NULL"), postgresql_where=text("sent_at IS NOT NULL")),
                      Index("ix_outbox_sent_at", "sent_at",
                            sqlite_where=text("sent_at IS NOT NULL"), postgresql_where=text("sent_at IS NOT NULL")),
                      Index("ix_outbox_notice", "notice",
                            sqlite_where=text("notice IS NOT NULL"), postgresql_where=text("notice IS NOT NULL")))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(255))      # user id, or "group:<name>"
    payload: Mapped[dict] = mapped_column(JSON)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    batch_key: Mapped[str | None] = mapped_column(String(255))
    notice: Mapped[str | None] = mapped_column(String(40))   # the notice type, for 通知记录
    status: Mapped[str] = mapped_column(String(10), default="pending")   # pending|sending|sent|failed|expired
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # the first failure of the send (real clock): a transient failure is retried for BOT_DELIVERY_RETRY_HOURS from it
    failing_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # API messages the row took when sent (split texts, text + card, text + file): rate limits
    api_messages: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class WebMessage(Base):
    """Messages pushed to a try-out identity, shown by /try until read."""
    __tablename__ = "web_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), unique=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class CacheEntry(Base):
    """Values every process shares: access tokens, pauses of rate-limited robots."""
    __tablename__ = "cache"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class Lease(Base):
    """A named lease (the worker's): one holder at a time, renewed while alive."""
    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class StoredFile(Base):
    """A file the bot made or received (exports, proof attachments), served by a signed link."""
    __tablename__ = "files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # what a rendered document was made from (e.g. application:3:v17:<opinions>): reused, not rendered again
    cache_key: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    # deleted (a proof removed or replaced): never served again (410), its bytes removed by the worker
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Task(Base):
    """Slow work a turn asked for (render a document, fetch media, update a card), run by the worker.

    Written in the turn's transaction; the worker claims it for a lease, runs it, and commits its
    result (files, outbox rows) together with ``status = 'done'``, so it takes effect once.
    """
    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")     # pending | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    claim: Mapped[str | None] = mapped_column(String(64), nullable=True)   # the run holding it, until lease_until
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


# --- applications -------------------------------------------------------------------

class Application(Base):
    """One studio's application for one year (one draft per studio per year)."""
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("studio_id", "year"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft|submitted|returned|approved|rejected|named|withdrawn
    flags: Mapped[dict] = mapped_column(JSON, default=dict)   # skipped fields, fields to revise, overrides
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")   # +1 per answer written
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    studio: Mapped[Studio] = relationship()


class Answer(Base):
    """One field's current value: per-field rows, so two people filling at once never clobber."""
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("application_id", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[object] = mapped_column(JSON, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="user")   # user | ledger | override | copied
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)



class Attachment(Base):
    """A proof file sent in chat, kept with the field or ledger entry the user was on."""
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(20))        # application | ledger | spotcheck
    owner_id: Mapped[int] = mapped_column(Integer)
    field_key: Mapped[str] = mapped_column(String(100), default="")
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RobotGroup(Base):
    """A group chat reached through a group robot (WeCom webhook or signed DingTalk custom robot)."""
    __tablename__ = "robot_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str] = mapped_column(String(20))          # wecom | dingtalk
    webhook: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200), default="")
    subscribed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


# --- ledgers ------------------------------------------------------------------------

LEDGERS = {"activity": "创建活动台账", "achievement": "创新成果台账", "member": "成员发展台账", "funding": "经费台账"}


class LedgerEntry(Base):
    """One ledger line; never hard-deleted (``deleted_at`` marks a deletion, the audit keeps it)."""
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_studio", "studio_id", "ledger", "entry_date"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"))
    ledger: Mapped[str] = mapped_column(String(20))           # activity|achievement|member|funding
    entry_date: Mapped[date] = mapped_column(Date)
    data: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)



# --- review chain -------------------------------------------------------------------

class ReviewStep(Base):
    """One reviewer step of an application: 1 单位工会, 2 技术部门, 3 党委, 4 集团工会."""
    __tablename__ = "review_steps"
    __table_args__ = (UniqueConstraint("application_id", "step"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting|pending|approved|returned|rejected
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))     # after a transfer
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    opinion: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    pending_since: Mapped[datetime | None] = mapped_column(DateTime)
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)



# --- spot checks ----------------------------------------------------------------------

class SpotCheck(Base):
    """A random draw of named studios; seed and candidates recorded so anyone can reproduce it."""
    __tablename__ = "spot_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seed: Mapped[str] = mapped_column(String(64))
    candidates: Mapped[list] = mapped_column(JSON)            # studio ids, sorted
    chosen: Mapped[list] = mapped_column(JSON)
    due_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SpotCheckResult(Base):
    __tablename__ = "spot_check_results"
    __table_args__ = (UniqueConstraint("spot_check_id", "studio_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"))
    studio_id: Mapped[int] = mapped_column(ForeignKey("studios.id"))
    result: Mapped[str] = mapped_column(String(20), default="")    # 合格|限期整改|撤销称号 or "" (pending)
    note: Mapped[str] = mapped_column(Text, default="")
    # 撤销称号: the 意见's grounds (工作不积极、制度不落实、保障不到位、效果不突出); photos are Attachments
    # (owner_kind "spotcheck", owner_id this row)
    grounds: Mapped[list] = mapped_column(JSON, default=list)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- the audit trail ----------------------------------------------------------------

class AuditEntry(Base):
    """One change (or refusal) by an actor: append-only; only the audited purge deletes rows past
    the retention period (triggers refuse UPDATE and DELETE otherwise, on both engines).

    ``action`` names the operation (answer.set, application.submit, review.approve, ledger.create …);
    ``object_type``/``object_id`` what it touched; ``application_id``/``studio_id``/``unit_id`` scope
    the row for readers (an application's history, a unit's view); ``key`` a field or step;
    ``before``/``after`` the values.
    """
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_application", "application_id", "id"),
                      Index("ix_audit_object", "object_type", "object_id", "id"),
                      Index("ix_audit_studio", "studio_id", "id"),
                      Index("ix_audit_at", "at"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_id: Mapped[int | None] = mapped_column(Integer)       # a Person id; no foreign key: rows outlive people
    actor: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(60), default="")
    channel: Mapped[str] = mapped_column(String(20), default="")
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30), default="")
    object_id: Mapped[str] = mapped_column(String(64), default="")
    application_id: Mapped[int | None] = mapped_column(Integer)
    studio_id: Mapped[int | None] = mapped_column(Integer)
    unit_id: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100), default="")
    before: Mapped[object] = mapped_column(JSON, nullable=True)
    after: Mapped[object] = mapped_column(JSON, nullable=True)
    result: Mapped[str] = mapped_column(String(10), default="ok")      # ok | refused
    detail: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")             # the console's client address


class AuditPurge(Base):
    """Present only inside the audited purge's transaction: the triggers let its DELETE through."""
    __tablename__ = "audit_purge"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
